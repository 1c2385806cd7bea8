/// Samples per class, e.g. for one split before and after rebalancing.
public struct ClassCounts: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Count by label (`""` for unlabeled samples).
    public var counts: [String: Int]

    public init(counts: [String: Int]) { self.counts = counts }

    public init(labels: some Sequence<String?>) {
        var counts: [String: Int] = [:]
        for label in labels { counts[label ?? "", default: 0] += 1 }
        self.counts = counts
    }

    public var total: Int { counts.values.reduce(0, +) }

    /// `N 1791, S 27, V 1` (classes sorted), then `unlabeled 3` for samples without a label; `0 samples` when empty.
    public var description: String {
        guard !counts.isEmpty else { return "0 samples" }
        return counts.keys.sorted { ($0.isEmpty ? 1 : 0, $0) < ($1.isEmpty ? 1 : 0, $1) }
            .map { "\($0.isEmpty ? "unlabeled" : $0) \(counts[$0]!)" }.joined(separator: ", ")
    }
}

/// Class counts per split, before and after rebalancing the training split.
public struct BalanceReport: Sendable, Equatable, Codable, CustomStringConvertible {
    public var before: [SplitName: ClassCounts]
    public var after: [SplitName: ClassCounts]

    public init(before: [SplitName: ClassCounts], after: [SplitName: ClassCounts]) {
        self.before = before
        self.after = after
    }

    /// Builds the report from per-sample labels, the split assignment and the training plan.
    public init(labels: [String?], assignment: SplitAssignment, trainPlan: SamplingPlan, syntheticLabels: [String] = []) {
        var before: [SplitName: ClassCounts] = [:]
        for split in SplitName.allCases {
            before[split] = ClassCounts(labels: assignment.indices(of: split).map { labels[$0] })
        }
        var after = before
        let train = assignment.indices(of: .train)
        after[.train] = ClassCounts(labels: trainPlan.indices.map { i in
            i < train.count ? labels[train[i]] : syntheticLabels[i - train.count]
        })
        self.init(before: before, after: after)
    }

    public var description: String {
        SplitName.allCases.map { s in
            let b = before[s] ?? ClassCounts(counts: [:]), a = after[s] ?? b
            return a == b ? "\(s.rawValue): \(b)" : "\(s.rawValue): \(b) → \(a)"
        }.joined(separator: "\n")
    }
}
