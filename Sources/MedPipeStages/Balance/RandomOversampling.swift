import MedPipeCore

/// Random oversampling (imbalanced-learn's `RandomOverSampler`): every training sample once,
/// then, for each class smaller than the largest, indices drawn uniformly with replacement from
/// that class until it is as large. Seeded.
public struct RandomOversampling: Sendable, Equatable, Codable {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public func plan(labels: [String]) -> SamplingPlan {
        var generator = SeededGenerator(seed: seed)
        let classes = indicesByClass(labels)
        let majority = classes.map(\.indices.count).max() ?? 0
        var indices = Array(labels.indices)
        for (_, members) in classes where members.count < majority {
            for _ in 0..<(majority - members.count) { indices.append(members[generator.below(members.count)]) }
        }
        return SamplingPlan(indices: indices)
    }
}
