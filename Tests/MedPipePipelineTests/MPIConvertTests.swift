import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import TestSupport

/// `mpirun -np 2 medpipe convert`: the cache equals a one-process run's.
@Suite(.enabled(if: MPIRun.isPossible, "needs mpirun (tools/setup installs Open MPI), the built medpipe and ../shared/data"), .serialized)
struct MPIConvertTests {
    /// Six MIT-BIH records (beats, band-passed, resampled, z-scored), split and oversampled: one process against
    /// two ranks that resume a cache which one process started with three of the records. Same entries in the same
    /// order with the same keys, labels, groups, splits and tensor bytes; same sampling plans; same `cache info`.
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
              - leads: { names: [MLII] }
              - bandpass: { low: 0.5, high: 40, order: 4 }
              - resample-signal: { frequency: 180 }
              - lead-zscore: {}
              - beats: { before: 45, after: 81, labels: aami }
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
            balance: oversample
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let full = try recipe("six", "1[01][1-6]"), part = try recipe("three", "1[01][1-4]")
        let one = try SharedData.runMedpipe(["convert", full, "--cache", work + "/one", "--key", key])
        #expect(one.status == 0, "\(one.error)")
        let started = try SharedData.runMedpipe(["convert", part, "--cache", work + "/two", "--key", key])
        #expect(started.status == 0, "\(started.error)")
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
}
