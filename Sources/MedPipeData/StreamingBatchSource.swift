import MedPipeCore

/// A `BatchSource` that reads a batch's samples only when the batch is made, on a worker thread that
/// keeps a few batches ready: memory holds the batches in flight, not the splits.
///
/// Its batches are `InMemoryBatchSource`'s for the same samples, plan, seed and epoch (both follow
/// ``EpochOrder``), so a model trained on either is the same.
public struct StreamingBatchSource: BatchSource {
    /// Fills `values` (one sample's worth) with sample `index` of `split`; called on the worker thread.
    public typealias SampleReader = @Sendable (_ split: DataSplit, _ index: Int, _ values: UnsafeMutableBufferPointer<Float>) throws -> Void

    /// One split: a label per sample, and an optional order of sample indices for one pass (repeats
    /// oversample, omissions undersample).
    public struct Split: Sendable {
        public var labels: [Int]
        public var plan: [Int]?

        public init(labels: [Int], plan: [Int]? = nil) { self.labels = labels; self.plan = plan }
    }

    /// The most batches made ahead of the trainer, however large the budget.
    public static let maximumPrefetch = 4

    public let sampleShape: [Int]
    public let classNames: [String]
    /// Bytes the batches in flight may take: the one the trainer holds, the one being made and those queued.
    public let memoryBudget: Int
    private let splits: [DataSplit: Split]
    private let read: SampleReader
    /// Applied to every training sample as its batch is made.
    private let augment: SampleAugmenter?

    /// Checks every split's labels and plan.
    public init(sampleShape: [Int], classNames: [String], splits: [DataSplit: Split], memoryBudget: Int,
                augment: SampleAugmenter? = nil, read: @escaping SampleReader) throws {
        for (name, s) in splits { try BatchAssembly.check(name, labels: s.labels, plan: s.plan, classes: classNames.count) }
        self.sampleShape = sampleShape; self.classNames = classNames; self.splits = splits
        self.memoryBudget = memoryBudget; self.augment = augment; self.read = read
    }

    public func sampleCount(_ split: DataSplit) -> Int {
        guard let s = splits[split] else { return 0 }
        return s.plan?.count ?? s.labels.count
    }

    /// How many batches of `batchSize` samples are made ahead of the trainer within the budget (at most
    /// ``maximumPrefetch``).
    /// - Throws: `.invalidArgument` when the budget does not hold three batches (held, being made, one queued).
    public func prefetchDepth(batchSize: Int) throws -> Int {
        let bytes = try CheckedSize.product([batchSize, sampleShape.reduce(1, *), MemoryLayout<Float>.size], source: "memory budget", "batch bytes")
        let inFlight = bytes > 0 ? memoryBudget / bytes : Int.max
        guard inFlight >= 3 else {
            throw MedPipeError.invalidArgument("memory budget", "\(memoryBudget) bytes hold fewer than 3 batches of \(batchSize) samples of \(sampleShape) (\(bytes) bytes each): raise the budget or lower the batch size")
        }
        return min(inFlight - 2, Self.maximumPrefetch)
    }

    public func batches(_ split: DataSplit, batchSize: Int, epoch: Int, seed: UInt64) throws -> any BatchIterator {
        guard batchSize > 0 else { throw MedPipeError.invalidArgument("batch size", "must be positive, got \(batchSize)") }
        let depth = try prefetchDepth(batchSize: batchSize)
        let s = splits[split] ?? Split(labels: [])
        let order = EpochOrder.pass(split, count: s.labels.count, plan: s.plan, seed: seed, epoch: epoch)
        let size = sampleShape.reduce(1, *), shape = sampleShape, read = read
        let augment = split == .train ? augment : nil
        return try PrefetchingIterator(depth: depth) { number in
            let first = number * batchSize
            guard first < order.count else { return nil }
            let indices = order[first..<min(first + batchSize, order.count)]
            var inputs = [Float](repeating: 0, count: indices.count * size)
            try inputs.withUnsafeMutableBufferPointer { all in
                for (k, index) in indices.enumerated() {
                    try read(split, index, UnsafeMutableBufferPointer(rebasing: all[(k * size)..<((k + 1) * size)]))
                }
            }
            if let augment { BatchAssembly.augment(&inputs, sampleSize: size, with: augment, epoch: epoch, first: first) }
            return LabeledBatch(inputs: inputs, shape: [indices.count] + shape, labels: indices.map { s.labels[$0] })
        }
    }
}
