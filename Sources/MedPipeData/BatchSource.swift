/// Which part of a dataset a batch comes from.
public enum DataSplit: String, Sendable, Codable, CaseIterable {
    case train, validation, test
}

/// A batch of samples with their labels: `inputs` fill `shape` = `[N] + sampleShape`, row-major float32.
public struct LabeledBatch: Sendable, Equatable {
    public var inputs: [Float]
    public var shape: [Int]
    public var labels: [Int]

    public init(inputs: [Float], shape: [Int], labels: [Int]) {
        precondition(inputs.count == shape.reduce(1, *) && shape.first == labels.count, "batch \(shape) with \(inputs.count) values and \(labels.count) labels")
        self.inputs = inputs; self.shape = shape; self.labels = labels
    }
}

/// Yields the batches of one pass over a split, one at a time.
public protocol BatchIterator {
    /// The next batch, or nil at the end of the pass; throws when the data cannot be read.
    mutating func next() throws -> LabeledBatch?
}

/// Where the trainer's data comes from (the dataset cache, or memory in tests): per split, a number of
/// samples and an order of batches for each epoch.
///
/// The training split's order (and any over- or undersampling plan of indices) is the source's business:
/// it must be a function of `seed` and `epoch` alone, so runs are reproducible. Validation and test
/// splits come in a fixed order.
public protocol BatchSource: Sendable {
    /// Shape of one sample, e.g. `[1, 28, 28]`.
    var sampleShape: [Int] { get }
    /// Class names, index = label.
    var classNames: [String] { get }
    /// Samples in one pass over `split` (after any resampling plan).
    func sampleCount(_ split: DataSplit) -> Int
    /// The batches of one pass over `split` for `epoch`: shuffled from `seed` and `epoch` for training.
    func batches(_ split: DataSplit, batchSize: Int, epoch: Int, seed: UInt64) throws -> any BatchIterator
}
