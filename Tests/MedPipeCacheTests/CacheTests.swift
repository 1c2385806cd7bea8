import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeCache

/// A fresh temporary directory per test.
func temporaryCache() -> String {
    let path = NSTemporaryDirectory() + "medpipe-cache-test-" + UUID().uuidString
    return path
}

func unit(_ name: String, items: Int, scale: Float = 1) -> CacheUnit {
    let key = UnitKey.make(sourceHash: ContentHash.of(Array(name.utf8)), reader: "test 1", stages: ["zscore {}"])
    return CacheUnit(key: key, source: "src-\(name)", items: (0..<items).map { i in
        CacheItem(tensor: Tensor(shape: [2, 3], values: (0..<6).map { Float($0 + i) * scale }),
                  label: i % 2 == 0 ? "N" : "V", group: "p-\(name)",
                  geometry: .temporal(frequency: 360), metadata: ["beat": .int(i)])
    })
}

/// Writes a cache at `dir` of committed units, each named with its number of entries (by default one unit "a" of
/// two), its writer closed.
func writeUnits(into dir: String, _ units: KeyValuePairs<String, Int> = ["a": 2]) throws {
    let writer = try CacheWriter(directory: dir)
    for (name, items) in units { try writer.add(unit(name, items: items)) }
    try writer.flush()
}

@Suite struct CacheTests {
    @Test func writtenEntriesReadBackAndVerify() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir, ["a": 3, "b": 2])
        let cache = try DatasetCache(directory: dir)
        let entries = try cache.entries()
        #expect(entries.count == 5)
        #expect(entries.map(\.label) == ["N", "V", "N", "N", "V"])
        #expect(entries[1].geometry == .temporal(frequency: 360))
        #expect(entries[1].metadata["beat"] == .int(1))
        #expect(try cache.tensor(for: entries[1]).floatValues() == [1, 2, 3, 4, 5, 6])
        #expect(try cache.verify().isSound)
    }

    /// The counts, labels and first entry that SQLite gives without reading the entries (what `train` and `export` open
    /// a cache with) are those of the entries read; an entry without a split fails `requireFinishedConvert`, and a label
    /// that is not text is an error naming the manifest, as reading the entries is.
    @Test func countsLabelsAndTheFirstEntryAreThoseOfTheEntries() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir, ["a": 3, "b": 4])
        try Manifest(directory: dir).database.write {
            try $0.execute(sql: "UPDATE entry SET split = CASE id % 3 WHEN 0 THEN 'train' WHEN 1 THEN 'val' ELSE 'test' END")
            try $0.execute(sql: "UPDATE entry SET label = 'S' WHERE id = 6")
        }
        let cache = try DatasetCache(directory: dir)
        let entries = try cache.entries()
        #expect(try cache.entryCount() == 7)
        for split in DatasetCache.splitNames {
            #expect(try cache.entryCount(split: split) == entries.count { $0.split == split }, "\(split)")
        }
        #expect(try cache.splitCounts().map(\.count) == [2, 3, 2])
        #expect(try cache.labels() == ["N", "V", "S"])
        #expect(try cache.firstEntry() == entries.first)
        try cache.requireFinishedConvert()

        try Manifest(directory: dir).database.write { try $0.execute(sql: "UPDATE entry SET split = NULL WHERE id IN (2, 5)") }
        #expect(throws: MedPipeError.malformed(dir, "2 of its 7 entries have no split: its last convert did not finish (it was killed, or failed after storing them); run `medpipe convert` again to finish it")) {
            try cache.requireFinishedConvert()
        }
        try Manifest(directory: dir).database.write { try $0.execute(sql: "UPDATE entry SET label = X'FF' WHERE id = 3") }
        #expect(throws: MedPipeError.malformed(dir + "/manifest.sqlite", "entry 3's label is not text")) { _ = try cache.labels() }
    }

    @Test func reopenedWriterKnowsCommittedUnits() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = unit("a", items: 1)
        do {
            let writer = try CacheWriter(directory: dir)
            try writer.add(a)
            try writer.flush()
        }
        let writer = try CacheWriter(directory: dir)
        #expect(writer.contains(a.key))
        #expect(!writer.contains(unit("b", items: 1).key))
    }

    @Test func unflushedUnitsAreAbsentAfterACrashAndTheCacheStaysSound() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let writer = try CacheWriter(directory: dir)
            try writer.add(unit("a", items: 2))
            try writer.flush()
            try writer.add(unit("b", items: 2)) // bytes appended, rows never committed: as a crash would leave it
        }
        let cache = try DatasetCache(directory: dir)
        #expect(try cache.entries().count == 2)
        #expect(try cache.verify().isSound)
        // The next writer appends after the orphaned bytes and completes the work.
        do {
            let writer = try CacheWriter(directory: dir)
            #expect(!writer.contains(unit("b", items: 2).key))
            try writer.add(unit("b", items: 2))
            try writer.flush()
        }
        let resumed = try DatasetCache(directory: dir)
        let entries = try resumed.entries()
        #expect(entries.count == 4)
        #expect(try resumed.tensor(for: entries[3]).floatValues() == [1, 2, 3, 4, 5, 6])
        #expect(try resumed.verify().isSound)
    }

    @Test func verifyFindsACorruptedByte() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir)
        let shard = dir + "/shards/000001.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[30] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: shard))
        let report = try DatasetCache(directory: dir).verify()
        #expect(!report.isSound)
        #expect(report.problems.count == 1)
        #expect(report.problems[0].contains("SHA-256 mismatch"))
        // Reading the damaged entry, mapped or streamed, is an error naming the cache, not wrong values.
        let cache = try DatasetCache(directory: dir)
        let entries = try cache.entries()
        let damaged = try #require(entries.first { entry in entry.offset <= 30 && 30 < entry.offset + entry.length })
        for read in [cache.tensor(for:), cache.readTensor(for:)] {
            let error = try #require(throws: MedPipeError.self) { try read(damaged) }
            #expect(error.subject == dir && error.message.contains("differ from their SHA-256 in the manifest"), "\(error)")
            for other in entries where other.id != damaged.id { _ = try read(other) }
        }
    }

    @Test func aSecondWriterIsRefused() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try CacheWriter(directory: dir)
        #expect(throws: MedPipeError.io(dir, "another medpipe process is writing to this cache")) {
            _ = try CacheWriter(directory: dir)
        }
        _ = first
    }

    /// `--cache` naming a folder of other files (a mistyped data folder) is refused before anything is written in it;
    /// an empty folder, and one a run stopped as it began (shards and lock, no manifest), are taken.
    @Test func aFolderOfOtherFilesIsNotMadeACache() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/shards", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/lock", contents: Data())
        _ = try CacheWriter(directory: dir)
        let data = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: data + "/scan.dcm", contents: Data([1, 2, 3]))
        #expect(throws: MedPipeError.invalidArgument(data, "holds other files (scan.dcm) and no cache (no manifest.sqlite): give a new or empty folder for the cache")) {
            _ = try CacheWriter(directory: data)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: data) == ["scan.dcm"])
    }

    @Test func staleUnitsAreRemovedWithTheirPlans() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try CacheWriter(directory: dir)
        let a = unit("a", items: 2), b = unit("b", items: 1)
        try writer.add(a)
        try writer.add(b)
        let ids = try writer.entries().map(\.id)
        try writer.finalize(splits: [ids[0]: "train", ids[1]: "train", ids[2]: "test"],
                            plans: ["train": [ids[0], ids[1], ids[1]]], meta: ["recipe_hash": "abc"])
        #expect(try writer.removeUnits(notIn: [a.key]) == 1)
        let cache = try DatasetCache(directory: dir)
        #expect(try cache.entries().count == 2)
        #expect(try cache.entries(split: "train").count == 2)
        #expect(try cache.plan(split: "train") == [ids[0], ids[1], ids[1]])
        #expect(try cache.meta("recipe_hash") == "abc")
    }

    @Test func aCacheRecordsItsFormatVersion() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CacheWriter(directory: dir).add(unit("a", items: 1))
        #expect(try DatasetCache(directory: dir).meta("format_version") == String(Manifest.formatVersion))
        #expect(Manifest.formatVersion == 2)
    }

    @Test func aNewerFormatVersionIsRefusedByReadersAndWriters() throws {
        let dir = try newerFormatCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refusal = MedPipeError.unsupported(dir, "cache format version 3 is newer than this medpipe reads (up to 2); update medpipe, or convert into a new cache")
        #expect(throws: refusal) { _ = try DatasetCache(directory: dir) }
        #expect(throws: refusal) { _ = try CacheWriter(directory: dir) }
    }

    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func theCommandLineNamesTheCacheWhenItRefusesANewerFormat() throws {
        let dir = try newerFormatCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try SharedData.runMedpipe(["cache", "info", dir])
        #expect(run.status == 1)
        #expect(run.error == "medpipe: error: \(dir): cache format version 3 is newer than this medpipe reads (up to 2); update medpipe, or convert into a new cache\n")
    }

    /// A manifest whose JSON columns are not what medpipe writes is one error naming the manifest and the entry (the
    /// command line printed a Swift `DecodingError` dump); another program's database under the manifest's name is
    /// refused, not read as an empty cache.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func damagedAndForeignManifestsAreNamed() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir)
        try Manifest(directory: dir).database.write { try $0.execute(sql: "UPDATE entry SET geometry = '[1]' WHERE item = 1") }
        let run = try SharedData.runMedpipe(["cache", "info", dir])
        #expect(run.status == 1)
        #expect(run.error.hasPrefix("medpipe: error: \(dir)/manifest.sqlite: entry 2's geometry cannot be read: ") && !run.error.contains("DecodingError"), "\(run.error)")
        try Manifest(directory: dir).database.write { try $0.execute(sql: "DROP TABLE plan; DROP TABLE entry") }
        #expect(throws: MedPipeError.malformed(dir + "/manifest.sqlite", "not a MedPipe cache manifest: it has no entry table, but tables meta, source_file, unit")) {
            _ = try DatasetCache(directory: dir)
        }
    }

    /// A SQLite failure after the manifest is open (here a damaged page of the entry table; a lock held past the busy
    /// timeout and a disk I/O error go the same way) is one line naming the manifest: the command line printed
    /// "Error: SQLite error 11: database disk image is malformed - while executing `SELECT ...`". A value of another
    /// type than its column's (a name that is not UTF-8) is one too, where GRDB's row subscript trapped.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func sqliteFailuresAfterOpeningNameTheManifest() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir)
        let manifest = dir + "/manifest.sqlite"
        try Manifest(directory: dir).database.write { try $0.execute(sql: "INSERT INTO unit (key, source, item_count, rejected_reason) VALUES ('k', X'FF', 0, 'unreadable')") }
        let rejected = try SharedData.runMedpipe(["cache", "info", dir])
        #expect(rejected.status == 1 && rejected.error.hasPrefix("medpipe: error: \(manifest): cannot read the cache manifest: ") && rejected.error.split(separator: "\n").count == 1,
                "\(rejected.error)")
        try Manifest(directory: dir).database.write { try $0.execute(sql: "DELETE FROM unit WHERE key = 'k'") }

        let page = try #require(try Manifest(directory: dir).database.read { try Int.fetchOne($0, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'entry'") })
        let handle = try #require(FileHandle(forUpdatingAtPath: manifest))
        try handle.seek(toOffset: UInt64((page - 1) * 4096))
        handle.write(Data(repeating: 0xFF, count: 4096))
        try handle.close()
        let problem = "cannot read the cache manifest: database disk image is malformed"
        #expect(throws: MedPipeError.malformed(manifest, problem)) { _ = try DatasetCache(directory: dir).entries() }
        for arguments in [["cache", "info", dir], ["cache", "verify", dir], ["export", "--cache", dir, "--format", "npz", "--out", dir + "-npz"]] {
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error == "medpipe: error: \(manifest): \(problem)\n", "\(arguments): \(run.error)")
        }
    }

    /// Values a damaged manifest states are checked before use: a shape of 2^64 values trapped `cache verify` (the
    /// command for damaged caches), `evaluate` and `train`, an offset near 2^63 trapped every read, and text in a
    /// number's column trapped every command that listed the entries.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func damagedSizesInTheManifestAreErrors() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir)
        let manifest = try Manifest(directory: dir)
        try manifest.database.write { try $0.execute(sql: "UPDATE entry SET offset = 9223372036854775800 WHERE item = 1") }
        let verify = try SharedData.runMedpipe(["cache", "verify", dir])
        #expect(verify.status == 1 && verify.error.contains("entry at offset 9223372036854775800 with 24 bytes runs past the shard's end"), "\(verify.error)")
        try manifest.database.write { try $0.execute(sql: "UPDATE entry SET shape = '[4294967296, 4294967296]' WHERE item = 0") }
        #expect(throws: MedPipeError.malformed(dir + "/manifest.sqlite", "entry 1 of shape [4294967296, 4294967296] and dtype float32 needs more than 2^63 bytes, the manifest says 24")) {
            _ = try DatasetCache(directory: dir).entries()
        }
        let damaged = try SharedData.runMedpipe(["cache", "verify", dir])
        #expect(damaged.status == 1 && damaged.error.hasPrefix("medpipe: error: \(dir)/manifest.sqlite: entry 1 of shape"), "\(damaged.error)")
        // Text where a number goes trapped in GRDB's row subscript.
        try manifest.database.write { try $0.execute(sql: "UPDATE entry SET shard = 'abc', shape = '[2,3]' WHERE item = 0") }
        #expect(throws: MedPipeError.malformed(dir + "/manifest.sqlite", "entry 1: column shard holds \"abc\", which is not of type Int")) {
            _ = try DatasetCache(directory: dir).entries()
        }
    }

    /// Export names a folder and files after each split: a manifest naming a split "../../escaped" made `export --format
    /// png` write its samples into a folder beside the output, and npz an `escaped.npz` there. Every reader now refuses a
    /// split other than train, val and test.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func aSplitThatIsNotTrainValOrTestIsRefused() throws {
        let dir = temporaryCache(), outside = temporaryCache()
        defer { for path in [dir, outside] { try? FileManager.default.removeItem(atPath: path) } }
        try writeUnits(into: dir)
        try Manifest(directory: dir).database.write { try $0.execute(sql: "UPDATE entry SET split = '../../escaped'") }
        let problem = "entry 1 is in split \"../../escaped\", not one of train, val, test"
        #expect(throws: MedPipeError.malformed(dir + "/manifest.sqlite", problem)) { _ = try DatasetCache(directory: dir).entries() }
        for format in ["png", "npz"] {
            let run = try SharedData.runMedpipe(["export", "--cache", dir, "--format", format, "--out", outside + "/out"])
            #expect(run.status == 1 && run.error == "medpipe: error: \(dir)/manifest.sqlite: \(problem)\n", "\(format): \(run.error)")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? []).allSatisfy { $0 == "out" }, "\(format)")
        }
    }

    /// A shard replaced by a FIFO is refused, mapped or streamed, naming it (`cache verify`, `train` and `export` waited
    /// on it forever).
    @Test func aShardThatIsAFIFOIsRefused() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeUnits(into: dir)
        let shard = dir + "/shards/000001.bin"
        try makeWaitingFIFO(shard)
        let cache = try DatasetCache(directory: dir)
        let entry = try #require(try cache.entries().first)
        for read in [cache.tensor(for:), cache.readTensor(for:)] {
            #expect(throws: MedPipeError.io(shard, "is not a regular file (a FIFO, socket or device)")) { try read(entry) }
        }
    }

    /// A FIFO under the manifest's name is refused by readers and writers (SQLite waited on it forever), and a folder
    /// named so is told as such rather than as SQLite's "disk I/O error".
    @Test func aManifestThatIsNotARegularFileIsRefused() throws {
        for make in [{ (path: String) in #expect(mkfifo(path, 0o600) == 0) },
                     { (path: String) in try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }] {
            let dir = temporaryCache()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            make(dir + "/manifest.sqlite")
            let refusal = MedPipeError.io(dir + "/manifest.sqlite", "is not a regular file, so not a cache manifest")
            #expect(throws: refusal) { _ = try DatasetCache(directory: dir) }
            #expect(throws: refusal) { _ = try CacheWriter(directory: dir) }
        }
    }

    /// A cache whose manifest says it was written in format 3, as a newer medpipe would write it.
    private func newerFormatCache() throws -> String {
        let dir = temporaryCache()
        let writer = try CacheWriter(directory: dir)
        try writer.add(unit("a", items: 1))
        try writer.finalize(splits: [:], plans: [:], meta: ["format_version": "3"], positions: [:])
        return dir
    }

    @Test("entries are listed by their unit's position in the plan, not by when the unit was committed")
    func entriesFollowUnitPositions() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = unit("a", items: 1), b = unit("b", items: 2), c = unit("c", items: 1)
        let writer = try CacheWriter(directory: dir)
        for committed in [c, b, a] { try writer.add(committed) }
        #expect(try writer.entries().map(\.unit) == [c.key, b.key, b.key, a.key])
        try writer.finalize(splits: [:], plans: [:], meta: [:], positions: [a.key: 0, b.key: 1, c.key: 2])
        let listed = try DatasetCache(directory: dir).entries()
        #expect(listed.map(\.unit) == [a.key, b.key, b.key, c.key])
        #expect(listed.map(\.item) == [0, 0, 1, 0])
        // A later run that plans them otherwise lists them otherwise.
        try writer.finalize(splits: [:], plans: [:], meta: [:], positions: [a.key: 2, b.key: 0, c.key: 1])
        #expect(try DatasetCache(directory: dir).entries().map(\.unit) == [b.key, b.key, c.key, a.key])
    }

    @Test func unitKeyChangesWithEveryInput() {
        let base = UnitKey.make(sourceHash: "h", reader: "wfdb 1", stages: ["bandpass low=0.5 high=40 order=4"])
        #expect(base == UnitKey.make(sourceHash: "h", reader: "wfdb 1", stages: ["bandpass low=0.5 high=40 order=4"]))
        #expect(base != UnitKey.make(sourceHash: "h2", reader: "wfdb 1", stages: ["bandpass low=0.5 high=40 order=4"]))
        #expect(base != UnitKey.make(sourceHash: "h", reader: "wfdb 2", stages: ["bandpass low=0.5 high=40 order=4"]))
        #expect(base != UnitKey.make(sourceHash: "h", reader: "wfdb 1", stages: ["bandpass low=0.5 high=30 order=4"]))
        #expect(ContentHash.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
