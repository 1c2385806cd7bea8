import Foundation
import MedPipeData
import Testing
import MedPipeCore
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// The streaming batch source (`medpipe train` over its `--memory-budget`): the same batches as the
/// in-memory source, clean errors on a damaged shard, and a training process whose peak memory stays
/// within the budget on a cache several times larger.
@Suite(.serialized) struct StreamingTrainingTests {
    /// Every batch of every split, for several rebalancing plans, seeds and epochs, with and without
    /// augmentation, equals the in-memory source's, value for value (and so does a model trained on them:
    /// see the last test).
    @Test func streamedBatchesAreTheInMemoryOnes() async throws {
        let cache = try await demoCache("streaming-batches")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let dataset = try CacheDataset(directory: cache)
        let flips = try AugmentSpec.of(recipeText: "name: r\nsources: []\naugment:\n  - flip: { axes: [1], prob: 0.5 }\n", file: "r.yaml")
        for (balance, seed, epoch, augmentation) in [(CacheDataset.Balance.recipe, UInt64(4), 2, nil), (.none, 0, 0, nil), (.undersample, 9, 1, nil),
                                                     (.oversample, 5, 3, flips)] {
            let loaded = try dataset.batchSource(balance: balance, seed: seed, augmentation: augmentation)
            let streamed = try dataset.streamingBatchSource(balance: balance, seed: seed, augmentation: augmentation, memoryBudget: 1 << 20)
            for split in DataSplit.allCases {
                #expect(streamed.sampleCount(split) == loaded.sampleCount(split))
                let expected = try Self.all(try loaded.batches(split, batchSize: 7, epoch: epoch, seed: seed))
                let got = try Self.all(try streamed.batches(split, batchSize: 7, epoch: epoch, seed: seed))
                #expect(!expected.isEmpty)
                #expect(got == expected, "\(balance) seed \(seed) epoch \(epoch) \(split)")
                if augmentation != nil, split == .train {
                    let plain = try Self.all(try dataset.batchSource(balance: balance, seed: seed).batches(split, batchSize: 7, epoch: epoch, seed: seed))
                    #expect(plain != expected, "the augmentation changed nothing")
                }
            }
        }
    }

    /// A shard cut short after the cache was opened is a `MedPipeError` naming the shard file, handed
    /// over by the worker thread in the batch's place.
    @Test func aTruncatedShardIsAnErrorNamingTheShard() async throws {
        let cache = try await demoCache("streaming-truncated")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let shard = cache + "/shards/000001.bin"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int)
        #expect(truncate(shard, off_t(size / 2)) == 0)
        let streamed = try CacheDataset(directory: cache).streamingBatchSource(memoryBudget: 1 << 20)
        var batches = try streamed.batches(.train, batchSize: 8, epoch: 0, seed: 0)
        let error = #expect(throws: MedPipeError.self) { while try batches.next() != nil {} }
        #expect(error?.description.contains(shard) == true, "\(String(describing: error))")
        #expect(error?.description.contains("runs past the shard's end") == true, "\(String(describing: error))")
    }

    /// A budget that cannot hold three batches (the trainer's, the one being made, one queued) is refused.
    @Test func aBudgetBelowThreeBatchesIsRefused() async throws {
        let cache = try await demoCache("streaming-budget")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let dataset = try CacheDataset(directory: cache)
        let batchBytes = 8 * dataset.sampleShape.reduce(1, *) * 4
        let streamed = try dataset.streamingBatchSource(memoryBudget: 3 * batchBytes - 1)
        #expect(throws: MedPipeError.self) { _ = try streamed.batches(.train, batchSize: 8, epoch: 0, seed: 0) }
        #expect(try streamed.prefetchDepth(batchSize: 4) == 3)
        #expect(try dataset.streamingBatchSource(memoryBudget: 3 * batchBytes).prefetchDepth(batchSize: 8) == 1)
    }

    /// `medpipe train` as a child process, its peak resident memory (VmHWM, polled) measured:
    /// - on a small cache of 24 random 32³ volumes (3 MiB of inputs), loaded: the fixed overhead (runtime,
    ///   libraries, model, the cache's metadata);
    /// - on a cache of 480 such volumes (60 MiB of inputs, 48 MiB of them in the training and validation splits, six
    ///   times the budget) with `--memory-budget 8M`:
    ///   streamed, peak within the overhead plus the budget;
    /// - on the same cache loaded (budget 300M): over the overhead plus the budget, so the bound means something.
    /// The two models of the large cache are the same file, byte for byte.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe (swift build --build-tests)"))
    func streamingTrainsTheSameModelWithinTheBudget() throws {
        let folder = temporaryDirectory("streaming-memory")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = folder + "/linear.yaml"
        try "- { type: Flatten }\n- { type: Linear, in_features: 32768, out_features: 2 }\n".write(toFile: model, atomically: true, encoding: .utf8)
        let small = try Self.volumeCache(volumes: 24, in: folder + "/small")
        let large = try Self.volumeCache(volumes: 480, in: folder + "/large")
        func train(_ cache: String, budget: String, out: String) throws -> (peak: Int, output: String) {
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["train", "--cache", cache, "--model", model, "--epochs", "2", "--batch", "16",
                                                                   "--threads", "1", "--seed", "3", "--memory-budget", budget, "--out", folder + "/" + out],
                                         in: folder)
            try #require(run.status == 0, "train \(cache) \(budget): \(run.error)")
            return (run.peak, run.output)
        }
        let budget = 8 << 20
        let overhead = try train(small, budget: "300M", out: "small.safetensors")
        let streamed = try train(large, budget: "8M", out: "streamed.safetensors")
        let loaded = try train(large, budget: "300M", out: "loaded.safetensors")
        print("peak RSS: small cache loaded \(overhead.peak >> 10) KiB; large cache streamed (8M budget) \(streamed.peak >> 10) KiB, loaded \(loaded.peak >> 10) KiB")
        #expect(streamed.output.contains("streaming batches from the cache: its training and validation splits take 48.0 MiB"), "\(streamed.output)")
        #expect(!loaded.output.contains("streaming batches"))
        #expect(streamed.peak <= overhead.peak + budget, "streamed peak \(streamed.peak) > overhead \(overhead.peak) + budget \(budget)")
        #expect(loaded.peak > overhead.peak + budget, "loaded peak \(loaded.peak) ≤ overhead \(overhead.peak) + budget \(budget)")
        let a = try Data(contentsOf: URL(fileURLWithPath: folder + "/streamed.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: folder + "/loaded.safetensors"))
        #expect(a == b, "the streamed and the loaded model differ")

        // A size that is not one, and a budget too small for three batches, are errors before any training.
        let notASize = try SharedData.runMedpipe(["train", "--cache", large, "--model", model, "--memory-budget", "lots", "--out", folder + "/x.safetensors"])
        #expect(notASize.status != 0 && notASize.error.contains("--memory-budget"), "\(notASize.error)")
        let tooSmall = try SharedData.runMedpipe(["train", "--cache", large, "--model", model, "--batch", "16", "--memory-budget", "1MiB", "--out", folder + "/x.safetensors"])
        #expect(tooSmall.status != 0 && tooSmall.error.contains("1048576 bytes hold fewer than 3 batches of 16 samples"), "\(tooSmall.error)")
    }

    // MARK: - Helpers

    /// The bundled demo converted into a fresh cache.
    private func demoCache(_ name: String) async throws -> String {
        let cache = temporaryDirectory(name)
        let recipe = try Recipe.load(SharedData.fixture("recipes/demo.yaml"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        return cache
    }

    private static func all(_ iterator: any BatchIterator) throws -> [LabeledBatch] {
        var iterator = iterator, batches: [LabeledBatch] = []
        while let batch = try iterator.next() { batches.append(batch) }
        return batches
    }

    /// `volumes` NIfTI files of 32³ random uint8 voxels in class folders `a` and `b`, converted by the
    /// `medpipe` binary (dataset z-score, fitted when training; 60/20/20 by patient) into `folder/cache`.
    private static func volumeCache(volumes: Int, in folder: String) throws -> String {
        var rng = SeededGenerator(seed: UInt64(volumes))
        for label in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/volumes/\(label)", withIntermediateDirectories: true)
        }
        for index in 0..<volumes {
            var bytes = CraftedNIfTI.bytes(dims: [32, 32, 32])
            for i in 352..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/volumes/\(index % 2 == 0 ? "a" : "b")/v\(index).nii"))
        }
        let recipe = folder + "/recipe.yaml"
        try """
            name: streaming-volumes
            cache: cache
            sources:
              - path: volumes/*/*.nii
                format: nifti
                label: folder
            stages:
              - dataset-zscore: {}
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let cache = folder + "/cache"
        let result = try SharedData.runMedpipe(["convert", recipe, "--cache", cache], environment: ["MEDPIPE_KEY": folder + "/project.key"])
        try #require(result.status == 0, "convert: \(result.error)")
        return cache
    }
}

/// Runs a program and polls its peak resident memory (`VmHWM` of `/proc/PID/status`, which only grows)
/// every 2 ms until it exits: a lower bound on the true peak, short of it only by growth in the last
/// 2 ms before exit.
enum PeakMemory {
    static func run(_ program: String, _ arguments: [String], in folder: String) throws -> (status: Int32, peak: Int, output: String, error: String) {
        let outPath = folder + "/child.out", errPath = folder + "/child.err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        var peak = 0
        let status = "/proc/\(process.processIdentifier)/status"
        while process.isRunning {
            if let text = try? procFileText(status),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
                peak = max(peak, kib << 10)
            }
            usleep(2000)
        }
        process.waitUntilExit()
        return (process.terminationStatus, peak,
                (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
