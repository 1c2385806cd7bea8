import Foundation
import GRDB
import GRDBSQLite
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
        try Self.converting(path, "cannot read the cache manifest", queue: queue) { try queue.read(body) }
    }

    /// `queue.write(body)` (one transaction), its failures made one line naming the manifest.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.converting(path, "cannot write the cache manifest", queue: queue) { try queue.write(body) }
    }

    /// `body`'s result; a GRDB error it throws becomes `.io` (`.malformed` for a damaged file or a value of another
    /// type than its column's) naming `path`, `doing` and SQLite's own message, without the statement. An I/O error
    /// on `queue`'s connection is told by the system's reason (`File too large` past `ulimit -f`, `No space left on
    /// device`), which SQLite's words ("disk I/O error") leave out.
    static func converting<T>(_ path: String, _ doing: String, queue: DatabaseQueue? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            var message = (error.message ?? "SQLite error \(error.resultCode.rawValue)").split(whereSeparator: \.isNewline).joined(separator: " ")
            if [.SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN].contains(error.resultCode.primaryResultCode),
               let code = queue.map(systemErrno), code != 0 {
                message = String(cString: strerror(code))
            }
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

    /// The system's error number behind the connection's last I/O error: SQLite's own record of it, or else the last
    /// one of the manifest file (SQLite 3.40 records none for a failed write: errno is gone by then); 0 when unknown.
    private static func systemErrno(_ queue: DatabaseQueue) -> Int32 {
        queue.inDatabase { db in
            let recorded = sqlite3_system_errno(db.sqliteConnection)
            if recorded != 0 { return recorded }
            var last: Int32 = 0
            return sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_LAST_ERRNO, &last) == SQLITE_OK ? last : 0
        }
    }
}
