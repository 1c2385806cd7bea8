import MedPipeData
import Testing
import TestSupport
@testable import MedPipeTrain

/// The batch source's augmentation hook: training batches only, each sample told its epoch and its
/// position in the epoch's order, the same result on one thread or two.
@Suite(.serialized) struct AugmentedBatchTests {
    @Test func trainingSamplesAreAugmentedByEpochAndPositionOnAnyThreadCount() throws {
        let n = 10, size = 3
        let inputs = (0..<(n * size)).map { Float($0 / size) }  // sample i holds i, i, i
        let split = InMemoryBatchSource.Split(inputs: inputs, labels: (0..<n).map { $0 % 2 })
        // Adds 1000·epoch + position to every value of the sample.
        let source = try InMemoryBatchSource(sampleShape: [size], classNames: ["a", "b"], splits: [.train: split, .validation: split],
                                             augment: { sample, epoch, position in
                                                 for i in sample.indices { sample[i] += Float(1000 * epoch + position) }
                                             })
        func pass(_ s: DataSplit, epoch: Int, threads: Int) throws -> [Float] {
            try withWorkerThreads(threads) {
                var batches = try source.batches(s, batchSize: 4, epoch: epoch, seed: 9)
                var values: [Float] = []
                while let batch = try batches.next() { values += batch.inputs }
                return values
            }
        }
        for epoch in [0, 3] {
            let order = EpochOrder.shuffled(Array(0..<n), seed: 9, epoch: epoch)
            let expected = order.enumerated().flatMap { position, i in [Float](repeating: Float(i + 1000 * epoch + position), count: size) }
            #expect(try pass(.train, epoch: epoch, threads: 1) == expected)
            #expect(try pass(.train, epoch: epoch, threads: 2) == expected)
        }
        #expect(try pass(.validation, epoch: 1, threads: 2) == inputs)
    }
}
