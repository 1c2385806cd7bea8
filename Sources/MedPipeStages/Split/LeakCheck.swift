/// Finds groups (patients) present in more than one split.
public enum LeakCheck {
    /// A group found in several splits, with its sample count in each.
    public struct Leak: Sendable, Equatable, CustomStringConvertible {
        public var group: String
        public var counts: [SplitName: Int]

        public var description: String {
            "group '\(group)' is in " + counts.keys.sorted().map { "\($0.rawValue) (\(counts[$0]!))" }.joined(separator: " and ")
        }
    }

    /// Every group present in two or more splits, sorted by group. Samples without a group are skipped.
    public static func leaks(groups: [String?], splits: [SplitName]) -> [Leak] {
        precondition(groups.count == splits.count, "one group and one split per sample")
        var seen: [String: [SplitName: Int]] = [:]
        for (group, split) in zip(groups, splits) {
            guard let group else { continue }
            seen[group, default: [:]][split, default: 0] += 1
        }
        return seen.filter { $0.value.count > 1 }.map { Leak(group: $0.key, counts: $0.value) }.sorted { $0.group < $1.group }
    }
}
