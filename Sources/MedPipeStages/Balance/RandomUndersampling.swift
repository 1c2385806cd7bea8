import MedPipeCore

/// Random undersampling (imbalanced-learn's `RandomUnderSampler`): every class is reduced to the
/// size of the smallest by drawing without replacement (seeded); the plan lists the kept indices
/// in ascending order.
public struct RandomUndersampling: Sendable, Equatable, Codable {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public func plan(labels: [String]) -> SamplingPlan {
        var generator = SeededGenerator(seed: seed)
        let classes = indicesByClass(labels)
        let minority = classes.map(\.indices.count).min() ?? 0
        var kept: [Int] = []
        for (_, members) in classes {
            var pool = members
            // Partial Fisher–Yates: the first `minority` positions become a uniform sample.
            for i in 0..<minority { pool.swapAt(i, i + generator.below(pool.count - i)) }
            kept += pool.prefix(minority)
        }
        return SamplingPlan(indices: kept.sorted())
    }
}
