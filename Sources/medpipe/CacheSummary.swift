import Foundation
import MedPipeCache
import MedPipeCore

/// What `cache info` shows: counts per split and class, shapes, recipe, statistics, rejected inputs.
struct CacheSummary {
    var directory: String
    var entries: Int
    var counts: [String: [String: Int]]
    var shapes: [String: Int]
    var planSizes: [String: Int]
    var meta: [String: String]
    var rejected: [(source: String, reason: String)]

    init(cache: DatasetCache) throws {
        directory = cache.directory
        let all = try cache.entries()
        entries = all.count
        counts = [:]
        shapes = [:]
        for entry in all {
            counts[entry.split ?? "unsplit", default: [:]][entry.label ?? "unlabeled", default: 0] += 1
            shapes[entry.shape.map(String.init).joined(separator: "×") + " " + entry.dtype.rawValue, default: 0] += 1
        }
        planSizes = [:]
        for split in DatasetCache.splitNames { planSizes[split] = try cache.plan(split: split).count }
        meta = [:]
        for name in ["format_version", "recipe_hash", "balance", "split_grouping", "split_spec", "fitted", "class_weights", "split_issues", "recipe"] {
            if let value = try cache.meta(name) { meta[name] = value }
        }
        rejected = try cache.rejected()
    }

    /// A few indented lines for a person, names and reasons as recorded (``printLines(_:)`` shows them).
    func lines() -> [String] {
        var lines = ["\(directory)", "  entries: \(entries)"]
        for split in counts.keys.sorted(by: Self.splitOrder) {
            let classes = counts[split]!.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let plan = planSizes[split].map { $0 > 0 ? "; plan \($0)" : "" } ?? ""
            lines.append("  \(split): \(counts[split]!.values.reduce(0, +)) (\(classes))\(plan)")
        }
        for (shape, count) in shapes.sorted(by: { $0.key < $1.key }) { lines.append("  shape \(shape): \(count)") }
        for name in ["format_version", "recipe_hash", "balance", "split_grouping", "split_spec", "class_weights", "fitted"] {
            if let value = meta[name] { lines.append("  \(name): \(value.count > 300 ? String(value.prefix(300)) + "…" : value)") }
        }
        if !rejected.isEmpty {
            lines.append("  rejected: \(rejected.count)")
            lines += SummaryList.text(rejected.map { "    \($0.source): \($0.reason)" }, reasons: rejected.map(\.reason), noun: "rejected",
                                      option: "--json", indent: "    ")
        }
        if let recipe = meta["recipe"] {
            lines.append("  recipe:")
            lines += recipe.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { "    " + $0 }
        }
        return lines
    }

    /// One line of JSON with sorted keys.
    func json() throws -> String {
        let object: [String: Any] = [
            "directory": directory, "entries": entries, "counts": counts, "shapes": shapes, "plan_sizes": planSizes,
            "meta": meta, "rejected": rejected.map { ["source": $0.source, "reason": $0.reason] },
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    private static func splitOrder(_ a: String, _ b: String) -> Bool {
        let order = ["train": 0, "val": 1, "test": 2]
        return (order[a] ?? 3, a) < (order[b] ?? 3, b)
    }
}
