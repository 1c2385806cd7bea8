import MedPipeCore

/// A `BatchSource` over arrays in memory, for tests and small tables.
public struct InMemoryBatchSource: BatchSource {
    /// Changes one training sample in place (data augmentation).
    public typealias Augmenter = SampleAugmenter

    /// The samples of one split: `inputs` holds `labels.count` samples back to back.
    public struct Split: Sendable {
        public var inputs: [Float]
        public var labels: [Int]
        /// Optional order of sample indices for one pass (repeats oversample, omissions undersample).
        public var plan: [Int]?

        public init(inputs: [Float], labels: [Int], plan: [Int]? = nil) {
            self.inputs = inputs; self.labels = labels; self.plan = plan
        }
    }

    public let sampleShape: [Int]
    public let classNames: [String]
    private let splits: [DataSplit: Split]
    /// Applied to every training sample as its batch is made, on the layers' worker threads (`--threads`).
    private let augment: Augmenter?

    /// Checks every split's sizes and labels.
    public init(sampleShape: [Int], classNames: [String], splits: [DataSplit: Split], augment: Augmenter? = nil) throws {
        let size = sampleShape.reduce(1, *)
        for (name, s) in splits {
            guard s.inputs.count == s.labels.count * size else {
                throw MedPipeError.invalidArgument("\(name.rawValue) split", "\(s.inputs.count) values for \(s.labels.count) samples of shape \(sampleShape)")
            }
            try BatchAssembly.check(name, labels: s.labels, plan: s.plan, classes: classNames.count)
        }
        self.sampleShape = sampleShape; self.classNames = classNames; self.splits = splits; self.augment = augment
    }

    public func sampleCount(_ split: DataSplit) -> Int {
        guard let s = splits[split] else { return 0 }
        return s.plan?.count ?? s.labels.count
    }

    public func batches(_ split: DataSplit, batchSize: Int, epoch: Int, seed: UInt64) throws -> any BatchIterator {
        guard batchSize > 0 else { throw MedPipeError.invalidArgument("batch size", "must be positive, got \(batchSize)") }
        let s = splits[split] ?? Split(inputs: [], labels: [])
        let order = EpochOrder.pass(split, count: s.labels.count, plan: s.plan, seed: seed, epoch: epoch)
        return Iterator(split: s, order: order, sampleSize: sampleShape.reduce(1, *), sampleShape: sampleShape, batchSize: batchSize,
                        augment: split == .train ? augment : nil, epoch: epoch)
    }

    struct Iterator: BatchIterator {
        let split: Split, order: [Int], sampleSize: Int, sampleShape: [Int], batchSize: Int
        let augment: Augmenter?, epoch: Int
        var position = 0

        mutating func next() throws -> LabeledBatch? {
            guard position < order.count else { return nil }
            let first = position
            let indices = order[position..<min(position + batchSize, order.count)]
            position += indices.count
            var inputs = [Float]()
            inputs.reserveCapacity(indices.count * sampleSize)
            for i in indices { inputs += split.inputs[(i * sampleSize)..<((i + 1) * sampleSize)] }
            if let augment { BatchAssembly.augment(&inputs, sampleSize: sampleSize, with: augment, epoch: epoch, first: first) }
            return LabeledBatch(inputs: inputs, shape: [indices.count] + sampleShape, labels: indices.map { split.labels[$0] })
        }
    }
}
