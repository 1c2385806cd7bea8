import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The regular files below a folder, as every command that takes a folder walks it: recursively, hidden entries
/// (names starting with `.`) skipped, symbolic links to files followed and links to folders not (no loops), and
/// FIFOs, sockets and devices left out (opening a FIFO would wait for a writer forever).
///
/// What cannot be walked is returned apart rather than lost: a name that is not UTF-8 (a Latin-1 `Müller.dcm`
/// from an old archive) cannot be opened through a Swift path, and a subfolder may not be listable. Callers
/// report each problem, naming the path (the bad bytes shown as U+FFFD).
public struct FolderWalk: Sendable {
    /// The folder walked, without a trailing slash.
    public let root: String
    /// Paths of the regular files (`root/...`), sorted.
    public var files: [String] = []
    /// Paths that could not be walked, each with the reason, sorted by path.
    public var problems: [(path: String, reason: String)] = []

    /// Walks `folder`.
    /// - Throws: ``MedPipeError`` `.io` naming the folder when it cannot be listed.
    public init(_ folder: String) throws {
        root = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        walk(root, try Self.open(root))
        files.sort()
        problems.sort { $0.path < $1.path }
    }

    /// The path of one of ``files`` below ``root`` (`series/00001.dcm` → `00001.dcm` for the root `series`).
    public func relativePath(_ file: String) -> String {
        String(file.dropFirst(root == "/" ? 1 : root.count + 1))
    }

    /// What a folder walk says of a name that is not UTF-8.
    public static let undecodableName = "the name is not UTF-8 (rename it, for example with convmv -f latin1 -t utf8)"

    /// The visible entries of an open folder (closed on return): the names, and apart the raw bytes of names that
    /// are not UTF-8.
    static func entries(_ directory: OpaquePointer) -> (names: [String], undecodable: [[UInt8]]) {
        var names: [String] = [], undecodable: [[UInt8]] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: &entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard let first = bytes.first, first != UInt8(ascii: ".") else { continue }
            if let name = String(validating: bytes, as: UTF8.self) { names.append(name) } else { undecodable.append(bytes) }
        }
        closedir(directory)
        return (names, undecodable)
    }

    /// The visible entries of `folder`: the names, and apart the raw bytes of names that are not UTF-8 (for a
    /// caller that matches them, as a glob does, to report them).
    /// - Throws: ``MedPipeError`` `.io` naming the folder when it cannot be listed.
    public static func entries(of folder: String) throws -> (names: [String], undecodable: [[UInt8]]) {
        entries(try open(folder))
    }

    /// Opens `folder` for listing.
    private static func open(_ folder: String) throws -> OpaquePointer {
        guard let directory = opendir(folder) else {
            throw MedPipeError.io(folder, "cannot list the folder: \(String(cString: strerror(errno)))")
        }
        return directory
    }

    private mutating func walk(_ folder: String, _ directory: OpaquePointer) {
        let (names, undecodable) = Self.entries(directory)
        problems += undecodable.map { (folder + "/" + String(decoding: $0, as: UTF8.self), Self.undecodableName) }
        for name in names {
            let path = folder == "/" ? "/" + name : folder + "/" + name
            var link = stat()
            guard lstat(path, &link) == 0 else { continue }
            switch link.st_mode & S_IFMT {
            case S_IFDIR:
                guard let subfolder = opendir(path) else {
                    problems.append((path, "the folder cannot be listed: \(String(cString: strerror(errno)))"))
                    continue
                }
                walk(path, subfolder)
            case S_IFREG:
                files.append(path)
            case S_IFLNK where FileBytes.isRegularFile(path):
                files.append(path)
            default:
                continue
            }
        }
    }
}
