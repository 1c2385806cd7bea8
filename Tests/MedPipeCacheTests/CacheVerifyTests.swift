import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeCache

/// `verify` checked the shards against the manifest but not the manifest itself, and `cache verify` said "all sound"
/// of caches that `train` then refused or read wrong: an index that disagreed with its table (a damaged page, a copy
/// cut short) made a split read short without an error, a plan named entries of another split or none, and stage
/// metadata that did not decode was found only by the command that needed it.
@Suite struct CacheVerifyTests {
    /// Units "a" (3 entries) and "b" (2) split train, train, train, val, test, with a training plan repeating the second
    /// entry; returns the entry ids.
    private func splitCache(at dir: String, meta: [String: String] = [:]) throws -> [Int64] {
        try writeUnits(into: dir, ["a": 3, "b": 2])
        let ids = try DatasetCache(directory: dir).entries().map(\.id)
        try Manifest(directory: dir).finalize(splits: [ids[0]: "train", ids[1]: "train", ids[2]: "train", ids[3]: "val", ids[4]: "test"],
                                              plans: ["train": [ids[0], ids[1], ids[2], ids[1]]], meta: meta, positions: [:])
        return ids
    }

    @Test func planRowsNamingNoEntryOrOneOfAnotherSplitAreProblems() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ids = try splitCache(at: dir)
        #expect(try DatasetCache(directory: dir).verify().problems == [])
        let manifest = try Manifest(directory: dir)
        // As a damaged manifest, or a tool that does not enforce its foreign keys (sqlite3's shell), leaves them.
        try manifest.database.queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO plan (split, position, entry) VALUES ('train', 4, 999), ('train', 5, ?)", arguments: [ids[3]])
        }
        #expect(try DatasetCache(directory: dir).verify().problems == [
            "the plan of split 'train' names entry 999 at position 4, which the manifest does not hold",
            "the plan of split 'train' names entry \(ids[3]) at position 5, which is in split 'val'"])
        // Past 20, one line says there are more.
        try manifest.database.queue.writeWithoutTransaction { db in
            for position in 6..<30 { try db.execute(sql: "INSERT INTO plan (split, position, entry) VALUES ('train', ?, 999)", arguments: [position]) }
        }
        let problems = try DatasetCache(directory: dir).verify().problems
        #expect(problems.count == 21 && problems.last == "more problems in the sampling plans than the 20 listed", "\(problems)")
    }

    @Test func anIndexThatDisagreesWithItsTableIsAProblem() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try splitCache(at: dir)
        // The index of entries by split declared in the other order than its stored rows: as a damaged index reads.
        try Manifest(directory: dir).database.write { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: "UPDATE sqlite_schema SET sql = 'CREATE INDEX entry_split ON entry(split DESC, label)' WHERE name = 'entry_split'")
        }
        let verification = try DatasetCache(directory: dir).verify()
        #expect(verification.entries == 5)
        #expect(!verification.problems.isEmpty
                && verification.problems.allSatisfy { $0.hasPrefix("manifest.sqlite: ") && $0.hasSuffix("missing from index entry_split") },
                "\(verification.problems)")
    }

    /// A cache whose files are sound is opened as `train` opens it; entries a convert left without a split are sound
    /// (a killed convert leaves them), and the summary says how many.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func theCommandOpensASoundCacheAsTrainDoes() throws {
        let dir = temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try splitCache(at: dir, meta: ["pipeline": #"{"stages":[]}"#, "fitted": #"{"entries":[]}"#])
        let sound = try SharedData.runMedpipe(["cache", "verify", dir])
        #expect(sound.status == 0 && sound.output == "\(dir): 5 entries, all sound\n", "\(sound.output) \(sound.error)")

        do {  // as a convert killed after committing a unit leaves it
            let writer = try CacheWriter(directory: dir)
            try writer.add(unit("c", items: 2))
            try writer.flush()
        }
        let unfinished = try SharedData.runMedpipe(["cache", "verify", dir])
        #expect(unfinished.status == 0 && unfinished.output == "\(dir): 7 entries, all sound; 2 of them have no split yet: the last convert did "
                + "not finish, and `train` refuses the cache until `medpipe convert` runs again\n", "\(unfinished.output) \(unfinished.error)")
        try Manifest(directory: dir).database.write { db in
            try db.execute(sql: "DELETE FROM entry WHERE split IS NULL")
            try db.execute(sql: "DELETE FROM unit WHERE key NOT IN (SELECT unit FROM entry)")
            try db.execute(sql: "UPDATE meta SET value = '{' WHERE name = 'fitted'")
        }
        let undecodable = try SharedData.runMedpipe(["cache", "verify", dir])
        let errors = undecodable.error.split(separator: "\n").filter { $0.hasPrefix("medpipe:") }
        #expect(undecodable.status == 1 && errors.count == 2 && errors[0].hasPrefix("medpipe: error: \(dir): the cache's fitted statistics (meta 'fitted') cannot be read")
                && errors[1] == "medpipe: error: \(dir): 5 entries, not sound (the problems are listed above)", "\(undecodable.error)")
    }
}
