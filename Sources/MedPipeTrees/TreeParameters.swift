import MedPipeCore
import MedPipeTrain

/// The hyper-parameters of a tree ensemble, named after XGBoost's where they are XGBoost's.
public struct TreeParameters: Sendable, Equatable, Codable {
    /// Trees per class: the forest's size, or the boosting rounds.
    public var trees: Int
    /// `max_depth`: the deepest split level of a tree.
    public var maxDepth: Int
    /// `eta`: shrinkage of each boosting round (1 for a forest).
    public var eta: Double
    /// `subsample`: the share of training rows each tree sees (drawn without replacement).
    public var subsample: Double
    /// `colsample_bynode`: the share of features each split chooses from.
    public var colsampleByNode: Double
    /// `max_bin`: histogram bins per feature (XGBoost's `hist` method).
    public var bins: Int
    /// `min_child_weight`: the least Hessian sum a leaf may hold.
    public var minChildWeight: Double
    /// `lambda`: L2 regularization of leaf values.
    public var lambda: Double
    public var seed: UInt64
    public var threads: Int

    /// The defaults of `kind`. For the forest they were tuned on the MNIST 8,000/2,000 split (README):
    /// deep trees grown until their leaves are pure (`min_child_weight` 0, as scikit-learn grows them) on 90%
    /// of the rows, 8 bins and 5% of the features per split keep it fast at nearly scikit-learn's accuracy.
    /// Boosting takes XGBoost's own defaults with 100 rounds.
    public static func defaults(_ kind: TreeKind) -> TreeParameters {
        switch kind {
        case .randomForest:
            TreeParameters(trees: 100, maxDepth: 20, eta: 1, subsample: 0.9, colsampleByNode: 0.05, bins: 8,
                           minChildWeight: 0, lambda: 1e-5, seed: 0, threads: 1)
        case .gradientBoosting:
            TreeParameters(trees: 100, maxDepth: 6, eta: 0.3, subsample: 1, colsampleByNode: 1, bins: 256,
                           minChildWeight: 1, lambda: 1, seed: 0, threads: 1)
        }
    }

    /// Checks every value is in XGBoost's range (a number, not NaN or infinite); `subject` names the source in errors,
    /// whose message starts with the parameter as `medpipe train` spells its option (`lambda`, `min-child-weight`).
    public func validate(subject: String) throws {
        func need(_ ok: Bool, _ name: String, _ range: String, _ value: some CustomStringConvertible) throws {
            if !ok { throw MedPipeError.invalidArgument(subject, "\(name) must be \(range), got \(value)") }
        }
        // XGBoost reads its integer parameters as 32-bit ints: 2^63 − 1 trees failed inside it, naming its own parameter.
        let int32 = "from 1 to \(Int32.max)"
        try need((1...Int(Int32.max)).contains(trees), "trees", int32, trees)
        try need((1...Int(Int32.max)).contains(maxDepth), "max-depth", int32, maxDepth)
        try need(eta > 0 && eta <= 1, "eta", "a number in (0, 1]", eta)
        try need(subsample > 0 && subsample <= 1, "subsample", "a number in (0, 1]", subsample)
        try need(colsampleByNode > 0 && colsampleByNode <= 1, "colsample-bynode", "a number in (0, 1]", colsampleByNode)
        try need((2...Int(Int32.max)).contains(bins), "bins", "from 2 to \(Int32.max)", bins)
        // Past their range they were taken (an infinite lambda), and the trained model could not be written as JSON.
        try need(minChildWeight >= 0 && minChildWeight.isFinite, "min-child-weight", "a finite number ≥ 0", minChildWeight)
        try need(lambda >= 0 && lambda.isFinite, "lambda", "a finite number ≥ 0", lambda)
        try need(threads > 0, "threads", "at least 1", threads)
    }

    /// XGBoost's parameters for `kind` on `classes` classes, and the rounds to run.
    func xgboost(_ kind: TreeKind, classes: Int) -> (parameters: [(String, String)], rounds: Int) {
        let forest = kind == .randomForest
        let parameters: [(String, String)] = [
            ("objective", "multi:softprob"), ("num_class", "\(classes)"), ("eval_metric", "mlogloss"),
            ("booster", "gbtree"), ("tree_method", "hist"), ("max_bin", "\(bins)"), ("max_depth", "\(maxDepth)"),
            ("eta", forest ? "1" : "\(eta)"), ("num_parallel_tree", forest ? "\(trees)" : "1"),
            ("subsample", "\(subsample)"), ("colsample_bynode", "\(colsampleByNode)"),
            ("min_child_weight", "\(minChildWeight)"), ("lambda", "\(lambda)"),
            // XGBoost's seed is a 32-bit integer.
            ("seed", "\(seed % (1 << 31))"), ("nthread", "\(threads)"), ("verbosity", "1"),
        ]
        return (parameters, forest ? 1 : trees)
    }
}
