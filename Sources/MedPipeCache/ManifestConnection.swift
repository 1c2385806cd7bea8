import GRDB
import MedPipeCore

/// The connection to a cache's `manifest.sqlite` through which every read and write of it goes: a SQLite failure (a
/// lock held past the busy timeout, a disk I/O error, a damaged page, a file that is not a database) ends in one
/// ``MedPipeError`` naming the manifest, instead of GRDB's description with its SQL statement under a bare `Error:`.
struct ManifestConnection: Sendable {
    let queue: DatabaseQueue
    /// The manifest's path, named in errors.
    let path: String

    /// `queue.read(body)`, its failures made one line naming the manifest.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.converting(path, "cannot read the cache manifest") { try queue.read(body) }
    }

    /// `queue.write(body)` (one transaction), its failures made one line naming the manifest.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.converting(path, "cannot write the cache manifest") { try queue.write(body) }
    }

    /// `body`'s result; a GRDB error it throws becomes `.io` (`.malformed` for a damaged file or a value of another
    /// type than its column's) naming `path`, `doing` and SQLite's own message, without the statement.
    static func converting<T>(_ path: String, _ doing: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            let message = (error.message ?? "SQLite error \(error.resultCode.rawValue)").split(whereSeparator: \.isNewline).joined(separator: " ")
            switch error.resultCode.primaryResultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                throw MedPipeError.io(path, "\(doing): \(message) (another process held it past the wait of 30 s)")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                throw MedPipeError.malformed(path, "\(doing): \(message)")
            default:
                throw MedPipeError.io(path, "\(doing): \(message)")
            }
        } catch let error as RowDecodingError {
            throw MedPipeError.malformed(path, "\(doing): \(String(describing: error).split(whereSeparator: \.isNewline).first ?? "")")
        }
    }
}
