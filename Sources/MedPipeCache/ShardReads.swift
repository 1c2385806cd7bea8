#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MedPipeCore

/// Reads entries' bytes from shard files with `pread`, each shard opened once (lazily) and shared by
/// concurrent readers. Unlike ``ShardMap`` the bytes are copied into the caller's buffer and the file's
/// pages stay in the kernel's page cache, never in this process's resident memory: the path for
/// streaming a cache larger than memory.
final class ShardReads: @unchecked Sendable {
    // Safety: `files` is only touched under `lock`; `pread` on a shared descriptor is thread-safe.
    private let directory: String
    private var files: [Int: (descriptor: Int32, size: Int)] = [:]
    private let lock = NSLock()

    init(directory: String) { self.directory = directory }

    deinit { for file in files.values { close(file.descriptor) } }

    /// The `length` bytes at `offset` of shard `number`.
    /// - Throws: `.io` when the shard cannot be opened or read; `.malformed` naming the shard file when
    ///   the range runs past its end (a truncated shard).
    func bytes(shard number: Int, offset: Int, length: Int) throws -> [UInt8] {
        let path = ShardFiles.path(directory, number)
        let file = try open(number, path: path)
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard offset >= 0, length >= 0, !overflow, end <= file.size else {
            throw MedPipeError.malformed(path, "entry at offset \(offset) with \(length) bytes runs past the shard's end (\(file.size) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = bytes.withUnsafeMutableBytes { raw in
                pread(file.descriptor, raw.baseAddress! + done, length - done, off_t(offset + done))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let reason = n == 0 ? "the file ends at \(offset + done) bytes (truncated since it was opened)" : String(cString: strerror(errno))
                throw MedPipeError.io(path, "cannot read entry at offset \(offset) with \(length) bytes: \(reason)")
            }
            done += n
        }
        return bytes
    }

    private func open(_ number: Int, path: String) throws -> (descriptor: Int32, size: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let file = files[number] { return file }
        let (fd, size) = try FileBytes.openRegularFile(path)
        let file = (descriptor: fd, size: size)
        files[number] = file
        return file
    }
}
