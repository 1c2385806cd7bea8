import Foundation
import MedPipeCore
import MedPipeData
import MedPipeMPI

/// How to train: epochs, batch size, optimizer, schedule, loss weighting, early stopping, threads.
public struct TrainingConfiguration: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64
    public var optimizer: any Optimizer
    public var schedule: LearningRateSchedule
    /// Class weights for the loss (the rebalancing plan's `class_weights`, or none).
    public var classWeights: [Float]?
    /// Stop after this many epochs without a better validation score (nil: never stop early).
    public var patience: Int?
    /// The validation score that selects the best model.
    public var monitor: Monitor
    /// Threads for the GEMMs and the per-sample loops of the layers.
    public var threads: Int

    /// What "better" means when choosing the kept model.
    public enum Monitor: String, Sendable, Codable, CaseIterable {
        /// Lower validation loss.
        case validationLoss = "val_loss"
        /// Higher validation balanced accuracy.
        case validationBalancedAccuracy = "val_balanced_accuracy"
        /// Higher validation mean sensitivity over the heartbeat classes N, S and V
        /// (``ClassificationReport/aamiMeanSensitivity``): the data's classes must include them.
        case validationAAMIMeanSensitivity = "val_aami_mean_se"
    }

    public init(epochs: Int, batchSize: Int = 64, seed: UInt64 = 0, optimizer: any Optimizer = Adam(),
                schedule: LearningRateSchedule = .constant, classWeights: [Float]? = nil, patience: Int? = nil,
                monitor: Monitor = .validationLoss, threads: Int = 1) {
        self.epochs = epochs; self.batchSize = batchSize; self.seed = seed; self.optimizer = optimizer
        self.schedule = schedule; self.classWeights = classWeights; self.patience = patience
        self.monitor = monitor; self.threads = threads
    }
}

/// One line of the training log.
public struct EpochMetrics: Sendable, Codable, Equatable {
    public var epoch: Int
    public var learningRate: Double
    public var loss: Double
    public var accuracy: Double
    public var balancedAccuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var valBalancedAccuracy: Double?
    public var valROCAUC: Double?
    /// Training samples per second (forward, backward and update; data loading included).
    public var samplesPerSecond: Double
    public var seconds: Double
    /// Whether this epoch's model became the kept best.
    public var best: Bool

    enum CodingKeys: String, CodingKey {
        case epoch, loss, accuracy, seconds, best
        case learningRate = "lr", balancedAccuracy = "balanced_accuracy"
        case valLoss = "val_loss", valAccuracy = "val_accuracy", valBalancedAccuracy = "val_balanced_accuracy", valROCAUC = "val_roc_auc"
        case samplesPerSecond = "samples_per_second"
    }

    /// The metrics as one JSON line (no trailing newline), keys sorted; a loss that is not finite (the epoch a training
    /// diverged at) as the string `"nan"` or `"inf"` (``JSONCoding``), where the line was left empty.
    public var jsonLine: String {
        let encoder = JSONCoding.encoder()
        encoder.outputFormatting.insert(.withoutEscapingSlashes)
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The checkpoint metadata key of ``curveDigest(_:)``: the training curve of the run that wrote the model.
    public static let curveMetadataKey = "training_curve"

    /// The SHA-256 (hex) of the values of `epochs` that do not depend on timing (all but seconds and samples per
    /// second), one ``jsonLine`` each, as `--metrics` writes them and as they read back: the same training gives the
    /// same digest. A model carries its training's, by which `report` finds the model's epochs in a metrics file that
    /// other trainings appended to, and refuses one that holds none of them.
    public static func curveDigest(_ epochs: some Sequence<EpochMetrics>) -> String {
        let lines = epochs.map { epoch in
            var timeless = epoch
            timeless.seconds = 0
            timeless.samplesPerSecond = 0
            return timeless.jsonLine
        }
        return SHA256.hex(SHA256.hash(Array(lines.joined(separator: "\n").utf8)))
    }
}

/// What training produced.
public struct TrainingResult: Sendable {
    /// The model of the best epoch (a copy that later epochs did not touch), caches released.
    public var best: Sequential
    /// The model after the last epoch run.
    public var last: Sequential
    public var bestEpoch: Int
    public var history: [EpochMetrics]
    /// True when early stopping ended the run.
    public var stoppedEarly: Bool
    /// The epoch whose training loss was not finite (NaN or infinite: training diverged), which ended the run
    /// without being kept or validated; nil when every epoch ran.
    public var divergedAt: Int? = nil
    /// The epoch an interruption stopped (``Interruption/isStopRequested``), neither kept nor validated; nil when none did.
    public var interruptedAt: Int? = nil
}

/// Mini-batch training over a `BatchSource` with validation each epoch, early stopping and best-model keeping.
public struct Trainer {
    public var configuration: TrainingConfiguration
    /// Called after each training batch with (epoch, samples done, samples in the epoch), e.g. for a progress bar.
    public var onBatch: ((Int, Int, Int) -> Void)?
    /// Called after each epoch (e.g. to append `jsonLine` to a log).
    public var onEpoch: ((EpochMetrics) -> Void)?
    /// The ranks of an MPI job to train on data-parallel (see `DataParallel`), or nil for one process.
    /// Every rank must call `train` with the same model, source and configuration.
    public var group: ProcessGroup?

    public init(_ configuration: TrainingConfiguration) { self.configuration = configuration }

    /// Trains `model` on `source`'s training split, validating on its validation split when it has one.
    public func train(_ model: Sequential, on source: some BatchSource) throws -> TrainingResult {
        let c = configuration
        guard c.epochs > 0, c.batchSize > 0 else { throw MedPipeError.invalidArgument("training", "epochs and batch size must be positive") }
        let out = try model.outputShape(for: source.sampleShape)
        guard out == [source.classNames.count] else {
            throw MedPipeError.invalidArgument("model", "gives outputs \(out) for samples \(source.sampleShape), but the data has \(source.classNames.count) classes")
        }
        guard source.sampleCount(.train) > 0 else { throw MedPipeError.invalidArgument("training", "the training split is empty") }
        if c.monitor == .validationAAMIMeanSensitivity, !Set(ClassificationReport.aamiMeanSensitivityClasses).isSubset(of: source.classNames) {
            throw MedPipeError.invalidArgument("training", "monitor '\(c.monitor.rawValue)' needs the heartbeat classes N, S and V; the data has \(source.classNames.joined(separator: ", "))")
        }
        BLAS.setThreads(c.threads)
        var model = model
        var optimizer = c.optimizer
        let loss = CrossEntropyLoss(classWeights: c.classWeights)
        let baseRate = optimizer.learningRate
        let hasValidation = source.sampleCount(.validation) > 0
        let trainCount = source.sampleCount(.train)
        let parallel = DataParallel(group)
        try parallel?.broadcastState(&model)
        var best = model, bestEpoch = -1, bestScore = -Double.infinity, sinceBest = 0
        var history: [EpochMetrics] = []
        var stoppedEarly = false
        var divergedAt: Int?, interruptedAt: Int?

        for epoch in 0..<c.epochs {
            optimizer.learningRate = c.schedule.rate(base: baseRate, epoch: epoch)
            let start = Date()
            // Every epoch passes over the same values (augmentation keeps finite values finite): checked in the first.
            var batches = try source.batches(.train, batchSize: c.batchSize, epoch: epoch, seed: c.seed)
            if epoch == 0 { batches = FiniteInputBatches(batches, of: .train) }
            var lossSum = 0.0, seen = 0, done = 0
            var labels: [Int] = [], predictions: [Int] = []
            while let global = try batches.next() {
                // Stopped between batches when an interruption asks (one process only: the ranks of a job end together).
                if group == nil, Interruption.isStopRequested { interruptedAt = epoch; break }
                done += global.labels.count
                // A one-sample batch gives no batch statistics (PyTorch raises); skip it.
                if global.labels.count < 2 && trainCount > 1 { continue }
                var batch = global
                if let parallel { batch = parallel.prepare(&model, for: global) }
                var l: Float = 0
                if !batch.labels.isEmpty {
                    let logits = model.forward(batch.activation, training: true)
                    let step = loss(logits, labels: batch.labels)
                    model.backward(step.gradient)
                    l = step.loss
                    predictions += argmaxRows(logits)
                }
                if let parallel {
                    l = parallel.step(&model, optimizer: &optimizer, localLoss: l, labels: global.labels, loss: loss)
                } else {
                    optimizer.step(&model)
                }
                lossSum += Double(l) * Double(global.labels.count)
                seen += global.labels.count
                labels += batch.labels
                onBatch?(epoch, done, trainCount)
            }
            if interruptedAt != nil { break }
            if let parallel {
                labels = parallel.gather(labels); predictions = parallel.gather(predictions)
                lossSum = parallel.rankZeros(lossSum)
                try parallel.broadcastState(&model)
            }
            let seconds = Date().timeIntervalSince(start)
            let cm = ConfusionMatrix(classes: source.classNames.count, labels: labels, predictions: predictions)
            var m = EpochMetrics(epoch: epoch, learningRate: Double(optimizer.learningRate), loss: seen > 0 ? lossSum / Double(seen) : 0,
                                 accuracy: cm.accuracy, balancedAccuracy: cm.balancedAccuracy,
                                 samplesPerSecond: Double(seen) / max(seconds, 1e-9), seconds: seconds, best: false)
            guard m.loss.isFinite else {
                history.append(m)
                onEpoch?(m)
                divergedAt = epoch
                break
            }
            var score = -m.loss
            if hasValidation {
                let report = try Self.evaluate(&model, on: source, split: .validation, batchSize: c.batchSize, classWeights: c.classWeights,
                                               splitOver: group)
                m.valLoss = report.loss; m.valAccuracy = report.accuracy
                m.valBalancedAccuracy = report.balancedAccuracy; m.valROCAUC = report.rocAUC
                score = switch c.monitor {
                case .validationLoss: -(report.loss ?? 0)
                case .validationBalancedAccuracy: report.balancedAccuracy
                case .validationAAMIMeanSensitivity: report.aamiMeanSensitivity ?? 0
                }
            }
            if score > bestScore {
                bestScore = score; bestEpoch = epoch; sinceBest = 0
                best = model
                best.releaseCaches()
                m.best = true
            } else {
                sinceBest += 1
            }
            history.append(m)
            onEpoch?(m)
            if let p = c.patience, sinceBest >= p, epoch + 1 < c.epochs { stoppedEarly = true; break }
        }
        if let divergedAt, bestEpoch < 0 {
            throw MedPipeError.invalidArgument("training", "the training loss of epoch \(divergedAt) is not finite (\((history.last?.loss ?? .nan).isNaN ? "NaN" : "infinite")): training diverged before any epoch could be kept; lower the learning rate (\(baseRate))")
        }
        if let interruptedAt, bestEpoch < 0 {
            throw MedPipeError.invalidArgument("training", "interrupted in epoch \(interruptedAt), before any epoch ended: no model to keep")
        }
        model.releaseCaches()
        return TrainingResult(best: best, last: model, bestEpoch: bestEpoch, history: history, stoppedEarly: stoppedEarly, divergedAt: divergedAt,
                              interruptedAt: interruptedAt)
    }

    /// Runs `model` in evaluation mode over a split and reports loss and classification metrics.
    /// With a group of ranks (`group`), each rank evaluates its slice of every batch and all get the whole split's report.
    /// Given `file` (the model's), outputs that are not finite are an error naming it (``requireFiniteOutputs(_:model:)``).
    public static func evaluate(_ model: inout some Classifier, on source: some BatchSource, split: DataSplit,
                                batchSize: Int = 256, classWeights: [Float]? = nil,
                                splitOver group: ProcessGroup? = nil, file: String? = nil) throws -> ClassificationReport {
        let p = try predictions(&model, on: source, split: split, batchSize: batchSize, classWeights: classWeights, splitOver: group, file: file)
        return p.report(classNames: source.classNames)
    }

    /// A model's class probabilities over one pass of a split, with the samples' labels and the weighted mean loss.
    public struct SplitPredictions: Sendable {
        /// `[N, K]`, row-major, in the order of the pass (``EpochOrder/pass(_:count:plan:seed:epoch:)`` with seed 0,
        /// epoch 0: the split's order, shuffled for the training split).
        public var probabilities: [Float]
        public var labels: [Int]
        public var loss: Double?

        public init(probabilities: [Float], labels: [Int], loss: Double?) {
            self.probabilities = probabilities
            self.labels = labels
            self.loss = loss
        }

        /// The classification report of these predictions, classes named `classNames`.
        public func report(classNames: [String]) -> ClassificationReport {
            ClassificationReport(probabilities: probabilities, labels: labels, classNames: classNames, loss: loss)
        }
    }

    /// The predictions ``evaluate(_:on:split:batchSize:classWeights:splitOver:file:)`` reports on: the split's inputs
    /// are checked for values that are not finite (``FiniteInputBatches``) as they come.
    public static func predictions(_ model: inout some Classifier, on source: some BatchSource, split: DataSplit,
                                   batchSize: Int = 256, classWeights: [Float]? = nil,
                                   splitOver group: ProcessGroup? = nil, file: String? = nil) throws -> SplitPredictions {
        let loss = CrossEntropyLoss(classWeights: classWeights)
        let parallel = DataParallel(group)
        var batches: any BatchIterator = FiniteInputBatches(try source.batches(split, batchSize: batchSize, epoch: 0, seed: 0), of: split)
        var probabilities: [Float] = [], labels: [Int] = []
        var lossSum = 0.0, weightSum = 0.0
        while var batch = try batches.next() {
            if let parallel { batch = parallel.slice(batch).batch }
            if batch.labels.isEmpty { continue }
            let logits = model.forward(batch.activation, training: false)
            if let file { try requireFiniteOutputs(logits, model: file) }
            let l = loss(logits, labels: batch.labels).loss
            let w = loss.weight(of: batch.labels)
            lossSum += Double(l) * w; weightSum += w
            probabilities += softmax(logits)
            labels += batch.labels
        }
        model.releaseCaches()
        if let parallel {
            probabilities = parallel.gather(probabilities); labels = parallel.gather(labels)
            // Summed in rank order on every rank, so that every rank's score, and so its decisions, are the same.
            let sums = parallel.gather([lossSum, weightSum])
            lossSum = stride(from: 0, to: sums.count, by: 2).reduce(0) { $0 + sums[$1] }
            weightSum = stride(from: 1, to: sums.count, by: 2).reduce(0) { $0 + sums[$1] }
        }
        guard !labels.isEmpty else { throw MedPipeError.invalidArgument("\(split.rawValue) split", "has no samples") }
        return SplitPredictions(probabilities: probabilities, labels: labels, loss: weightSum > 0 ? lossSum / weightSum : nil)
    }
}

/// The index of the largest logit in each row of `[N, K]`.
public func argmaxRows(_ logits: Activation) -> [Int] {
    let k = logits.shape[1]
    return (0..<logits.shape[0]).map { i in
        var best = 0
        for j in 1..<k where logits.data[i * k + j] > logits.data[i * k + best] { best = j }
        return best
    }
}
