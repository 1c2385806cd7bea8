import MedPipeCore
import MedPipeData

/// A split's batches, each checked for input values that are not finite (NaN, infinities) as it comes: one such value
/// makes a model's outputs NaN, or, once BatchNorm has spread it over a channel and ReLU has turned it into zeros,
/// meaningless without a sign (a training loss that stays finite while the model learns nothing).
struct FiniteInputBatches: BatchIterator {
    private var batches: any BatchIterator
    private let split: DataSplit
    private var number = 0

    init(_ batches: any BatchIterator, of split: DataSplit) {
        self.batches = batches
        self.split = split
    }

    /// - Throws: `.malformed` naming the split, the batch and the sample within it.
    mutating func next() throws -> LabeledBatch? {
        guard let batch = try batches.next() else { return nil }
        defer { number += 1 }
        let size = batch.inputs.count / max(batch.labels.count, 1)
        if let bad = NonFiniteSamples(in: batch.inputs, sampleSize: size) {
            throw MedPipeError.malformed("\(split) split", "batch \(number + 1): " + bad.described(first: "sample \(bad.first + 1)", consequence: "a model given them learns or predicts nothing that means anything"))
        }
        return batch
    }
}
