import Foundation
import Testing
import MedPipeCache
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `convert` killed with SIGKILL at several moments leaves a cache that verifies, and the next
/// `convert` completes it to exactly what an uninterrupted run produces.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
struct CrashSafetyTests {
    /// 196 MR slices as 196 sources, so that kills land between, during and after units.
    private func recipe(in dir: String) throws -> String {
        let text = """
            name: crash
            sources:
              - path: \(SharedData.path("dicom/mr_series/In"))/*
                format: dicom
            stages:
              - zscore: { over: nonzero }
            split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 } }
            """
        let path = dir + "/crash.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

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
        let recipe = try recipe(in: dir), key = dir + "/project.key"

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
}
