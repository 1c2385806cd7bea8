import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipePipeline
import MedPipeStages

/// What the report shows of a dataset cache: recipe, sources, counts per split and class before and after
/// the rebalancing plan, groups and the leak check, rejected inputs, sample inputs per class and the
/// distribution of input values per split. Inputs are shown as the network takes them (all stages applied).
struct DatasetFacts {
    /// A few inputs of one class, channels-first, as the network takes them.
    struct Samples {
        var className: String
        var entries: [CacheEntry]
        var inputs: [[Float]]
    }

    /// Fractions of the sampled input values per bin, per split, over bins shared by all splits.
    struct Histogram {
        var edges: [Double]
        var fractions: [String: [Double]]
        /// Entries read per split.
        var entriesRead: [String: Int]
    }

    var directory: String
    var name: String?
    var recipe: String?
    var recipeHash: String?
    /// Each source of the recipe as field → value (path, format, label, ...).
    var sources: [[(key: String, value: String)]]
    var balance: String
    var splitGrouping: String?
    var splitIssues: [String]
    var classNames: [String]
    /// The class names, and ``noLabel`` when some entries have none: what the counts are keyed by.
    var labels: [String]
    /// Channels-first shape the network takes, and what a sample is.
    var inputShape: [Int]
    var kind: SampleKind?
    /// Sampling frequency of signals, Hz.
    var frequency: Double?
    /// Feature names of table rows.
    var columns: [String]?
    /// Entries per split and class as converted, and in the training plan (rebalanced).
    var before: [String: [String: Int]]
    var after: [String: [String: Int]]
    var groups: [String: Int]
    var leaks: [LeakCheck.Leak]
    var rejected: [(source: String, reason: String)]
    var samples: [Samples]
    var histogram: Histogram

    static let splits = ["train", "val", "test"]
    /// How entries without a label are counted and shown.
    static let noLabel = "(no label)"
    /// Inputs shown per class in the sample grid.
    static let samplesPerClass = 6
    /// At most this many entries per split, and values per entry, go into the histograms.
    static let histogramEntries = 200
    static let histogramValuesPerEntry = 4096
    static let histogramBins = 40

    init(dataset: CacheDataset) throws {
        let cache = dataset.cache
        directory = cache.directory
        classNames = dataset.classNames
        inputShape = dataset.sampleShape
        recipe = try cache.meta("recipe")
        recipeHash = try cache.meta("recipe_hash")
        balance = try cache.meta("balance") ?? "none"
        splitGrouping = try cache.meta("split_grouping")
        splitIssues = try cache.meta("split_issues").map { text in
            (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [text]
        } ?? []
        (name, sources) = Self.recipeSources(recipe, directory: directory)
        rejected = try cache.rejected()

        let entries = try cache.entries()
        let first = entries.first
        kind = first.flatMap { SampleKind(shape: $0.shape, geometry: $0.geometry) }
        if case .temporal(let hz)? = first?.geometry { frequency = hz }
        if kind == .table, let first, case .strings(let names)? = try dataset.fittedSample(first).metadata["columns"],
           names.count == inputShape.reduce(1, *) {
            columns = names
        }

        before = [:]
        var groupSets: [String: Set<String>] = [:]
        for entry in entries {
            let split = entry.split ?? "unsplit"
            before[split, default: [:]][entry.label ?? Self.noLabel, default: 0] += 1
            groupSets[split, default: []].insert(entry.group)
        }
        groups = groupSets.mapValues(\.count)
        let split = entries.compactMap { entry in entry.split.flatMap(SplitName.init(rawValue:)).map { (entry.group, $0) } }
        leaks = LeakCheck.leaks(groups: split.map(\.0), splits: split.map(\.1))

        after = before
        labels = classNames + (entries.contains { $0.label == nil } ? [Self.noLabel] : [])
        let labelOf = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0.label ?? Self.noLabel) })
        let plan = try cache.plan(split: "train")
        if !plan.isEmpty {
            var counts: [String: Int] = [:]
            for id in plan {
                guard let label = labelOf[id] else { throw MedPipeError.malformed(directory, "the training plan names entry \(id), which the cache does not hold") }
                counts[label, default: 0] += 1
            }
            after["train"] = counts
        }

        samples = try Self.samples(dataset, entries: entries)
        histogram = try Self.histogram(dataset, entries: entries)
    }

    /// The recipe's name and sources, read from its text (nil and none when the cache holds no recipe).
    private static func recipeSources(_ recipe: String?, directory: String) -> (String?, [[(key: String, value: String)]]) {
        guard let recipe, case .map(let fields, _)? = try? RecipeNode.parse(recipe, file: directory + "/recipe") else { return (nil, []) }
        var name: String?
        var sources: [[(key: String, value: String)]] = []
        for (key, value) in fields {
            if key == "name", case .scalar(let text, _) = value { name = text }
            if key == "sources", case .list(let items, _) = value {
                sources = items.map { item in
                    guard case .map(let pairs, _) = item else { return [("path", flow(item))] }
                    return pairs.map { ($0.key, flow($0.value)) }
                }
            }
        }
        return (name, sources)
    }

    /// A YAML value in one line, flow style: `{ column: num, greater-than: 0 }`.
    private static func flow(_ node: RecipeNode) -> String {
        switch node {
        case .scalar(let text, _): text
        case .list(let items, _): "[" + items.map(flow).joined(separator: ", ") + "]"
        case .map(let pairs, _): "{ " + pairs.map { "\($0.key): \(flow($0.value))" }.joined(separator: ", ") + " }"
        }
    }

    /// The first few training inputs of each class (another split when the training split lacks the class),
    /// and of the entries without a label.
    private static func samples(_ dataset: CacheDataset, entries: [CacheEntry]) throws -> [Samples] {
        let ordered = entries.filter { $0.split == "train" } + entries.filter { $0.split != "train" }
        let classes: [String?] = dataset.classNames + (entries.contains { $0.label == nil } ? [nil] : [])
        return try classes.map { name in
            let chosen = Array(ordered.lazy.filter { $0.label == name }.prefix(samplesPerClass))
            return Samples(className: name ?? noLabel, entries: chosen, inputs: try chosen.map { try dataset.input($0) })
        }
    }

    /// Input values of up to ``histogramEntries`` entries per split, evenly spaced over the split, in shared bins.
    private static func histogram(_ dataset: CacheDataset, entries: [CacheEntry]) throws -> Histogram {
        var values: [String: [Float]] = [:]
        var read: [String: Int] = [:]
        for split in splits {
            let members = entries.filter { $0.split == split }
            guard !members.isEmpty else { continue }
            let step = max(1, members.count / histogramEntries)
            let picked = stride(from: 0, to: members.count, by: step).prefix(histogramEntries).map { members[$0] }
            var pooled: [Float] = []
            for entry in picked {
                let input = try dataset.input(entry)
                let every = max(1, input.count / histogramValuesPerEntry)
                pooled += stride(from: 0, to: input.count, by: every).lazy.map { input[$0] }.filter(\.isFinite)
            }
            values[split] = pooled
            read[split] = picked.count
        }
        let all = values.values.joined()
        guard let low = all.min(), let high = all.max() else {
            return Histogram(edges: [], fractions: [:], entriesRead: read)
        }
        let bins = histogramBins
        let width = high > low ? Double(high - low) / Double(bins) : 1
        let edges = (0...bins).map { Double(low) + Double($0) * width }
        var fractions: [String: [Double]] = [:]
        for (split, pooled) in values where !pooled.isEmpty {
            var counts = [Int](repeating: 0, count: bins)
            for v in pooled { counts[min(bins - 1, max(0, Int((Double(v) - Double(low)) / width)))] += 1 }
            fractions[split] = counts.map { Double($0) / Double(pooled.count) }
        }
        return Histogram(edges: edges, fractions: fractions, entriesRead: read)
    }
}
