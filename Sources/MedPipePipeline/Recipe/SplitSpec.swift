import MedPipeStages

/// How samples are divided into train, validation and test.
public struct SplitSpec: Sendable, Equatable {
    /// What no split may separate.
    public enum Grouping: String, Sendable {
        /// Every sample of one patient lands in one split (the default).
        case patient
        /// Contiguous time blocks of one record (for a single-patient record such as MIT-BIH 100):
        /// neighbouring beats stay together, so a split never interleaves them.
        case timeBlock = "time-block"
        /// The data set's own split (MedMNIST's arrays, a CSV column).
        case given
        /// Each sample on its own, stratified by label (the course's beat-level split of ECG beats): one
        /// patient's samples land in several splits, so the scores it gives are optimistic (reported
        /// as a warning when converting).
        case sample = "beat"
    }

    public var grouping: Grouping
    /// Fractions for `train`, `val`, `test` summing to 1 (ignored for `given`).
    public var ratios: [String: Double]
    public var seed: UInt64
    /// For `time-block`: the number of blocks a record is cut into.
    public var blocks: Int
    /// `all: test` (or train, val): every sample in this one split, e.g. new patients converted to be
    /// judged by a model trained on another cache (with `convert --fit-from`). Grouping and ratios are then unused.
    public var all: SplitName?

    /// The split as a cache records it (meta ``SplitSpec/metaName``): the patients of an earlier run keep their split
    /// only under the same declaration.
    public var canonicalText: String {
        var p = CanonicalParameters()
        p.add("by", grouping.rawValue)
        p.add("ratios", SplitName.allCases.map { ratios[$0.rawValue] ?? 0 })
        p.add("seed", String(seed))
        if grouping == .timeBlock { p.add("blocks", blocks) }
        if let all { p.add("all", all.rawValue) }
        return p.text
    }

    /// Whether a run keeps the split an earlier run gave each patient: a split planned by ratios over patients (or time
    /// blocks). A beat-level split, the data's own and a single named split are made again each run.
    public var keepsEarlierGroups: Bool { all == nil && (grouping == .patient || grouping == .timeBlock) }

    /// The cache's meta row holding ``canonicalText``.
    public static let metaName = "split_spec"

    public static let `default` = SplitSpec(grouping: .patient, ratios: ["train": 0.7, "val": 0.15, "test": 0.15], seed: 0, blocks: 20, all: nil)

    /// The warning a beat-level split gives.
    public static let sampleLevelWarning = "split by beat: one patient's beats are in several splits, so validation and test scores are optimistic (they measure patients the model has seen); split by patient to judge new patients"
}

/// How the training split is rebalanced (never the validation or test splits).
public enum BalanceSpec: String, Sendable, Equatable {
    case none, oversample, undersample
    case classWeights = "class-weights"
    case smote
}
