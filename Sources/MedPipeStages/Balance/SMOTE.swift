import MedPipeCore

/// SMOTE for tables (imbalanced-learn's `SMOTE` algorithm, continuous features): for each class
/// smaller than the largest, `majority − count` synthetic rows are made; each picks a uniformly
/// random sample `x` of the class and one of its `k` nearest neighbours `y` within the class
/// (Euclidean, ties by index, the sample itself excluded), and a gap `u` uniform in [0, 1):
/// the new row is `x + u·(y − x)`. Seeded with ``SeededGenerator`` (so not bit-identical to
/// imbalanced-learn's NumPy stream, but the same distribution and structure).
public struct SMOTE: Sendable, Equatable, Codable {
    public var neighbors: Int
    public var seed: UInt64

    public init(neighbors: Int = 5, seed: UInt64) throws {
        guard neighbors >= 1 else { throw MedPipeError.invalidArgument("smote", "needs at least 1 neighbour, got \(neighbors)") }
        self.neighbors = neighbors
        self.seed = seed
    }

    /// Where a synthetic row came from: indices into the training rows and the gap.
    public struct Origin: Sendable, Equatable, Codable {
        public var base: Int
        public var neighbor: Int
        public var gap: Double
    }

    public struct Result: Sendable, Equatable, Codable {
        /// New feature rows, to be appended after the training rows.
        public var rows: [[Double]]
        public var labels: [String]
        public var origins: [Origin]
        /// Every training row once, then every synthetic row (indices `count…`).
        public var plan: SamplingPlan
    }

    /// The `k` nearest neighbours (indices into `rows`) of each of `members` among `members`.
    public func nearestNeighbors(_ rows: [[Double]], members: [Int]) -> [[Int]] {
        members.map { i in
            var candidates: [(Double, Int)] = []
            candidates.reserveCapacity(members.count - 1)
            for j in members where j != i {
                var d = 0.0
                for f in rows[i].indices { let t = rows[i][f] - rows[j][f]; d += t * t }
                candidates.append((d, j))
            }
            candidates.sort { $0 < $1 }
            return candidates.prefix(neighbors).map(\.1)
        }
    }

    /// Synthesizes rows until every class has as many rows as the largest.
    /// - Throws: `.invalidArgument` when a class to oversample has no more than `k` rows, or rows differ in width.
    public func resample(rows: [[Double]], labels: [String]) throws -> Result {
        precondition(rows.count == labels.count, "one label per row")
        guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else {
            throw MedPipeError.invalidArgument("smote", "rows must be non-empty and of equal width")
        }
        guard rows.allSatisfy({ $0.allSatisfy { !$0.isNaN } }) else {
            throw MedPipeError.invalidArgument("smote", "rows contain missing values: impute before SMOTE")
        }
        var generator = SeededGenerator(seed: seed)
        let classes = indicesByClass(labels)
        let majority = classes.map(\.indices.count).max() ?? 0
        var synthetic: [[Double]] = [], syntheticLabels: [String] = [], origins: [Origin] = []
        for (label, members) in classes where members.count < majority {
            guard members.count > neighbors else {
                throw MedPipeError.invalidArgument("smote", "class '\(label)' has \(members.count) training rows: SMOTE with k = \(neighbors) needs at least \(neighbors + 1)")
            }
            let neighborLists = nearestNeighbors(rows, members: members)
            for _ in 0..<(majority - members.count) {
                let r = generator.below(members.count), c = generator.below(neighbors)
                let gap = generator.unit()
                let base = members[r], neighbor = neighborLists[r][c]
                synthetic.append((0..<width).map { rows[base][$0] + gap * (rows[neighbor][$0] - rows[base][$0]) })
                syntheticLabels.append(label)
                origins.append(Origin(base: base, neighbor: neighbor, gap: gap))
            }
        }
        return Result(rows: synthetic, labels: syntheticLabels, origins: origins,
                      plan: .identity(count: rows.count + synthetic.count))
    }
}
