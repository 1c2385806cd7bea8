import MedPipeCore

/// Keeps only samples whose label is in a list (e.g. beats `N` and `A` for an N-against-A task);
/// the others are dropped and counted.
public struct KeepLabels: Stage {
    public static let name = "keep-labels"

    public var labels: [String]

    public init(labels: [String]) throws {
        guard !labels.isEmpty else { throw MedPipeError.invalidArgument(Self.name, "needs at least one label to keep") }
        self.labels = labels
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(labels: c.decode([String].self, forKey: .labels))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("labels", labels.sorted())
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        if let label = sample.label, labels.contains(label) { return StageOutput([sample]) }
        return StageOutput([], dropped: ["label \(sample.label ?? "none") not kept": 1])
    }
}
