import Foundation
import Testing
import MedPipeCache
import MedPipeData
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// `CacheDataset.trainingOrder` (what `medpipe cache order` prints, and the Python package reproduces) is
/// the order in which the trainer's batches visit the training entries.
@Suite struct TrainingOrderTests {
    @Test func theOrderIsWhatTheTrainersBatchesVisit() async throws {
        let cache = temporaryDirectory("training-order")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let recipe = try Recipe.load(SharedData.fixture("recipes/demo.yaml"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        let dataset = try CacheDataset(directory: cache)
        let entries = Dictionary(uniqueKeysWithValues: try dataset.cache.entries(split: "train").map { ($0.id, $0) })
        for (balance, seed, epoch) in [(CacheDataset.Balance.recipe, UInt64(4), 2), (.none, 0, 0), (.undersample, 9, 1)] {
            let order = try dataset.trainingOrder(balance: balance, seed: seed, epoch: epoch)
            var batches = try dataset.batchSource(balance: balance, seed: seed).batches(.train, batchSize: 7, epoch: epoch, seed: seed)
            var visited: [Float] = []
            while let batch = try batches.next() { visited += batch.inputs }
            let expected = try order.flatMap { try dataset.input(try #require(entries[$0])) }
            #expect(visited == expected, "\(balance) seed \(seed) epoch \(epoch)")
            #expect(order != order.sorted(), "shuffled")
        }
        #expect(try dataset.trainingOrder(seed: 4, epoch: 2) != dataset.trainingOrder(seed: 4, epoch: 3))

        // `train` loads the training and validation splits only, on its threads: the same batches, no test samples.
        let all = try dataset.batchSource(seed: 4)
        let used = try dataset.batchSource(seed: 4, only: [.train, .validation], workers: 2)
        for split in [DataSplit.train, .validation] {
            var a = try all.batches(split, batchSize: 5, epoch: 1, seed: 4), b = try used.batches(split, batchSize: 5, epoch: 1, seed: 4)
            var batches = 0
            while let x = try a.next() {
                let y = try #require(try b.next())
                #expect(x.inputs == y.inputs && x.labels == y.labels, "\(split) batch \(batches)")
                batches += 1
            }
            #expect(try b.next() == nil && batches > 1, "\(split)")
        }
        #expect(all.sampleCount(.test) > 0 && used.sampleCount(.test) == 0)
        let width = dataset.sampleShape.reduce(1, *) * MemoryLayout<Float>.size
        #expect(try dataset.inMemoryBytes(only: [.train, .validation]) == (used.sampleCount(.train) + used.sampleCount(.validation)) * width)
        #expect(try dataset.inMemoryBytes() == dataset.cache.entryCount() * width)
    }
}
