import Foundation
import Testing
import MedPipeCore
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// The peak memory of commands that read a cache (`evaluate`, `gradcam`, `cache verify`, `export`, `cache info`) over a
/// cache several times larger: what they hold of it is a batch or an entry at a time, not a split or the whole cache, and the shards'
/// pages they read do not stay in their resident memory.
///
/// Two caches of random 128 × 128 images (64 KiB each as the network's float32 input), 60 and 480 of them, 90 % in
/// the training split and 5 % in each of the others, each with a small CNN written for it. The peaks are polled
/// from `/proc` (``PeakMemory``); the bound, half of what the 420 more samples take as float32, is far from both
/// sides: read whole, they took more than all of it (the values, and the shard pages mapped to read them).
@Suite(.serialized, .enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe (swift build --build-tests)"))
struct CacheReadMemoryTests {
    static let side = 128
    static let counts = (small: 60, large: 480)
    /// Half of what the large cache's extra samples take as float32 inputs.
    static let bound = (counts.large - counts.small) * side * side * MemoryLayout<Float>.size / 2

    /// `evaluate --split test` read every split of the cache into memory (the training split too) before running
    /// the model on the test split; it now reads the test split's batches as it runs them.
    @Test func evaluateReadsTheSplitItJudgesBatchByBatch() throws {
        let folder = temporaryDirectory("cache-read-memory-evaluate")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let runs = try [Self.counts.small, Self.counts.large].map { try Self.cacheAndModel($0, in: folder + "/\($0)") }
        try expectEvaluateBounded(runs, in: folder, what: "a network")
    }

    /// `evaluate` of a tree model read every split of the cache into memory; it now reads the split it judges, batch
    /// by batch. One forest, trained on the small cache, judges both (their preparation is the same: one recipe, no
    /// fitted statistic).
    @Test func evaluateOfATreeModelReadsTheSplitItJudges() throws {
        let folder = temporaryDirectory("cache-read-memory-tree")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let caches = try [Self.counts.small, Self.counts.large].map { try Self.cacheAndModel($0, in: folder + "/\($0)").cache }
        let forest = folder + "/forest.json"
        let train = try SharedData.runMedpipe(["train", "--cache", caches[0], "--model", "random-forest", "--trees", "2", "--max-depth", "2", "--out", forest])
        try #require(train.status == 0, "train: \(train.error)")
        try expectEvaluateBounded(caches.map { ($0, forest) }, in: folder, what: "a forest")
    }

    /// Runs `evaluate --split test` of each of the small and the large cache with its model, and bounds the growth of
    /// the peak memory.
    private func expectEvaluateBounded(_ runs: [(cache: String, model: String)], in folder: String, what: String) throws {
        var peaks: [Int] = []
        for (cache, model) in runs {
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["evaluate", "--model", model, "--cache", cache, "--split", "test", "--threads", "1"], in: folder)
            try #require(run.status == 0, "evaluate \(cache): \(run.error)")
            #expect(run.output.hasPrefix("test: "), "\(run.output)")
            peaks.append(run.peak)
        }
        print("evaluate (\(what)) peak RSS: \(Self.counts.small) images \(peaks[0] >> 10) KiB, \(Self.counts.large) images \(peaks[1] >> 10) KiB (bound on the growth: \(Self.bound >> 10) KiB)")
        #expect(peaks[1] - peaks[0] < Self.bound, "evaluate (\(what)) grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `gradcam --cache` read the whole split it explains into memory before explaining its first batch; it now
    /// reads each batch's samples when it explains them.
    @Test func gradcamReadsTheSplitBatchByBatch() throws {
        let folder = temporaryDirectory("cache-read-memory-gradcam")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var peaks: [Int] = []
        for count in [Self.counts.small, Self.counts.large] {
            let (cache, model) = try Self.cacheAndModel(count, in: folder + "/\(count)")
            let out = folder + "/\(count)/cam"
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["gradcam", "--model", model, "--cache", cache, "--split", "train", "--scale", "1",
                                                                   "--threads", "1", "--out", out], in: folder)
            try #require(run.status == 0, "gradcam \(count): \(run.error)")
            let train = try CacheDataset(directory: cache).entryCount(.train)
            #expect(run.output.contains("wrote \(train) Grad-CAM overlays"), "\(run.output)")
            peaks.append(run.peak)
        }
        print("gradcam peak RSS: \(Self.counts.small) images \(peaks[0] >> 10) KiB, \(Self.counts.large) images \(peaks[1] >> 10) KiB (bound on the growth: \(Self.bound >> 10) KiB)")
        #expect(peaks[1] - peaks[0] < Self.bound, "gradcam grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `cache verify` and `export` read the entries one at a time, but through the shards' memory mappings, whose pages
    /// read stayed resident: both ended holding the whole cache. They now read with `pread`, as the streaming trainer does.
    @Test func verifyAndExportDoNotKeepTheShardsResident() throws {
        let folder = temporaryDirectory("cache-read-memory-verify")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var peaks: [String: [Int]] = [:]
        for count in [Self.counts.small, Self.counts.large] {
            let (cache, _) = try Self.cacheAndModel(count, in: folder + "/\(count)")
            let verify = try PeakMemory.run(SharedData.medpipeBinary!, ["cache", "verify", cache], in: folder)
            try #require(verify.status == 0, "cache verify \(count): \(verify.error)")
            #expect(verify.output.contains("\(count) entries, all sound"), "\(verify.output)")
            let export = try PeakMemory.run(SharedData.medpipeBinary!, ["export", "--cache", cache, "--format", "npz", "--out", folder + "/\(count)/npz"], in: folder)
            try #require(export.status == 0, "export \(count): \(export.error)")
            #expect(export.output.hasPrefix("exported \(count) samples as npz"), "\(export.output)")
            peaks["verify", default: []].append(verify.peak)
            peaks["export", default: []].append(export.peak)
        }
        for (command, peak) in peaks.sorted(by: { $0.key < $1.key }) {
            print("\(command) peak RSS: \(Self.counts.small) images \(peak[0] >> 10) KiB, \(Self.counts.large) images \(peak[1] >> 10) KiB (bound on the growth: \(Self.bound >> 10) KiB)")
            #expect(peak[1] - peak[0] < Self.bound, "\(command) grew from \(peak[0] >> 10) to \(peak[1] >> 10) KiB")
        }
    }

    /// Every command that opens a cache reads its manifest's entries: all the rows were fetched, then decoded, so that
    /// each row was held twice at the peak (about 1.7 KB per row of a table, whose metadata JSON names the columns: 17 GB
    /// for `cache info` of a table of ten million rows). The rows are now decoded one by one through a cursor.
    ///
    /// `cache info` of the UCI heart table's rows repeated to 10,000, then 40,000 rows (a cache entry each): the larger
    /// may peak at most 1.25 KB per extra row above the smaller (it was about 1.7 KB; it is now about 0.55, the rows sharing their column names).
    @Test func theManifestIsReadRowByRow() throws {
        let folder = temporaryDirectory("cache-read-memory-manifest")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines = try String(contentsOfFile: SharedData.path("tabular/heart.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let counts = (small: 10_000, large: 40_000)
        var peaks: [Int] = []
        for count in [counts.small, counts.large] {
            let work = folder + "/\(count)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            try ([String(lines[0])] + (0..<count).map { String(lines[1 + $0 % (lines.count - 1)]) }).joined(separator: "\n")
                .appending("\n").write(toFile: work + "/heart.csv", atomically: true, encoding: .utf8)
            try """
                name: heart-rows
                cache: cache
                sources:
                  - path: heart.csv
                    format: csv
                    label: { column: target }
                split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
                """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
            let convert = try SharedData.runMedpipe(["convert", work + "/recipe.yaml"], environment: ["MEDPIPE_KEY": folder + "/project.key"])
            try #require(convert.status == 0, "convert \(count): \(convert.error)")
            let info = try PeakMemory.run(SharedData.medpipeBinary!, ["cache", "info", work + "/cache"], in: folder)
            try #require(info.status == 0, "cache info \(count): \(info.error)")
            #expect(info.output.contains("entries: \(count)\n"), "\(info.output.prefix(400))")
            peaks.append(info.peak)
        }
        let extra = counts.large - counts.small
        print("cache info peak RSS: \(counts.small) rows \(peaks[0] >> 10) KiB, \(counts.large) rows \(peaks[1] >> 10) KiB: \((peaks[1] - peaks[0]) / extra) bytes per extra row")
        #expect(peaks[1] - peaks[0] < extra * 1_250, "cache info grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `count` random 128 × 128 uint8 NIfTI images in class folders `a` and `b`, converted by the `medpipe` binary
    /// (min-max scaled; 90/5/5 by patient) into `folder/cache`, and a CNN for it (a 3 × 3 convolution to 2 channels,
    /// ReLU, a linear layer) carrying the cache's preparation.
    private static func cacheAndModel(_ count: Int, in folder: String) throws -> (cache: String, model: String) {
        var rng = SeededGenerator(seed: UInt64(count))
        for label in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/images/\(label)", withIntermediateDirectories: true)
        }
        for index in 0..<count {
            var bytes = CraftedNIfTI.bytes(dims: [side, side])
            for i in 352..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/images/\(index % 2 == 0 ? "a" : "b")/i\(index).nii"))
        }
        let recipe = folder + "/recipe.yaml"
        try """
            name: cache-read-memory
            cache: cache
            sources:
              - path: images/*/*.nii
                format: nifti
                label: folder
            stages:
              - minmax: {}
            split: { by: patient, ratios: { train: 0.9, val: 0.05, test: 0.05 }, seed: 1 }
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let cache = folder + "/cache"
        let result = try SharedData.runMedpipe(["convert", recipe, "--cache", cache], environment: ["MEDPIPE_KEY": folder + "/project.key"])
        try #require(result.status == 0, "convert: \(result.error)")
        let dataset = try CacheDataset(directory: cache)
        try #require(dataset.sampleShape == [1, side, side], "\(dataset.sampleShape)")
        let network = try Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3), .relu, .flatten,
                                      .linear(inFeatures: 2 * (side - 2) * (side - 2), outFeatures: 2)], seed: 1)
        let model = folder + "/model.safetensors"
        try Checkpoint(model: network, classNames: dataset.classNames, inputShape: dataset.sampleShape, modelName: "cache-read-memory-cnn",
                       extra: try dataset.preprocessing.metadata()).write(to: model)
        return (cache, model)
    }
}
