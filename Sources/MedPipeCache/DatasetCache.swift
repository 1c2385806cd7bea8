import Foundation
import MedPipeCore

/// Read access to a dataset cache directory: the manifest, the sampling plans and the tensors.
public final class DatasetCache: Sendable {
    public let directory: String
    private let manifest: Manifest
    private let shards: ShardMaps
    private let reads: ShardReads
    /// The cache's generation when it was opened (``requireUnchangedSinceOpened()``).
    private let generationAtOpen: String?

    /// Opens an existing cache for reading.
    /// - Throws: ``MedPipeError`` `.io` when `directory` holds no `manifest.sqlite`; `.invalidArgument` when it is a file
    ///   (the manifest itself named instead of its folder).
    public init(directory: String) throws {
        let path = directory + "/manifest.sqlite"
        if FileBytes.isRegularFile(directory) {
            let folder = URL(fileURLWithPath: directory).deletingLastPathComponent().path
            let hint = URL(fileURLWithPath: directory).lastPathComponent == "manifest.sqlite" ? "a cache's manifest; give the cache's folder, \(folder)" : "a file; give the folder of a cache written by `medpipe convert`"
            throw MedPipeError.invalidArgument(directory, "is \(hint)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw MedPipeError.io(directory, "not a MedPipe cache (no manifest.sqlite)")
        }
        self.directory = directory
        manifest = try Manifest(directory: directory, readOnly: true)
        shards = ShardMaps(directory: directory + "/shards")
        reads = ShardReads(directory: directory + "/shards")
        generationAtOpen = try manifest.meta(Manifest.generationMeta)
    }

    /// Entries of one split (`train`, `val`, `test`), or all entries.
    public func entries(split: String? = nil) throws -> [CacheEntry] { try manifest.entries(split: split) }

    /// The first entry in the cache's order (`entries().first`, without reading the others).
    public func firstEntry() throws -> CacheEntry? { try manifest.entries(limit: 1).first }

    /// How many entries one split (`train`, `val`, `test`) holds, or the whole cache when nil, without reading them.
    public func entryCount(split: String? = nil) throws -> Int { try manifest.entryCount(split: split) }

    /// Every distinct label of the cache's entries, without reading the entries.
    public func labels() throws -> Set<String> { try manifest.labels() }

    /// How many entries have no split: those a convert stored and did not finish (``requireFinishedConvert()``).
    public func unsplitCount() throws -> Int { try manifest.unsplitCount() }

    /// Fails when some entries have no split: the cache's last convert stored them but did not finish (it was
    /// killed, or failed splitting or fitting), so the cache holds part of that run's sources beside an earlier
    /// run's entries and statistics, which were trained on and exported without a word.
    public func requireFinishedConvert() throws {
        let unsplit = try unsplitCount()
        guard unsplit == 0 else {
            throw MedPipeError.malformed(directory, "\(unsplit) of its \(try entryCount()) entries have no split: its last convert did not finish (it was killed, or failed after storing them); run `medpipe convert` again to finish it")
        }
    }

    /// The names an entry's split may have, in their order. Commands name files and folders after them (export's
    /// `train/`, `val.npz`), so the manifest's reader refuses any other.
    public static let splitNames = ["train", "val", "test"]

    /// How many entries each of the splits `train`, `val` and `test` holds, in that order.
    public func splitCounts() throws -> [(split: String, count: Int)] {
        try Self.splitNames.map { name in (name, try entryCount(split: name)) }
    }

    /// The distinct groups (patient pseudonyms) of one split's entries, in no order, without reading the entries.
    public func groups(split: String) throws -> [String] { try manifest.groups(split: split) }

    /// The sampling plan of a split: entry ids in the order one epoch visits them (repeats for oversampling).
    /// Empty when the cache has no plan for that split.
    public func plan(split: String) throws -> [Int64] { try manifest.plan(split: split) }

    /// A named metadata value (`recipe`, `recipe_hash`, `fitted`, `class_weights`, ...).
    public func meta(_ name: String) throws -> String? { try manifest.meta(name) }

    /// How many finalizations (the end of a `convert`) changed the cache's splits, plans, statistics or other metadata:
    /// reads of several parts of the cache that find the same number before and after read one run's cache.
    public func generation() throws -> String? { try manifest.meta(Manifest.generationMeta) }

    /// Fails when a `convert` changed the cache since it was opened (``generation()``): a command that read the
    /// statistics and one split before it and another split after would have mixed two runs' cache without a word (a split
    /// planned afresh moves patients; statistics fitted again change every sample). Called once a command has read what
    /// it uses.
    public func requireUnchangedSinceOpened() throws {
        guard try generation() == generationAtOpen else {
            throw MedPipeError.io(directory, "changed while it was being read (a convert finished meanwhile, and may have moved patients between splits): run the command again")
        }
    }

    /// The states of source files recorded by the runs that made the cache (``SourceFileStates``), named by `name`
    /// (not used when `trusted` is false).
    public func sourceFileStates(name: @escaping @Sendable (String) -> String, trusted: Bool = true) throws -> SourceFileStates {
        SourceFileStates(recorded: try manifest.sourceFileStates(), name: name, trusted: trusted)
    }

    /// Sources that were rejected, with the reasons.
    public func rejected() throws -> [(source: String, reason: String)] { try manifest.rejected() }

    /// The tensor of an entry, read through the shard's memory mapping.
    /// - Throws: `.malformed` when its bytes differ from their SHA-256 in the manifest (``checked(_:_:)``).
    public func tensor(for entry: CacheEntry) throws -> Tensor {
        let bytes = try shards.map(entry.shard).bytes(offset: entry.offset, length: entry.length)
        return Tensor(shape: entry.shape, dtype: entry.dtype, bytes: try checked(Array(bytes), entry))
    }

    /// `bytes`, read for `entry`, when their SHA-256 is the manifest's: a damaged shard (a disk error, a copy cut
    /// short and patched) would otherwise train a model on wrong values without a word.
    private func checked(_ bytes: [UInt8], _ entry: CacheEntry) throws -> [UInt8] {
        guard ContentHash.of(bytes) == entry.sha256 else {
            throw MedPipeError.malformed(directory, "entry \(entry.id) (\(entry.source) item \(entry.item)): its bytes in shard \(entry.shard) differ from their SHA-256 in the manifest: the shard is damaged (`medpipe cache verify \(directory)` lists every damaged entry; convert the recipe into a new cache)")
        }
        return bytes
    }

    /// The tensor of an entry read with `pread` instead of through the mapping, so that the shard's pages
    /// never count in this process's resident memory: how a cache larger than memory is streamed.
    /// - Throws: `.malformed` naming the shard file when the entry runs past its end. (An entry whose length does
    ///   not fit its shape and dtype is refused when the manifest is read.)
    public func readTensor(for entry: CacheEntry) throws -> Tensor {
        return Tensor(shape: entry.shape, dtype: entry.dtype, bytes: try checked(try reads.bytes(shard: entry.shard, offset: entry.offset, length: entry.length), entry))
    }

    /// Checks the manifest file (SQLite's `integrity_check`) and its sampling plans (each row names an entry of its
    /// split); then every entry: shard present, bytes in range, SHA-256 equal; and every unit complete. The bytes are
    /// read with `pread`, one entry at a time: read through the shards' mappings, every page stayed in the process's
    /// resident memory, the whole cache's size at the end. At most ``listed`` lines for each of the manifest's two checks.
    /// - Throws: when the manifest cannot be read and its file checked sound; once `integrity_check` has found a
    ///   problem, a failure to read the rest is one more problem.
    public func verify(progress: ((Int, Int) -> Void)? = nil) throws -> CacheVerification {
        var problems = Self.capped(try manifest.integrityProblems(limit: Self.listed + 1).map { "manifest.sqlite: \($0)" }, "the manifest file")
        var entries = 0
        do {
            problems += try planProblems()
            let all = try manifest.entries()
            entries = all.count
            for (index, entry) in all.enumerated() {
                do {
                    let bytes = try reads.bytes(shard: entry.shard, offset: entry.offset, length: entry.length)
                    if ContentHash.of(bytes) != entry.sha256 {
                        problems.append("entry \(entry.id) (\(entry.source) item \(entry.item)): SHA-256 mismatch in shard \(entry.shard) at offset \(entry.offset)")
                    }
                } catch let error as MedPipeError {
                    problems.append("entry \(entry.id): \(error.description)")
                }
                progress?(index + 1, all.count)
            }
            for unit in try manifest.incompleteUnits() {
                problems.append("unit \(unit): stored entries differ from its declared count")
            }
        } catch let error as MedPipeError where !problems.isEmpty {
            problems.append(error.subject == manifest.path ? "manifest.sqlite: \(error.message)" : error.description)
        }
        return CacheVerification(entries: entries, problems: problems)
    }

    /// How many problems of each of the manifest's checks ``verify(progress:)`` lists.
    private static let listed = 20

    /// `lines`, fetched with a limit of one more than ``listed``: the first ``listed``, then one saying there are more.
    private static func capped(_ lines: [String], _ what: String) -> [String] {
        lines.count > listed ? Array(lines.prefix(listed)) + ["more problems in \(what) than the \(listed) listed"] : lines
    }

    /// The plans' rows that name an entry the manifest does not hold or one of another split, one line each.
    private func planProblems() throws -> [String] {
        Self.capped(try manifest.strayPlanRows(limit: Self.listed + 1).map { row in
            let found = row.missing ? "which the manifest does not hold" : row.entrySplit.map { "which is in split '\($0)'" } ?? "which has no split"
            return "the plan of split '\(row.split)' names entry \(row.entry) at position \(row.position), \(found)"
        }, "the sampling plans")
    }
}

/// The outcome of ``DatasetCache/verify(progress:)``.
public struct CacheVerification: Sendable {
    public var entries: Int
    /// One line per problem; empty when the cache is sound.
    public var problems: [String]
    public var isSound: Bool { problems.isEmpty }
}

/// Lazily opened shard mappings, shared by concurrent readers.
final class ShardMaps: @unchecked Sendable {
    // Safety: `maps` is only touched under `lock`.
    private let directory: String
    private var maps: [Int: ShardMap] = [:]
    private let lock = NSLock()

    init(directory: String) { self.directory = directory }

    func map(_ number: Int) throws -> ShardMap {
        lock.lock()
        defer { lock.unlock() }
        if let map = maps[number] { return map }
        let map = try ShardMap(path: ShardFiles.path(directory, number))
        maps[number] = map
        return map
    }
}
