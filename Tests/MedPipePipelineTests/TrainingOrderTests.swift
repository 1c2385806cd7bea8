import Foundation
import Testing
import MedPipeCache
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
    }
}
