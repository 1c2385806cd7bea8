import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeData
import MedPipeStages

/// A converted dataset as the trainer sees it: the cache's splits with the fitted stages applied,
/// in channels-first layout, with the cache's rebalancing plan (or another one).
public struct CacheDataset: Sendable {
    /// How the training split is rebalanced when training.
    public enum Balance: String, Sendable, CaseIterable {
        /// Whatever `convert` planned (the recipe's `balance`).
        case recipe
        case none, oversample, undersample
        case classWeights = "class-weights"
        /// Synthetic minority rows interpolated between neighbours (tables only), made in memory when
        /// training: the cache holds only real rows.
        case smote
    }

    public let cache: DatasetCache
    /// Labels in sorted order; a label's index is its class number.
    public let classNames: [String]
    /// Channels-first shape of one sample.
    public private(set) var sampleShape: [Int]
    /// The sampling frequency (Hz) of the cache's signals (its first entry's), nil for other samples.
    public let sampleFrequency: Double?
    /// What a value of the cache's signals stands for (its first entry's units and ADC scale), nil for dimensionless ones.
    public let sampleScale: SignalScale?
    /// The trailing channels of a sample that hold a beat's RR features (metadata `rr_channels`), not
    /// a waveform: augmentation leaves them alone.
    public let rhythmChannels: Int
    public let recipeHash: String
    /// How a CSV table's rows became the cache's entries (meta `table`), nil for other samples (and in caches written
    /// before it was kept).
    public let table: TableInput?
    private let pipeline: StagePipeline
    private var fitted: FittedPipeline
    private let fitBoundary: Int

    /// Opens a cache written by `convert`, whose stages can apply its fitted statistics (``FittedPipeline/problem(for:)``).
    public init(directory: String) throws {
        cache = try DatasetCache(directory: directory)
        guard let pipelineText = try cache.meta("pipeline"), let fittedText = try cache.meta("fitted") else {
            throw MedPipeError.malformed(directory, "the cache has no finished convert run (no pipeline or fitted statistics); run `medpipe convert` again")
        }
        pipeline = try JSONCoding.decode(StagePipeline.self, from: pipelineText, subject: directory, "the cache's stages (meta 'pipeline')")
        fitted = try JSONCoding.decode(FittedPipeline.self, from: fittedText, subject: directory, "the cache's fitted statistics (meta 'fitted')")
        try fitted.requireApplicable(by: pipeline, subject: directory, place: "meta 'fitted'")
        // Caches written before the boundary was stored apply every stage when reading; a damaged one is not guessed.
        let stageCount = pipeline.stages.count
        if let text = try cache.meta("fit_boundary") {
            guard let value = Int(text), (0...stageCount).contains(value) else {
                throw MedPipeError.malformed(directory, "meta 'fit_boundary' is not a stage index from 0 to \(stageCount): '\(text)'")
            }
            fitBoundary = value
        } else {
            fitBoundary = stageCount
        }
        recipeHash = try cache.meta("recipe_hash") ?? ""
        if let text = try cache.meta("table"), !text.isEmpty {
            table = try JSONCoding.decode(TableInput.self, from: text, subject: directory, "the cache's table input (meta 'table')")
        } else {
            table = nil
        }
        // Counted and listed by SQLite: each command reads the entries of the splits it uses, once.
        guard let first = try cache.firstEntry() else { throw MedPipeError.malformed(directory, "the cache holds no entries") }
        try cache.requireFinishedConvert()
        classNames = Self.classOrder(try cache.labels())
        sampleShape = try Self.arrange(first, cache: cache, pipeline: pipeline, fitted: fitted, from: fitBoundary).shape
        if case .temporal(let frequency)? = first.geometry { sampleFrequency = frequency } else { sampleFrequency = nil }
        sampleScale = SignalScale(metadata: first.metadata)
        if case .int(let count)? = first.metadata[BeatSegmentation.rrChannelsKey] {
            guard sampleShape.count == 2, (0..<sampleShape[0]).contains(count) else {
                throw MedPipeError.malformed(directory, "entry \(first.id) names \(count) RR channels in samples of shape \(sampleShape)")
            }
            rhythmChannels = count
        } else {
            rhythmChannels = 0
        }
    }

    /// Class names in the order classes are numbered: numbers in numeric order, then the rest in text order.
    public static func classOrder(_ labels: Set<String>) -> [String] {
        labels.sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
    }

    /// The cache's stages and fitted statistics: what a checkpoint trained on it carries.
    public var preprocessing: Preprocessing { Preprocessing(pipeline: pipeline, fitted: fitted, frequency: sampleFrequency, scale: sampleScale, table: table) }

    /// The values of one entry as the network takes them, with the fitted stages applied. Read with `pread`, as the
    /// streaming source reads: `gradcam` and `report` read a whole split this way, one entry at a time, and through
    /// the shard's mapping every page read stayed in the process's resident memory, a split's worth at the end.
    public func input(_ entry: CacheEntry) throws -> [Float] {
        try Self.arrange(entry, cache: cache, pipeline: pipeline, fitted: fitted, from: fitBoundary, streamed: true).values
    }

    /// One entry with the fitted stages applied, in the cache's own layout (not channels-first):
    /// what `export --fitted` writes. Read with `pread`, as ``input(_:)`` is.
    public func fittedSample(_ entry: CacheEntry) throws -> Sample {
        try Self.fitted(entry, cache: cache, pipeline: pipeline, fitted: fitted, from: fitBoundary, streamed: true)
    }

    /// Class weights for the loss when the balance is class weights (from the cache's plan or computed):
    /// scikit-learn's balanced weights raised to `power` (1: balanced; 0.5: their square roots, a milder
    /// correction that costs the majority class less; 0: no weighting).
    public func classWeights(_ balance: Balance, power: Double = 1) throws -> [Float]? {
        guard try resolved(balance) == .classWeights else { return nil }
        let labels = try cache.entries(split: "train").compactMap(\.label)
        let weights = ClassWeights.balanced(labels: labels)
        return classNames.map { Float(pow(weights[$0] ?? 1, power)) }
    }

    /// The `augment:` section of the recipe that made the cache, if it has one.
    public func recipeAugmentation() throws -> Augmentation? {
        try AugmentSpec.of(recipeText: try cache.meta("recipe") ?? "", file: "\(cache.directory) (its recipe)")
    }

    /// The splits `only` (every split by default) in memory, read through the cache's memory-mapped shards on
    /// `workers` threads, with the training plan; with `augmentation`, training batches are transformed as they are
    /// made (seeded by `seed`, the epoch and each sample's position in it). A split left out has no samples in the source.
    public func batchSource(balance: Balance = .recipe, seed: UInt64 = 0, augmentation: Augmentation? = nil,
                            only: Set<DataSplit> = Set(DataSplit.allCases), workers: Int = 1) throws -> InMemoryBatchSource {
        var splits: [DataSplit: InMemoryBatchSource.Split] = [:]
        for (split, name) in Self.splitNames where only.contains(split) {
            let entries = try cache.entries(split: name)
            guard !entries.isEmpty else { continue }
            var inputs = try inputs(of: entries, workers: workers)
            var labels = try entries.map(classIndex)
            if split == .train, try resolved(balance) == .smote {
                (inputs, labels) = try synthesize(inputs: inputs, labels: labels, seed: seed)
                splits[split] = InMemoryBatchSource.Split(inputs: inputs, labels: labels)
                continue
            }
            let plan = split == .train ? try trainPlan(entries: entries, balance: balance, seed: seed) : nil
            splits[split] = InMemoryBatchSource.Split(inputs: inputs, labels: labels, plan: plan)
        }
        return try InMemoryBatchSource(sampleShape: sampleShape, classNames: classNames, splits: splits,
                                       augment: try augmenter(augmentation, seed: seed))
    }

    /// The entries of `split` in the cache (before any rebalancing of the training split).
    public func entryCount(_ split: DataSplit) throws -> Int {
        try cache.entryCount(split: Self.name(of: split))
    }

    /// Fails when the training split is empty (a cache converted with `split: { all: test }`), naming what the
    /// other splits hold: nothing can be trained on it, nor an epoch's order given.
    public func requireTrainingSamples() throws {
        guard try entryCount(.train) == 0 else { return }
        let held = try cache.splitCounts().dropFirst().map { "\($0.split) \($0.count)" }.joined(separator: ", ")
        throw MedPipeError.invalidArgument(cache.directory, "has no training samples (\(held)): a recipe's `split: { all: test }` makes a cache to evaluate or predict on; train on one whose split has a train ratio")
    }

    /// Bytes that ``batchSource(balance:seed:augmentation:only:)`` holds: every sample of the splits `only` as float32.
    public func inMemoryBytes(only: Set<DataSplit> = Set(DataSplit.allCases)) throws -> Int {
        let samples = try only.reduce(0) { $0 + (try entryCount($1)) }
        return try CheckedSize.product([samples, sampleShape.reduce(1, *), MemoryLayout<Float>.size], source: cache.directory, "samples × values × 4")
    }

    /// The splits streamed from the cache's shards: each batch's samples read (with `pread`, so the shards
    /// never become resident memory) and run through the fitted stages when the batch is made, on a worker
    /// thread, with at most `memoryBudget` bytes of batches in flight. The batches, hence the trained model,
    /// are those of ``batchSource(balance:seed:augmentation:only:)``.
    /// - Throws: `.invalidArgument` for SMOTE, whose synthetic rows exist only in memory.
    public func streamingBatchSource(balance: Balance = .recipe, seed: UInt64 = 0, augmentation: Augmentation? = nil,
                                     memoryBudget: Int) throws -> StreamingBatchSource {
        guard try resolved(balance) != .smote else {
            throw MedPipeError.invalidArgument(cache.directory, "SMOTE makes its synthetic rows in memory, so it cannot stream: raise the memory budget above the splits' size, or use oversample")
        }
        var splits: [DataSplit: StreamingBatchSource.Split] = [:]
        var entries: [DataSplit: [CacheEntry]] = [:]
        for (split, name) in Self.splitNames {
            let list = try cache.entries(split: name)
            guard !list.isEmpty else { continue }
            entries[split] = list
            splits[split] = .init(labels: try list.map(classIndex), plan: split == .train ? try trainPlan(entries: list, balance: balance, seed: seed) : nil)
        }
        let dataset = self, all = entries
        return try StreamingBatchSource(sampleShape: sampleShape, classNames: classNames, splits: splits, memoryBudget: memoryBudget,
                                        augment: try augmenter(augmentation, seed: seed)) { split, index, values in
            let sample = try dataset.sampleValues(all[split]![index], streamed: true)
            _ = values.update(fromContentsOf: sample)
        }
    }

    /// The splits streamed for inference in batches of `batchSize` (`medpipe evaluate`): the batches of
    /// ``batchSource(balance:seed:augmentation:only:)`` with `.none`, at most three of them in memory (the one the model
    /// runs, the one being read, one read ahead), where the in-memory source held every split, whichever was evaluated.
    public func inferenceSource(batchSize: Int) throws -> StreamingBatchSource {
        let budget = try CheckedSize.product([3, batchSize, sampleShape.reduce(1, *), MemoryLayout<Float>.size],
                                             source: cache.directory, "3 batches × samples × values × 4")
        return try streamingBatchSource(balance: .none, memoryBudget: budget)
    }

    /// The training entries that epoch `epoch` (from 0) of `medpipe train --seed seed --balance balance`
    /// visits, in order, as entry ids (repeats for oversampling).
    public func trainingOrder(balance: Balance = .recipe, seed: UInt64 = 0, epoch: Int) throws -> [Int64] {
        guard try resolved(balance) != .smote else {
            throw MedPipeError.invalidArgument(cache.directory, "SMOTE's synthetic rows have no cache entries, so its training order has no entry ids")
        }
        let entries = try cache.entries(split: "train")
        let pass = try trainPlan(entries: entries, balance: balance, seed: seed) ?? Array(entries.indices)
        return EpochOrder.shuffled(pass, seed: seed, epoch: epoch).map { entries[$0].id }
    }

    /// The cache's split names for the trainer's splits.
    private static let splitNames: [(split: DataSplit, name: String)] = [(.train, "train"), (.validation, "val"), (.test, "test")]

    /// The trainer's split for a cache's split name (`train`, `val`, `test`); nil for another name.
    public static func split(named name: String) -> DataSplit? {
        splitNames.first { $0.name == name }?.split
    }

    /// The cache's name of the trainer's `split`.
    public static func name(of split: DataSplit) -> String {
        splitNames.first { $0.split == split }!.name
    }

    /// One entry's input values, checked to have the first entry's shape; `streamed` reads the shard with
    /// `pread` instead of through its mapping.
    private func sampleValues(_ entry: CacheEntry, streamed: Bool) throws -> [Float] {
        let values = try Self.arrange(entry, cache: cache, pipeline: pipeline, fitted: fitted, from: fitBoundary, streamed: streamed).values
        guard values.count == sampleShape.reduce(1, *) else {
            throw MedPipeError.malformed(cache.directory, "entry \(entry.id) has \(values.count) values, the first had \(sampleShape.reduce(1, *)): stages must give every sample one shape (add resize or crop-or-pad)")
        }
        return values
    }

    /// The input values of `entries`, one sample after another, each read and run through the fitted stages by one of
    /// `workers` threads (a contiguous run of entries each). Fails with the error of the first entry that fails.
    private func inputs(of entries: [CacheEntry], workers: Int) throws -> [Float] {
        let width = sampleShape.reduce(1, *)
        let total = try CheckedSize.product([entries.count, width, MemoryLayout<Float>.size], source: cache.directory, "samples × values × 4")
            / MemoryLayout<Float>.size
        let parts = max(1, min(workers, entries.count))
        let outcomes = ConcurrentResults<Void>(count: parts)
        return try [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            let start = buffer.baseAddress
            concurrentForEach(parts) { part in
                outcomes.set(part, Result {
                    for i in Parallel.range(part, of: parts, covering: entries.count) {
                        let values = try sampleValues(entries[i], streamed: false)
                        values.withUnsafeBufferPointer { (start! + i * width).initialize(from: $0.baseAddress!, count: width) }
                    }
                })
            }
            _ = try outcomes.values()
            initialized = total
        }
    }

    /// The training-batch transform of `augmentation`, checked against the sample shape. It changes the
    /// waveform channels only (a beat's leads and template, with one draw), never the RR channels: an RR
    /// ratio scaled or shifted like a voltage would be a wrong sample.
    private func augmenter(_ augmentation: Augmentation?, seed: UInt64) throws -> SampleAugmenter? {
        guard let augmentation else { return nil }
        var waveformShape = sampleShape
        if rhythmChannels > 0 { waveformShape[0] -= rhythmChannels }
        let shape = waveformShape
        try augmentation.validate(for: shape, subject: "\(cache.directory): augment")
        let waveform = shape.reduce(1, *)
        return { sample, epoch, position in
            augmentation.apply(UnsafeMutableBufferPointer(rebasing: sample[0..<waveform]), shape: shape, seed: seed, epoch: epoch, position: position)
        }
    }

    /// The balance in force: the recipe's when `.recipe`.
    private func resolved(_ balance: Balance) throws -> Balance {
        balance == .recipe ? Balance(rawValue: try cache.meta("balance") ?? "none") ?? Balance.none : balance
    }

    /// The training rows plus SMOTE's synthetic minority rows (k = 5), for table samples only.
    private func synthesize(inputs: [Float], labels: [Int], seed: UInt64) throws -> ([Float], [Int]) {
        guard sampleShape.count == 1 else {
            throw MedPipeError.invalidArgument(cache.directory, "SMOTE interpolates table rows; these samples are \(sampleShape): use oversample")
        }
        let width = sampleShape[0]
        let rows = (0..<labels.count).map { r in (0..<width).map { Double(inputs[r * width + $0]) } }
        let result = try SMOTE(seed: seed).resample(rows: rows, labels: labels.map(String.init))
        return (inputs + result.rows.flatMap { $0.map(Float.init) }, labels + result.labels.map { Int($0)! })
    }

    private func classIndex(_ entry: CacheEntry) throws -> Int {
        guard let label = entry.label, let index = classNames.firstIndex(of: label) else {
            throw MedPipeError.malformed(cache.directory, "entry \(entry.id) has no label")
        }
        return index
    }

    /// Positions into the training entries for one epoch (repeats for oversampling), or nil for all once.
    private func trainPlan(entries: [CacheEntry], balance: Balance, seed: UInt64) throws -> [Int]? {
        let labels = entries.map { $0.label ?? "" }
        switch balance {
        case .recipe:
            let ids = try cache.plan(split: "train")
            guard !ids.isEmpty else { return nil }
            let position = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.id, $0) })
            return try ids.map { id in
                guard let p = position[id] else { throw MedPipeError.malformed(cache.directory, "the training plan names entry \(id), which is not in the training split") }
                return p
            }
        case .none, .classWeights, .smote: return nil
        case .oversample: return RandomOversampling(seed: seed).plan(labels: labels).indices
        case .undersample: return RandomUndersampling(seed: seed).plan(labels: labels).indices
        }
    }

    private static func arrange(_ entry: CacheEntry, cache: DatasetCache, pipeline: StagePipeline, fitted: FittedPipeline,
                                from boundary: Int, streamed: Bool = false) throws -> (shape: [Int], values: [Float]) {
        let sample = try Self.fitted(entry, cache: cache, pipeline: pipeline, fitted: fitted, from: boundary, streamed: streamed)
        return ModelInputLayout.arrange(sample.tensor, geometry: sample.geometry)
    }

    private static func fitted(_ entry: CacheEntry, cache: DatasetCache, pipeline: StagePipeline, fitted: FittedPipeline,
                               from boundary: Int, streamed: Bool = false) throws -> Sample {
        let tensor = streamed ? try cache.readTensor(for: entry) : try cache.tensor(for: entry)
        let sample = Sample(tensor: tensor, geometry: entry.geometry, label: entry.label, group: entry.group,
                            source: SourceReference(record: entry.source, part: nil, index: entry.item), metadata: entry.metadata)
        guard boundary < pipeline.stages.count else { return sample }
        let output = try pipeline.run(sample, from: boundary, fitted: fitted)
        guard output.samples.count == 1 else {
            throw MedPipeError.invalidArgument(cache.directory, "stages after the first fitted one must keep one sample per entry")
        }
        return output.samples[0]
    }
}

/// A cache read as a model takes its samples (``CacheDataset/prepared(for:inputShape:preparation:judgedOn:)``).
public struct ModelInputs {
    /// The cache with the model's own fitted statistics where the cache's differ: its samples as the model's
    /// preprocessing prepares them.
    public var dataset: CacheDataset
    /// Whether the model's fitted statistics were applied in place of the cache's, which differ from them.
    public var usesModelStatistics: Bool

    /// What a command says when the model's own statistics were applied to the samples of `cache`, which the model was
    /// `use` with ("judged", "explained").
    public static func statisticsNote(_ use: String, cache: String) -> String {
        "\(use) with the statistics fitted on its own training split, which those of \(cache) differ from (the cache was converted again, over other training patients, or is another cache of the same stages): its samples prepared as `convert --fit-from` the model's training cache would prepare them"
    }
}

extension CacheDataset {
    /// This cache as a model (the file at `model`, taking inputs of `inputShape`, its metadata `preparation` holding
    /// its training cache's stages and fitted statistics) takes its samples: read with the model's own fitted
    /// statistics where the cache's differ and the stages are the same, which is what `convert --fit-from` the
    /// model's training cache would have stored (the cache converted again over more patients fits its statistics
    /// again, on a training split the model never saw, and the model is judged on the new patients all the same).
    /// When `modelClasses` is given the model is to be judged on the samples, and the cache must hold labels of those
    /// classes.
    /// - Throws: ``MedPipeError`` naming the cache when it holds no labels to judge the model by; naming `model` when
    ///   the classes or the samples' shape differ, the cache was prepared by other stages
    ///   (``Preprocessing/requireSame(in:asModel:metadata:)``) or the model's preprocessing metadata is damaged;
    ///   naming the cache when its first entry cannot be prepared with the model's statistics.
    public func prepared(for model: String, inputShape: [Int], preparation: [String: String], judgedOn modelClasses: [String]? = nil) throws -> ModelInputs {
        let adjusted = try withStatistics(of: model, preparation: preparation)
        let dataset = adjusted ?? self
        if let modelClasses {
            guard !dataset.classNames.isEmpty else {
                throw MedPipeError.invalidArgument(cache.directory, "holds no labelled sample, so \(model) has nothing to be judged against: `medpipe predict --model \(model)` on the raw inputs gives its predictions")
            }
            guard dataset.classNames == modelClasses, dataset.sampleShape == inputShape else {
                throw MedPipeError.invalidArgument(model, "was trained on classes \(modelClasses) with input \(inputShape); the cache has \(dataset.classNames) with input \(dataset.sampleShape)")
            }
        }
        guard dataset.sampleShape == inputShape else {
            throw MedPipeError.invalidArgument(model, "takes input \(inputShape); the cache's samples are \(dataset.sampleShape)")
        }
        try Preprocessing.requireSame(in: dataset, asModel: model, metadata: preparation)
        return ModelInputs(dataset: dataset, usesModelStatistics: adjusted != nil)
    }

    /// The cache read with the fitted statistics a model carries, where they differ from the cache's and the model was
    /// trained on inputs prepared by the same stages. Nil when the model carries no preprocessing or other stages
    /// (which ``prepared(for:inputShape:preparation:judgedOn:)`` then refuses), or the cache's own statistics.
    private func withStatistics(of model: String, preparation: [String: String]) throws -> CacheDataset? {
        guard let trained = try Preprocessing(metadata: preparation, subject: model),
              trained.pipeline.withPeaks(from: .annotations) == pipeline.withPeaks(from: .annotations),
              try !Preprocessing.sameStatistics(trained.fitted, fitted) else { return nil }
        var copy = self
        copy.fitted = trained.fitted
        // A fitted one-hot stage's categories make the samples' size.
        guard let first = try cache.firstEntry() else { throw MedPipeError.malformed(cache.directory, "the cache holds no entries") }
        copy.sampleShape = try Self.arrange(first, cache: cache, pipeline: pipeline, fitted: copy.fitted, from: fitBoundary).shape
        return copy
    }
}
