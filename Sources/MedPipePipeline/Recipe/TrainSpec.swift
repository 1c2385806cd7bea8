import MedPipeCore

/// A recipe's `train:` section: how a model is trained on the cache the recipe makes. Every field is
/// optional; `medpipe train` takes each from its command-line flag, else from here, else its default.
///
/// ```yaml
/// train: { model: ecg-cnn, epochs: 12, batch: 64, optimizer: adam, lr: 0.001, weight-decay: 0,
///          schedule: cosine, balance: class-weights, class-weight-power: 0.5,
///          monitor: val_balanced_accuracy, patience: 4, seed: 1, ensemble: 3 }
/// ```
///
/// The cache stores the recipe's text, so `medpipe train --cache C` finds this section there.
/// The settings are plain names and numbers: `medpipe train` makes the trainer's configuration of them.
public struct TrainSpec: Sendable, Equatable {
    /// The optimizers `train` offers.
    public enum OptimizerName: String, Sendable, CaseIterable {
        case adam
        /// SGD with momentum 0.9.
        case sgd
    }

    /// The learning-rate schedules `train` offers.
    public enum ScheduleName: String, Sendable, CaseIterable {
        case constant
        /// Cosine annealing over the epochs.
        case cosine
        /// ×0.1 every third of the epochs.
        case step
    }

    /// What picks the kept model (`TrainingConfiguration.Monitor` in `MedPipeTrain`).
    public enum MonitorName: String, Sendable, CaseIterable {
        /// Lower validation loss.
        case validationLoss = "val_loss"
        /// Higher validation balanced accuracy.
        case validationBalancedAccuracy = "val_balanced_accuracy"
        /// Higher validation mean sensitivity over the heartbeat classes N, S and V.
        case validationAAMIMeanSensitivity = "val_aami_mean_se"
    }

    /// A built-in model name (``BuiltinModel``) or a tree model's (``TreeKind``).
    public var model: String?
    public var epochs: Int?
    public var batch: Int?
    public var optimizer: OptimizerName?
    public var learningRate: Double?
    public var weightDecay: Double?
    public var schedule: ScheduleName?
    public var balance: CacheDataset.Balance?
    /// With class weights: the power the balanced weights are raised to (default 1), in ``classWeightPowers``.
    public var classWeightPower: Double?
    /// The powers of the balanced class weights `train` accepts. Power 1 weights each class inversely to its
    /// count; 0.5 to 1.25 served the heartbeat classes (README, "ECG arrhythmia across patients"). Past 4, a class 100 times rarer than
    /// another weighs 10^8 times more, which no loss learns from, and a power as large as 1e300 made the weights
    /// infinite and the first epoch's loss NaN.
    public static let classWeightPowers: ClosedRange<Double> = 0...4
    /// ``classWeightPowers`` as error messages say it: "from 0 to 4".
    public static var classWeightPowersText: String {
        "from \(String(format: "%g", classWeightPowers.lowerBound)) to \(String(format: "%g", classWeightPowers.upperBound))"
    }
    public var monitor: MonitorName?
    public var patience: Int?
    public var seed: UInt64?
    /// How many networks to train, from seeds `seed`, `seed + 1`, …, whose probabilities are averaged (default 1).
    public var ensemble: Int?

    public init(model: String? = nil, epochs: Int? = nil, batch: Int? = nil, optimizer: OptimizerName? = nil,
                learningRate: Double? = nil, weightDecay: Double? = nil, schedule: ScheduleName? = nil,
                balance: CacheDataset.Balance? = nil, classWeightPower: Double? = nil, monitor: MonitorName? = nil,
                patience: Int? = nil, seed: UInt64? = nil, ensemble: Int? = nil) {
        self.model = model; self.epochs = epochs; self.batch = batch; self.optimizer = optimizer
        self.learningRate = learningRate; self.weightDecay = weightDecay; self.schedule = schedule
        self.balance = balance; self.classWeightPower = classWeightPower; self.monitor = monitor; self.patience = patience; self.seed = seed
        self.ensemble = ensemble
    }

    /// These settings, with every field that `other` sets taken from `other` (flags over the recipe).
    public func overridden(by other: TrainSpec) -> TrainSpec {
        TrainSpec(model: other.model ?? model, epochs: other.epochs ?? epochs, batch: other.batch ?? batch,
                  optimizer: other.optimizer ?? optimizer, learningRate: other.learningRate ?? learningRate,
                  weightDecay: other.weightDecay ?? weightDecay, schedule: other.schedule ?? schedule,
                  balance: other.balance ?? balance, classWeightPower: other.classWeightPower ?? classWeightPower,
                  monitor: other.monitor ?? monitor,
                  patience: other.patience ?? patience, seed: other.seed ?? seed, ensemble: other.ensemble ?? ensemble)
    }

    /// The rebalancing in force: ``balance``, else the cache's plan.
    public var balanceOrDefault: CacheDataset.Balance { balance ?? .recipe }
    /// The number of networks in force: ``ensemble``, else 1.
    public var ensembleOrDefault: Int { ensemble ?? 1 }
    /// The seed in force: ``seed``, else 0.
    public var seedOrDefault: UInt64 { seed ?? 0 }

    /// The `train:` section of a recipe's text (as a cache stores it), or an empty spec when it has none.
    public static func of(recipeText text: String, file: String) throws -> TrainSpec {
        var root = try RecipeReader(RecipeNode.parse(text, file: file), file: file, what: "a recipe")
        return try root.node("train").map { try parse($0, file: file) } ?? TrainSpec()
    }

    /// Parses a `train:` mapping; unknown fields and values are errors naming the line.
    static func parse(_ node: RecipeNode, file: String) throws -> TrainSpec {
        var r = try RecipeReader(node, file: file, what: "'train'")
        var spec = TrainSpec()
        if let model = try r.string("model") {
            guard BuiltinModel(rawValue: model) != nil || TreeKind(rawValue: model) != nil else {
                throw MedPipeError.invalidArgument(r.at(r.node("model")), "train 'model' must be a built-in model (\(names(BuiltinModel.self))) or a tree model (\(names(TreeKind.self))), not '\(model)'; give a layer file with `train --model`")
            }
            spec.model = model
        }
        spec.epochs = try positive(&r, "epochs")
        spec.batch = try positive(&r, "batch")
        spec.optimizer = try choice(&r, "optimizer")
        // The optimizers compute in Float: a rate past its range (1e300) became infinite and diverged the first epoch.
        spec.learningRate = try r.double("lr")
        if let lr = spec.learningRate, lr <= 0 || !Float(lr).isFinite {
            throw MedPipeError.invalidArgument(r.at(r.node("lr")), "'lr' must be positive and at most \(Float.greatestFiniteMagnitude)")
        }
        spec.weightDecay = try r.double("weight-decay")
        if let decay = spec.weightDecay, decay < 0 || !Float(decay).isFinite {
            throw MedPipeError.invalidArgument(r.at(r.node("weight-decay")), "'weight-decay' must be ≥ 0 and at most \(Float.greatestFiniteMagnitude)")
        }
        spec.schedule = try choice(&r, "schedule")
        spec.balance = try choice(&r, "balance")
        spec.classWeightPower = try r.double("class-weight-power")
        if let power = spec.classWeightPower, !classWeightPowers.contains(power) {
            throw MedPipeError.invalidArgument(r.at(r.node("class-weight-power")), "'class-weight-power' must be \(classWeightPowersText), got \(power)")
        }
        spec.monitor = try choice(&r, "monitor")
        spec.patience = try positive(&r, "patience")
        if let seed = try r.int("seed") {
            guard seed >= 0 else { throw MedPipeError.invalidArgument(r.at(r.node("seed")), "'seed' must be ≥ 0") }
            spec.seed = UInt64(seed)
        }
        spec.ensemble = try positive(&r, "ensemble")
        // Past the limit, `train` refused it naming its own flag, `--ensemble`, which nobody had given.
        if let members = spec.ensemble, members > EnsembleSize.maximum {
            throw MedPipeError.invalidArgument(r.at(r.node("ensemble")), "'ensemble' must be from 1 to \(EnsembleSize.maximum) networks, got \(members)")
        }
        try r.finish()
        return spec
    }

    private static func positive(_ r: inout RecipeReader, _ key: String) throws -> Int? {
        guard let value = try r.int(key) else { return nil }
        guard value > 0 else { throw MedPipeError.invalidArgument(r.at(r.node(key)), "'\(key)' must be positive, got \(value)") }
        return value
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ r: inout RecipeReader, _ key: String) throws -> T? where T.RawValue == String {
        guard let text = try r.string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw MedPipeError.invalidArgument(r.at(r.node(key)), "train '\(key)' must be one of \(names(T.self)), not '\(text)'")
        }
        return value
    }

    private static func names<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> String where T.RawValue == String {
        T.allCases.map(\.rawValue).joined(separator: ", ")
    }
}
