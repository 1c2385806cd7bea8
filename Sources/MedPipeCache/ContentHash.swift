#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MedPipeCore

/// SHA-256 digests of source bytes and of cache keys, as lowercase hex.
public enum ContentHash {
    /// SHA-256 of `bytes`.
    public static func of<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hex(SHA256.hash(bytes))
    }

    /// SHA-256 of the file at `path` (the recorded one, when `states` holds the file unchanged; else `progress` is
    /// called once it is read).
    public static func ofFile(_ path: String, states: SourceFileStates? = nil, progress: (@Sendable () -> Void)? = nil) throws -> String {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        return try ofFile(path, buffer: buffer, states: states, progress: progress)
    }

    /// SHA-256 over the files of a folder that a reader reads (``FolderWalk``: hidden entries, FIFOs and names
    /// that are not UTF-8 left out): each relative path and its content hash, in sorted order.
    public static func ofDirectory(_ path: String, states: SourceFileStates? = nil, progress: (@Sendable () -> Void)? = nil) throws -> String {
        let walk = try FolderWalk(path)
        return try ofFiles(walk.files, named: walk.files.map(walk.relativePath), states: states, progress: progress)
    }

    /// SHA-256 over several files, each under a name: a line `name<TAB>digest` per file, in the order given (a
    /// folder's files by relative path, a record's files by file name).
    public static func ofFiles(_ paths: [String], named names: [String], states: SourceFileStates? = nil,
                               progress: (@Sendable () -> Void)? = nil) throws -> String {
        let digests = try ofFiles(paths, states: states, progress: progress).map { try $0.get() }
        return of(Array(zip(names, digests).map { $0 + "\t" + $1 + "\n" }.joined().utf8))
    }

    /// SHA-256 of each file of `paths`, in order, or why it could not be read. The files are hashed on all cores
    /// (a series is hundreds of them, a PNG class-folder set can be 100,000), each worker taking every
    /// `workers`-th file through one read buffer of its own; `progress` is called after each file read, from the workers.
    /// A file that `states` holds unchanged is not read: its recorded digest is given.
    public static func ofFiles(_ paths: [String], states: SourceFileStates? = nil,
                               progress: (@Sendable () -> Void)? = nil) -> [Result<String, Error>] {
        let digests = ConcurrentResults<String>(count: paths.count)
        let workers = min(paths.count, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
            defer { buffer.deallocate() }
            for i in stride(from: worker, to: paths.count, by: workers) {
                digests.set(i, Result { try ofFile(paths[i], buffer: buffer, states: states, progress: progress) })
            }
        }
        return digests.results()
    }

    /// Bytes read from a file at a time.
    private static let chunkSize = 1 << 20

    /// SHA-256 of the file at `path`: recorded in `states` (when it holds the file unchanged), or read, then `progress`
    /// called.
    private static func ofFile(_ path: String, buffer: UnsafeMutableRawBufferPointer, states: SourceFileStates?,
                               progress: (@Sendable () -> Void)?) throws -> String {
        guard let states else { return try hash(path, buffer: buffer, progress: progress) }
        return try states.digest(of: path) { try hash(path, buffer: buffer, progress: progress) }
    }

    /// SHA-256 of the file at `path`, read with `read(2)` through `buffer`: one buffer reused for
    /// every chunk and file, so hashing a series allocates (and page-faults) nothing per file.
    private static func hash(_ path: String, buffer: UnsafeMutableRawBufferPointer, progress: (@Sendable () -> Void)?) throws -> String {
        defer { progress?() }
        let (descriptor, _) = try FileBytes.openRegularFile(path)
        defer { close(descriptor) }
        let hasher = SHA256()
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw MedPipeError.io(path, "read failed while hashing: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return SHA256.hex(hasher.finalize())
    }
}

/// The key of a cache unit: what one source becomes through one reader and one chain of stages.
///
/// Changing the source bytes, the reader's version or any stage parameter changes the key, and only
/// the units whose key changed are recomputed.
public enum UnitKey {
    /// SHA-256 over the source's content hash, the reader's name and version, and each stage's canonical parameters.
    public static func make(sourceHash: String, reader: String, stages: [String]) -> String {
        var text = "medpipe-unit-v1\nsource \(sourceHash)\nreader \(reader)\n"
        for stage in stages { text += "stage \(stage)\n" }
        return ContentHash.of(Array(text.utf8))
    }
}
