#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MedPipeCore

/// Appends tensor bytes to the cache's current shard file and makes them durable.
///
/// Shards are append-only: bytes are never rewritten, so an entry's location stays valid for
/// the life of the shard. A crash leaves at most unreferenced bytes at a shard's end.
final class ShardAppender {
    /// Shards grow to this size before a new one is started.
    static let maximumShardSize = 1 << 30

    let directory: String
    private(set) var shard: Int
    private(set) var size: Int
    private var descriptor: Int32

    /// Opens the highest-numbered shard in `directory` for appending (or creates shard 1).
    init(directory: String) throws {
        self.directory = directory
        let existing = ShardFiles.numbers(in: directory)
        let last = existing.max() ?? 1
        let (fd, end) = try Self.open(ShardFiles.path(directory, last))
        shard = last
        descriptor = fd
        size = end
        if size >= Self.maximumShardSize { try rotate() }
    }

    deinit { close(descriptor) }

    /// Writes `bytes` at the end of the current shard; returns their location. Not yet durable: call ``sync()``.
    func append(_ bytes: [UInt8]) throws -> (shard: Int, offset: Int) {
        if size > 0, size + bytes.count > Self.maximumShardSize { try rotate() }
        let offset = size
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MedPipeError.io(ShardFiles.path(directory, shard), "write failed: \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        size += bytes.count
        return (shard, offset)
    }

    /// Flushes the current shard to stable storage (fsync).
    func sync() throws {
        if fsync(descriptor) != 0 {
            throw MedPipeError.io(ShardFiles.path(directory, shard), "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    private func rotate() throws {
        try sync()
        close(descriptor)
        shard += 1
        (descriptor, size) = try Self.open(ShardFiles.path(directory, shard))
    }

    private static func open(_ path: String) throws -> (Int32, Int) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MedPipeError.io(path, "cannot open shard: \(String(cString: strerror(errno)))") }
        let end = lseek(fd, 0, SEEK_END)
        return (fd, Int(end))
    }
}

/// Names and numbers of shard files: `shards/000001.bin`, ...
enum ShardFiles {
    static func path(_ directory: String, _ number: Int) -> String {
        directory + "/" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number) + ".bin"
    }

    static func numbers(in directory: String) -> [Int] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var numbers: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".bin"), let number = Int(name.dropLast(4)) { numbers.append(number) }
        }
        return numbers
    }
}
