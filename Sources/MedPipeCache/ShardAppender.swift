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
///
/// A single writer appends to the highest-numbered shard and numbers the next ones consecutively. The ranks
/// of an MPI convert each append to shards of their own, numbered `base + rank + k·ranks` from a `base` above
/// every existing shard (``init(cacheDirectory:rank:ranks:base:)``), so that no two ranks ever write to one file.
public final class ShardAppender {
    /// Shards grow to this size before a new one is started.
    static let maximumShardSize = 1 << 30

    let directory: String
    private(set) var shard: Int
    private(set) var size: Int
    /// What a new shard's number adds to the last one's: 1 for a single writer, the ranks of an MPI job.
    private let stride: Int
    /// The open shard, or -1 before the first append to it: a rank with nothing to write creates no file.
    private var descriptor: Int32 = -1

    /// Appends to the highest-numbered shard in `directory` (to shard 1 in an empty one).
    convenience init(directory: String) throws {
        try self.init(directory: directory, first: ShardFiles.numbers(in: directory).max() ?? 1, stride: 1)
    }

    /// Appends to the shards of rank `rank` of `ranks`, from number `base + rank`, in the cache at `cacheDirectory`,
    /// whose `shards` folder exists. `base` is the same on every rank: the ``CacheWriter/shardBase`` of rank 0's
    /// writer, which holds the cache's lock for the whole job.
    public convenience init(cacheDirectory: String, rank: Int, ranks: Int, base: Int) throws {
        guard ranks >= 1, (0..<ranks).contains(rank), base >= 1, !base.addingReportingOverflow(rank).overflow else {
            throw MedPipeError.invalidArgument(cacheDirectory, "no shard numbers for rank \(rank) of \(ranks) from \(base)")
        }
        try self.init(directory: cacheDirectory + "/shards", first: base + rank, stride: ranks)
    }

    /// Appends to shard `first` of `directory` (created at the first append); the next shards are numbered `stride` apart.
    init(directory: String, first: Int, stride: Int) throws {
        self.directory = directory
        self.stride = stride
        shard = first
        size = Self.size(of: ShardFiles.path(directory, first))
        if size >= Self.maximumShardSize { try rotate() }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Writes `bytes` at the end of the current shard; returns their location. Not yet durable: call ``sync()``.
    func append(_ bytes: [UInt8]) throws -> (shard: Int, offset: Int) {
        if size > 0, size + bytes.count > Self.maximumShardSize { try rotate() }
        if descriptor < 0 {
            (descriptor, size) = try Self.open(ShardFiles.path(directory, shard))
            // A new file's name is durable only once its folder is synced.
            try AtomicFile.syncFolder(directory)
        }
        let offset = size
        try bytes.withUnsafeBytes { try AtomicFile.writeAll(descriptor, [$0], path: ShardFiles.path(directory, shard)) }
        size += bytes.count
        return (shard, offset)
    }

    /// Appends the tensors of `unit`; returns its manifest rows. Not yet durable: call ``sync()``.
    public func store(_ unit: CacheUnit) throws -> StoredUnit {
        let items = try unit.items.map { item in
            let bytes = item.tensor.bytes
            let (shard, offset) = try append(bytes)
            return StoredItem(dtype: item.tensor.dtype, shape: item.tensor.shape, label: item.label, group: item.group,
                              geometry: item.geometry, metadata: item.metadata,
                              shard: shard, offset: offset, length: bytes.count, sha256: ContentHash.of(bytes))
        }
        return StoredUnit(key: unit.key, source: unit.source, items: items)
    }

    /// Flushes the current shard to stable storage (fsync).
    public func sync() throws {
        if descriptor >= 0, fsync(descriptor) != 0 {
            throw MedPipeError.io(ShardFiles.path(directory, shard), "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    private func rotate() throws {
        try sync()
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        guard case (let next, false) = shard.addingReportingOverflow(stride) else {
            throw MedPipeError.io(directory, "no shard number follows \(shard)")
        }
        shard = next
        size = Self.size(of: ShardFiles.path(directory, shard))
    }

    /// The size of the file at `path`, 0 when there is none.
    private static func size(of path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
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
