import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import TestSupport

/// `mpirun -np 2 medpipe convert`: the cache equals a one-process run's.
@Suite(.enabled(if: MPIRun.isPossible, "needs mpirun (tools/setup installs Open MPI), the built medpipe and ../shared/data"), .serialized)
struct MPIConvertTests {
    /// Six MIT-BIH records (beats, band-passed, resampled, z-scored), split and oversampled: one process against
    /// two ranks, each going on with a cache which one process made of three of the records (whose patients keep
    /// their splits). Same entries in the same order with the same keys, labels, groups, splits and tensor bytes; same
    /// sampling plans; same `cache info`.
    @Test func twoRanksWriteTheCacheOfOneProcess() throws {
        let work = temporaryDirectory("mpi-convert")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key"
        func recipe(_ name: String, _ glob: String) throws -> String {
            let path = work + "/\(name).yaml"
            try """
            name: mitbih-part
            sources:
              - path: \(SharedData.path("wfdb/mitdb"))/\(glob).hea
                format: wfdb
                label: annotations
            stages:
            \(MITBIHPreparation.stages)
              - beats: { before: 45, after: 81, labels: aami }
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
            balance: oversample
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let full = try recipe("six", "1[01][1-6]"), part = try recipe("three", "1[01][1-4]")
        for cache in ["one", "two"] {
            let started = try SharedData.runMedpipe(["convert", part, "--cache", work + "/" + cache, "--key", key])
            #expect(started.status == 0, "\(started.error)")
        }
        let one = try SharedData.runMedpipe(["convert", full, "--cache", work + "/one", "--key", key])
        #expect(one.status == 0 && one.output.contains("  split: 3 patients (groups) kept the split the last run gave them and 3 new"), "\(one.output)")
        let two = try MPIRun.medpipe(ranks: 2, ["convert", full, "--cache", work + "/two", "--key", key, "--jobs", "1"])
        #expect(two.status == 0 && !two.timedOut, "\(two.error)")
        #expect(two.output.contains("[rank 0/2] converted into"), "\(two.output)")
        #expect(!two.output.contains("[rank 1/2] converted"), "only rank 0 reports")
        #expect(two.output.contains("3 reused"), "\(two.output)")

        let a = try DatasetCache(directory: work + "/one"), b = try DatasetCache(directory: work + "/two")
        let ea = try a.entries(), eb = try b.entries()
        #expect(ea.count > 5_000 && ea.count == eb.count)
        #expect(ea.map(\.unit) == eb.map(\.unit))
        #expect(ea.map(\.sha256) == eb.map(\.sha256))
        #expect(ea.map(\.item) == eb.map(\.item) && ea.map(\.label) == eb.map(\.label) && ea.map(\.group) == eb.map(\.group))
        #expect(ea.map(\.split) == eb.map(\.split) && ea.map(\.shape) == eb.map(\.shape) && ea.map(\.metadata) == eb.map(\.metadata))
        for split in ["train", "val", "test"] {
            let positionA = Dictionary(uniqueKeysWithValues: ea.enumerated().map { ($1.id, $0) })
            let positionB = Dictionary(uniqueKeysWithValues: eb.enumerated().map { ($1.id, $0) })
            #expect(try a.plan(split: split).map { positionA[$0] } == b.plan(split: split).map { positionB[$0] }, "plan of \(split)")
        }
        for i in stride(from: 0, to: ea.count, by: 997) {
            #expect(try a.tensor(for: ea[i]) == b.tensor(for: eb[i]))
        }
        #expect(try b.verify().isSound)
        let infoA = try SharedData.runMedpipe(["cache", "info", work + "/one"]), infoB = try SharedData.runMedpipe(["cache", "info", work + "/two"])
        #expect(infoA.output.split(separator: "\n").dropFirst() == infoB.output.split(separator: "\n").dropFirst())
    }

    /// 196 MR slices as 196 sources. Two ranks write shards of their own (the entries point into shards of both), and
    /// none when every unit is in the cache already. Two jobs of two ranks, each resuming the last and killed (SIGKILL,
    /// every rank) as soon as it has committed units, leave caches that verify; three ranks finish the cache. Every
    /// finished cache equals one process's: the same entries in the same order, hashes, splits, `cache info`.
    @Test func ranksWriteShardsOfTheirOwnAndAKilledJobResumes() throws {
        let work = temporaryDirectory("mpi-shards")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key", recipe = try MRSliceRecipe.write(named: "slices", in: work)
        func contents(_ cache: String) throws -> [String] {
            try DatasetCache(directory: cache).entries().map { "\($0.unit) \($0.item) \($0.sha256) \($0.split ?? "-")" }
        }
        func info(_ cache: String) throws -> [Substring] {
            try SharedData.runMedpipe(["cache", "info", cache]).output.split(separator: "\n").dropFirst().map { $0 }
        }
        let one = try SharedData.runMedpipe(["convert", recipe, "--cache", work + "/one", "--key", key])
        #expect(one.status == 0, "\(one.error)")
        let reference = try contents(work + "/one")
        #expect(reference.count == 196)

        let two = try MPIRun.medpipe(ranks: 2, ["convert", recipe, "--cache", work + "/two", "--key", key, "--jobs", "1"])
        #expect(two.status == 0 && !two.timedOut, "\(two.error)")
        #expect(try contents(work + "/two") == reference)
        #expect(try info(work + "/two") == info(work + "/one"))
        // Rank 0's shards are base, base + 2, ...; rank 1's base + 1, base + 3, ...: both ranks' shards hold entries.
        let shards = Set(try DatasetCache(directory: work + "/two").entries().map(\.shard))
        #expect(Set(shards.map { $0 % 2 }).count == 2, "entries in shards \(shards.sorted()) only")
        // Run again, every unit reused: the ranks have nothing to write and create no shard file.
        let files = try FileManager.default.contentsOfDirectory(atPath: work + "/two/shards").sorted()
        let again = try MPIRun.medpipe(ranks: 2, ["convert", recipe, "--cache", work + "/two", "--key", key, "--jobs", "1"])
        #expect(again.status == 0 && again.output.contains("196 reused"), "\(again.output)\(again.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/two/shards").sorted() == files)

        let killed = work + "/killed"
        func committed() -> Int { (try? DatasetCache(directory: killed).entries().count) ?? 0 }
        var partial = 0
        for attempt in 1...2 {
            // Killed as soon as rank 0 has committed units that the last job had not (a job whose first commit
            // after that is its last may finish before the kill lands).
            let before = committed()
            let run = try MPIRun.medpipe(ranks: 2, ["convert", recipe, "--cache", killed, "--key", key, "--jobs", "1"], killWhen: { committed() > before })
            #expect(!run.timedOut)
            let verification = try DatasetCache(directory: killed).verify()
            #expect(verification.isSound, "after kill \(attempt): \(verification.problems)")
            if (before + 1..<196).contains(committed()) { partial += 1 }
        }
        #expect(partial > 0, "no kill left a partly converted cache; the test would prove nothing")
        let resumed = try MPIRun.medpipe(ranks: 3, ["convert", recipe, "--cache", killed, "--key", key, "--jobs", "1"])
        #expect(resumed.status == 0 && !resumed.timedOut, "\(resumed.error)")
        #expect(try contents(killed) == reference)
        #expect(try DatasetCache(directory: killed).verify().isSound)
        #expect(try info(killed) == info(work + "/one"))
    }
}
