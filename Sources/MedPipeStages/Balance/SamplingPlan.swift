/// How the training split is presented to the trainer: a list of indices into the training
/// samples (repeats allowed), never copies. Indices at or past the number of training samples
/// refer to synthetic rows (SMOTE), in order. Class weights, when used, weight the loss instead.
public struct SamplingPlan: Sendable, Equatable, Codable {
    public var indices: [Int]
    /// Per-class loss weights (only for the class-weight method).
    public var classWeights: [String: Double]?

    public init(indices: [Int], classWeights: [String: Double]? = nil) {
        self.indices = indices
        self.classWeights = classWeights
    }

    /// Every training sample once, in order.
    public static func identity(count: Int) -> SamplingPlan { SamplingPlan(indices: Array(0..<count)) }
}

/// Samples of each label, in ascending index order; labels sorted.
func indicesByClass(_ labels: [String]) -> [(label: String, indices: [Int])] {
    var groups: [String: [Int]] = [:]
    for (i, label) in labels.enumerated() { groups[label, default: []].append(i) }
    return groups.keys.sorted().map { ($0, groups[$0]!) }
}
