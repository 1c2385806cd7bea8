#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MedPipeCore

/// Writes units into a dataset cache directory, crash-safely and incrementally.
///
/// Order of a commit: tensor bytes are appended to the shard and fsynced, then the manifest rows
/// that point at them are inserted in one transaction. A crash at any moment therefore leaves
/// whole units or none, plus at most unreferenced shard bytes. One writer per cache at a time
/// (an exclusive lock on `DIR/lock`); readers need no lock. In an MPI convert, rank 0's writer holds
/// the lock and commits every rank's rows; each rank appends to shards of its own (``ShardAppender``).
public final class CacheWriter {
    /// Units are buffered and committed together once this many bytes or units are pending, or
    /// this many seconds have passed: few fsyncs, and little work lost to a crash. Small units (a PNG of a
    /// class-folder set is one) come by the thousand a second; committed 64 at a time, a new 100,000-image
    /// cache took 21.8 s here, 14.5 s 1,024 at a time (each commit rewrites the manifest pages its random
    /// unit keys touch, and syncs them).
    public static let flushBytes = 16 << 20
    public static let flushUnits = 1024
    public static let flushSeconds = 1.0

    public let directory: String
    private let manifest: Manifest
    private let appender: ShardAppender
    private let lockDescriptor: Int32
    private var committed: Set<String>
    /// Units and rejections not committed yet, in the order they came.
    private var pending: [Manifest.UnitRow] = []
    private var pendingBytes = 0
    private var lastFlush = Date()

    /// The number of this writer's first shard when it writes for `ranks` > 1 (see ``init(directory:ranks:)``).
    public let shardBase: Int

    /// Opens (creating if needed) the cache at `directory` for writing.
    /// - Parameter ranks: the ranks of an MPI job that write shards of their own, this writer being rank 0's: its
    ///   shards are numbered from ``shardBase``, above every existing shard, `ranks` apart, and rank r's
    ///   ``ShardAppender`` takes `shardBase + r` onwards. With 1 (a single process), appends to the last shard.
    /// - Throws: ``MedPipeError`` when the directory cannot be created, holds files but no cache (a mistyped
    ///   `--cache` naming a data folder would have had a manifest and shards written among its files), or another
    ///   process is writing to it.
    public init(directory: String, ranks: Int = 1) throws {
        self.directory = directory
        let shards = directory + "/shards"
        if !FileManager.default.fileExists(atPath: directory + "/manifest.sqlite"),
           let other = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted().first(where: { !Self.ownNames.contains($0) }) {
            throw MedPipeError.invalidArgument(directory, "holds other files (\(other)) and no cache (no manifest.sqlite): give a new or empty folder for the cache")
        }
        try Folder.create(directory, what: "cache directory")
        try Folder.create(shards, what: "cache's shard folder")
        let lockPath = directory + "/lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockDescriptor >= 0 else { throw MedPipeError.io(lockPath, "cannot open the cache lock") }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw MedPipeError.io(directory, "another medpipe process is writing to this cache")
        }
        manifest = try Manifest(directory: directory)
        if ranks > 1 {
            shardBase = (ShardFiles.numbers(in: shards).max() ?? 0) + 1
            appender = try ShardAppender(cacheDirectory: directory, rank: 0, ranks: ranks, base: shardBase)
        } else {
            appender = try ShardAppender(directory: shards)
            shardBase = appender.shard
        }
        committed = try manifest.unitKeys()
    }

    /// What a cache folder holds before its manifest exists (a run stopped as it began): these may be there.
    private static let ownNames: Set<String> = ["shards", "lock"]

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// True when a unit with this key is already committed (or pending): its source needs no work.
    public func contains(_ unitKey: String) -> Bool {
        committed.contains(unitKey) || pending.contains { $0.key == unitKey }
    }

    /// Keys of every committed unit.
    public var unitKeys: Set<String> { committed }

    /// Appends a unit's tensors to the shard and queues its rows; commits when enough is pending.
    public func add(_ unit: CacheUnit) throws {
        try add(stored: store(unit))
    }

    /// Appends a unit's tensors to this writer's shard and returns its rows, without queuing them: they become
    /// durable with the next ``flush()`` (which syncs the shard), and are committed once passed to ``add(stored:)``.
    public func store(_ unit: CacheUnit) throws -> StoredUnit {
        try appender.store(unit)
    }

    /// Queues the rows of a unit whose tensors are stored already, by this writer's ``store(_:)`` or by another
    /// rank's ``ShardAppender`` that has synced its shard; commits when enough is pending.
    public func add(stored unit: StoredUnit) throws {
        pending.append(.stored(unit))
        for item in unit.items { pendingBytes += item.length }
        try flushIfDue()
    }

    /// Records that a source could not be turned into samples, and why (the reason must not identify anyone).
    /// Queued and committed with the units around it (one transaction per flush, not one per rejection: an
    /// archive can hold tens of thousands of files MedPipe cannot read).
    public func reject(unitKey: String, source: String, reason: String) throws {
        pending.append(.rejected(key: unitKey, source: source, reason: reason))
        try flushIfDue()
    }

    private func flushIfDue() throws {
        if pendingBytes >= Self.flushBytes || pending.count >= Self.flushUnits || Date().timeIntervalSince(lastFlush) >= Self.flushSeconds {
            try flush()
        }
    }

    /// Makes every pending unit and rejection durable: fsync the shard, then commit the rows in one transaction.
    public func flush() throws {
        lastFlush = Date()
        guard !pending.isEmpty else { return }
        try appender.sync()
        try manifest.commit(pending)
        for row in pending { committed.insert(row.key) }
        pending.removeAll()
        pendingBytes = 0
    }

    /// The states of source files recorded by earlier runs (``SourceFileStates``), named by `name`
    /// (not used when `trusted` is false).
    public func sourceFileStates(name: @escaping @Sendable (String) -> String, trusted: Bool = true) throws -> SourceFileStates {
        SourceFileStates(recorded: try manifest.sourceFileStates(), name: name, trusted: trusted)
    }

    /// Stores what `states` learnt in this run, and forgets its stale records.
    public func save(_ states: SourceFileStates) throws {
        let changes = states.changes()
        try manifest.saveSourceFiles(learnt: changes.learnt, stale: changes.stale)
    }

    /// Removes units that the current recipe no longer produces; returns how many were removed.
    public func removeUnits(notIn keep: Set<String>) throws -> Int {
        try flush()
        let removed = try manifest.removeUnits(notIn: keep)
        committed = try manifest.unitKeys()
        return removed
    }

    /// Stores the position of every unit in the plan (which orders the entries), the split of every entry,
    /// the sampling plan per split and named metadata (recipe, fitted statistics).
    /// - Parameter positions: by unit key, the place of the unit's source in the recipe's plan (units
    ///   not named keep theirs; a new unit starts at 0).
    public func finalize(splits: [Int64: String], plans: [String: [Int64]], meta: [String: String], positions: [String: Int] = [:]) throws {
        try flush()
        try manifest.finalize(splits: splits, plans: plans, meta: meta, positions: positions)
    }

    /// Every committed entry, ordered by its unit's position (see ``finalize(splits:plans:meta:positions:)``),
    /// then its item number.
    public func entries() throws -> [CacheEntry] {
        try flush()
        return try manifest.entries()
    }

    /// The split the last finished run gave each group (patient), by group, and how that split was declared (meta
    /// `name`; nil before any run finished). A group with entries in two splits is left out.
    public func earlierSplits(declaredIn name: String) throws -> (declared: String?, splits: [String: String]) {
        (try manifest.meta(name), try manifest.groupSplits())
    }

    /// The reason of every rejected unit, by unit key.
    public func rejectedReasons() throws -> [String: String] {
        try flush()
        return try manifest.rejectedReasons()
    }
}
