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
        if let index = batch.inputs.firstIndex(where: { !$0.isFinite }) {
            throw MedPipeError.malformed("\(split) split", "sample \(index / max(size, 1) + 1) of batch \(number + 1) holds \(batch.inputs[index].isNaN ? "NaN" : "an infinite value") among its inputs; a model given it learns or predicts nothing that means anything. One NaN voxel through `zscore` makes its whole volume NaN: put a `replace-nonfinite` stage first in the recipe, or convert without such sources")
        }
        return batch
    }
}
