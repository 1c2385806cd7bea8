#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MedPipeCore

/// A read-only memory mapping of one shard file; the trainer reads tensors through it without copying the file.
final class ShardMap: @unchecked Sendable {
    // Safety: the mapping is PROT_READ and never changes after init, so concurrent reads are safe.
    let path: String
    let size: Int
    private let base: UnsafeRawPointer?

    init(path: String) throws {
        self.path = path
        let (fd, size) = try FileBytes.openRegularFile(path)
        defer { close(fd) }
        self.size = size
        if size == 0 {
            base = nil
            return
        }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw MedPipeError.io(path, "cannot map shard: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(pointer)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The bytes at `offset..<offset+length`, checked against the shard's size.
    func bytes(offset: Int, length: Int) throws -> UnsafeRawBufferPointer {
        let (end, overflow) = offset.addingReportingOverflow(length)   // both from the manifest, which may be damaged
        guard offset >= 0, length >= 0, !overflow, end <= size else {
            throw MedPipeError.malformed(path, "entry at offset \(offset) with \(length) bytes runs past the shard's end (\(size) bytes)")
        }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}
