#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeCache

/// What `convert` records of each source file so as not to read it again: a record is used only while the file is
/// the one recorded, byte for byte as far as its times tell, and is never made for a file that could still change
/// unseen within its clock tick.
struct SourceFileStatesTests {
    /// A file of `bytes` in a new folder, and the folder.
    private static func file(_ name: String, _ bytes: [UInt8]) throws -> (folder: String, path: String) {
        let folder = temporaryDirectory("source-file-states")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (folder, path)
    }

    /// The states learnt by `states`, as an earlier run's records for a new run (settled at once unless `settle`).
    private static func nextRun(_ states: SourceFileStates, settle: Double = 0, trusted: Bool = true) -> SourceFileStates {
        SourceFileStates(recorded: states.changes().learnt, name: { "name of " + $0 }, trusted: trusted, settle: settle)
    }

    /// Counts the reads the states asked for.
    private final class Reads: @unchecked Sendable {
        var count = 0
        func digest(_ path: String) throws -> String { count += 1; return ContentHash.of(try FileBytes.read(path)) }
    }

    @Test func anUnchangedFileIsNotReadAgainAndAnEditedOneIs() throws {
        let (folder, path) = try Self.file("a.dcm", Array(repeating: 7, count: 4096))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reads = Reads()
        let first = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 0)
        let digest = try first.digest(of: path) { try reads.digest(path) }
        #expect(reads.count == 1 && first.changes().learnt.keys.sorted() == ["name of " + path])

        let second = Self.nextRun(first)
        #expect(try second.digest(of: path) { try reads.digest(path) } == digest)
        #expect(reads.count == 1, "unchanged: the recorded digest, the file not read")
        #expect(second.changes().learnt.isEmpty && second.changes().stale.isEmpty, "nothing to store again")

        // One byte changed in place, the size kept and the modification time set back (as `touch -r` or `rsync -t`
        // would): the status-change time still tells, once the file system's clock has ticked (the settle time, 0
        // here, is what guards a real run against an edit within the same tick).
        usleep(50_000)
        var before = stat()
        #expect(stat(path, &before) == 0)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: [8])
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let third = Self.nextRun(first)
        let edited = try third.digest(of: path) { try reads.digest(path) }
        let now = ContentHash.of(try FileBytes.read(path))
        #expect(reads.count == 2 && edited != digest && edited == now)

        // Replaced by another file of the same bytes (another inode): read again.
        let copy = folder + "/copy"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let fourth = Self.nextRun(third)
        #expect(rename(copy, path) == 0)
        _ = try fourth.digest(of: path) { try reads.digest(path) }
        #expect(reads.count == 3)
    }

    /// A file whose times are younger than `settle` when it is read could be written again within the same clock tick
    /// without its times changing: it is not recorded, and is read again next time.
    @Test func aFileChangedJustBeforeItWasReadIsNotRecorded() throws {
        let (folder, path) = try Self.file("new.png", [1, 2, 3])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reads = Reads()
        let states = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 60)
        _ = try states.digest(of: path) { try reads.digest(path) }
        #expect(states.changes().learnt.isEmpty, "written a moment ago: not recorded")
        _ = try Self.nextRun(states).digest(of: path) { try reads.digest(path) }
        #expect(reads.count == 2)
    }

    /// Records of files no longer met are stale; with `trusted: false` (`--rehash`) every file is read and recorded
    /// anew, and what a listing found is kept beside the digest.
    @Test func staleRecordsAreDroppedAndRehashReadsEverything() throws {
        let (folder, path) = try Self.file("b.dcm", [9, 9, 9, 9])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reads = Reads()
        let first = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 0)
        _ = try first.digest(of: path) { try reads.digest(path) }
        #expect(try first.listing(of: path) { "image P-series" } == "image P-series")
        #expect(first.changes().learnt["name of " + path]?.listing == "image P-series")
        #expect(first.changes().learnt["name of " + path]?.digest != nil)

        let notMet = Self.nextRun(first)
        #expect(notMet.changes().stale == ["name of " + path], "not met in this run: dropped")

        let rehash = Self.nextRun(first, trusted: false)
        _ = try rehash.digest(of: path) { try reads.digest(path) }
        #expect(reads.count == 2, "--rehash reads the unchanged file")
        #expect(rehash.changes().learnt["name of " + path]?.digest == first.changes().learnt["name of " + path]?.digest)
        #expect(try rehash.listing(of: path) { "parsed again" } == "parsed again")
    }

    /// The records go into the cache's manifest and come back, and a medpipe that reads them finds them whatever it
    /// stored before.
    @Test func recordsAreStoredInTheManifest() throws {
        let (folder, path) = try Self.file("c.nii", [1, 2, 3, 4, 5])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = folder + "/cache"
        do {
            let writer = try CacheWriter(directory: cache)
            #expect(try writer.sourceFileStates(name: { "name of " + $0 }).changes().learnt.isEmpty)
            let learning = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 0)
            _ = try learning.digest(of: path) { ContentHash.of(try FileBytes.read(path)) }
            _ = try learning.listing(of: path) { "not an image" }
            try writer.save(learning)
        }
        let stored = try DatasetCache(directory: cache).sourceFileStates(name: { "name of " + $0 })
        let reads = Reads()
        let digest = ContentHash.of(try FileBytes.read(path))
        #expect(try stored.digest(of: path) { try reads.digest(path) } == digest)
        #expect(try stored.listing(of: path) { "parsed" } == "not an image")
        #expect(try stored.listing(of: path, current: { $0.hasPrefix("listing 2: ") }) { "listing 2: parsed" } == "listing 2: parsed",
                "a finding another format recorded is found again")
        #expect(reads.count == 0)
        // A file only hashed (a NIfTI, PNG or WFDB source: never listed) is as well remembered.
        let (_, hashedOnly) = try Self.file("d.nii", [6, 7, 8])
        do {
            let writer = try CacheWriter(directory: cache)
            let learning = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 0)
            _ = try learning.digest(of: hashedOnly) { ContentHash.of(try FileBytes.read(hashedOnly)) }
            try writer.save(learning)
        }
        #expect(try DatasetCache(directory: cache).sourceFileStates(name: { "name of " + $0 }).digest(of: hashedOnly) { try reads.digest(hashedOnly) }
                == ContentHash.of(try FileBytes.read(hashedOnly)))
        #expect(reads.count == 0, "a record without a listing is used")

        // A record whose columns are not what medpipe writes (a damaged or hand-edited manifest) is not trusted, and
        // reading it is no trap.
        try Manifest(directory: cache).database.write { db in
            try db.execute(sql: "UPDATE source_file SET inode = 'not a number', sha256 = x'00ff'")
            try db.execute(sql: "INSERT INTO source_file VALUES (x'01', 1, 2, 3, 4, 5, 'digest', NULL)")
        }
        let damaged = try DatasetCache(directory: cache).sourceFileStates(name: { "name of " + $0 })
        #expect(try damaged.digest(of: path) { try reads.digest(path) } == digest)
        #expect(reads.count == 1, "read again")
        #expect(damaged.changes().stale == ["\u{01}"], "a record of no file met goes at the next save")

        // A `source_file` table of another shape (another medpipe's, or hand-made) is read as no record, and a
        // writer makes it anew.
        try Manifest(directory: cache).database.write { db in
            try db.execute(sql: "DROP TABLE source_file; CREATE TABLE source_file (name TEXT, digest BLOB)")
            try db.execute(sql: "INSERT INTO source_file VALUES ('name of ' || ?, x'00')", arguments: [path])
        }
        let foreign = try DatasetCache(directory: cache).sourceFileStates(name: { "name of " + $0 })
        #expect(foreign.changes().stale.isEmpty)
        do {
            let writer = try CacheWriter(directory: cache)
            let learning = SourceFileStates(recorded: [:], name: { "name of " + $0 }, settle: 0)
            _ = try learning.digest(of: path) { ContentHash.of(try FileBytes.read(path)) }
            try writer.save(learning)
        }
        #expect(try DatasetCache(directory: cache).sourceFileStates(name: { "name of " + $0 }).digest(of: path) { try reads.digest(path) } == digest)
        #expect(reads.count == 1, "the record in the table made anew is used")
    }
}
