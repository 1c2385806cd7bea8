import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `convert` killed with SIGKILL at several moments leaves a cache that verifies, and the next
/// `convert` completes it to exactly what an uninterrupted run produces.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
struct CrashSafetyTests {
    @discardableResult
    private func convert(_ recipe: String, cache: String, key: String, killAfter delay: Double? = nil) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SharedData.medpipeBinary!)
        p.arguments = ["convert", recipe, "--cache", cache, "--jobs", "2", "--key", key]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        if let delay {
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
        }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// What a cache holds, independent of row ids: (unit, item, hash, split), sorted.
    private func contents(_ cache: String) throws -> [String] {
        try DatasetCache(directory: cache).entries().map { "\($0.unit) \($0.item) \($0.sha256) \($0.split ?? "-")" }.sorted()
    }

    @Test func killedConvertVerifiesResumesAndEqualsAnUninterruptedRun() throws {
        let dir = NSTemporaryDirectory() + "medpipe-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recipe = try MRSliceRecipe.write(named: "crash", in: dir), key = dir + "/project.key"

        #expect(try convert(recipe, cache: dir + "/reference", key: key) == 0)
        let reference = try contents(dir + "/reference")
        #expect(reference.count == 196)

        let start = Date()
        _ = try convert(recipe, cache: dir + "/timing", key: key)
        let duration = Date().timeIntervalSince(start)

        // Kill runs at 10% to 90% of an uninterrupted run's time; each resumes where the last stopped.
        let cache = dir + "/killed"
        var partial = 0
        for fraction in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            _ = try convert(recipe, cache: cache, key: key, killAfter: duration * fraction)
            guard FileManager.default.fileExists(atPath: cache + "/manifest.sqlite") else { continue }
            let verification = try DatasetCache(directory: cache).verify()
            #expect(verification.isSound, "after a kill at \(fraction): \(verification.problems)")
            let count = try DatasetCache(directory: cache).entries().count
            if count > 0 && count < 196 { partial += 1 }
        }
        #expect(partial > 0, "no kill left a partly converted cache; the test would prove nothing")
        #expect(try convert(recipe, cache: cache, key: key) == 0)
        #expect(try contents(cache) == reference)
        #expect(try DatasetCache(directory: cache).verify().isSound)
    }

    /// 3,000 MNIST digits as PNG files in one folder per class (one cache unit per image).
    private func digits(in dir: String) throws -> String {
        let images = try IDXReader().readTensor(SharedData.path("images/mnist/t10k-images-idx3-ubyte.gz"))
        let labels = try IDXReader().readTensor(SharedData.path("images/mnist/t10k-labels-idx1-ubyte.gz")).bytes
        let pixels = images.bytes
        for index in 0..<3000 {
            let folder = "\(dir)/digits/\(labels[index])"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let image = Tensor(shape: [28, 28], dtype: .uint8, bytes: Array(pixels[(index * 784)..<((index + 1) * 784)]))
            try PNGWriter(compressionLevel: 1).write(image, to: "\(folder)/\(index).png")
        }
        let recipe = dir + "/digits.yaml"
        try """
            name: digits
            sources:
              - path: digits
                format: png-folder
                label: dataset
            stages:
              - minmax: {}
            split: { by: patient, ratios: { train: 0.8, val: 0.1, test: 0.1 }, seed: 5 }
            balance: oversample
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    /// What a cache shows the world, in its own order: `cache info --json` (without the folder name),
    /// every entry's unit, item, hash, label and split in listing order, the training plan as units.
    private func observable(_ cache: String) throws -> (info: String, entries: [String], plan: [String]) {
        let (status, info, error) = try SharedData.runMedpipe(["cache", "info", cache, "--json"])
        #expect(status == 0, "\(error)")
        let reader = try DatasetCache(directory: cache)
        let entries = try reader.entries()
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, "\($0.unit) \($0.item)") })
        var object = try #require(try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any])
        object["directory"] = nil
        let summary = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        return (summary,
                entries.map { "\($0.unit) \($0.item) \($0.sha256) \($0.label ?? "-") \($0.split ?? "-")" },
                try reader.plan(split: "train").map { byID[$0] ?? "missing \($0)" })
    }

    /// The arrays `export --format npz` writes, member by member.
    private func exported(_ cache: String, into folder: String) throws -> [String: Tensor] {
        let (status, _, error) = try SharedData.runMedpipe(["export", "--cache", cache, "--format", "npz", "--out", folder])
        #expect(status == 0, "\(error)")
        var arrays: [String: Tensor] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasSuffix(".npz") {
            for member in try NPZReader().read(folder + "/" + file) { arrays[file + ":" + member.name] = member.tensor }
        }
        return arrays
    }

    @Test func killedPNGConvertResumesToTheSameEntriesInTheSameOrder() throws {
        let dir = temporaryDirectory("crash-order")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recipe = try digits(in: dir), key = dir + "/project.key"

        let start = Date()
        #expect(try convert(recipe, cache: dir + "/reference", key: key) == 0)
        let duration = Date().timeIntervalSince(start)
        let reference = try observable(dir + "/reference")
        #expect(reference.entries.count == 3000)

        // Kill a run part way through (a fraction of the uninterrupted run's time, other fractions when a kill
        // came before the first commit or after the last, as the machine's load decides), then resume.
        let cache = dir + "/killed"
        var committed = 0
        for fraction in [0.3, 0.5, 0.15, 0.7, 0.05, 0.9] {
            try? FileManager.default.removeItem(atPath: cache)
            try convert(recipe, cache: cache, key: key, killAfter: duration * fraction)
            committed = FileManager.default.fileExists(atPath: cache + "/manifest.sqlite") ? try DatasetCache(directory: cache).entries().count : 0
            if committed > 0 && committed < 3000 { break }
        }
        #expect(committed > 0 && committed < 3000, "no kill left a partly converted cache (\(committed) entries); the test would prove nothing")
        #expect(try convert(recipe, cache: cache, key: key) == 0)

        let resumed = try observable(cache)
        #expect(resumed.info == reference.info)
        #expect(resumed.entries == reference.entries)
        #expect(resumed.plan == reference.plan)
        let (exportedReference, exportedResumed) = (try exported(dir + "/reference", into: dir + "/export-reference"),
                                                    try exported(cache, into: dir + "/export-resumed"))
        #expect(!exportedReference.isEmpty)
        #expect(exportedResumed == exportedReference)
    }
}
