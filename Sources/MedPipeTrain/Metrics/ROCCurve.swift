/// The receiver operating characteristic curve of one score against a binary truth: false and true
/// positive rates as the decision threshold falls through every distinct score, with the points that lie
/// on a straight segment between their neighbours left out (scikit-learn's `roc_curve` with its default
/// `drop_intermediate=True`). The first point is (0, 0), for a threshold above every score.
public struct ROCCurve: Sendable, Equatable {
    public var falsePositiveRates: [Double]
    public var truePositiveRates: [Double]
    /// The threshold of each point after the first (a sample is called positive when its score is at least this).
    public var thresholds: [Float]

    /// The curve of `scores` for the positives marked in `positive`; nil when either class is absent.
    public init?(scores: [Float], positive: [Bool]) {
        precondition(scores.count == positive.count, "\(scores.count) scores for \(positive.count) labels")
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        // Cumulative true and false positives at the last sample of each distinct score, highest first.
        var tps: [Int] = [], fps: [Int] = [], cuts: [Float] = []
        var truePositives = 0
        for (rank, i) in order.enumerated() {
            if positive[i] { truePositives += 1 }
            if rank + 1 == order.count || scores[order[rank + 1]] != scores[i] {
                tps.append(truePositives)
                fps.append(rank + 1 - truePositives)
                cuts.append(scores[i])
            }
        }
        guard let allPositives = tps.last, let allNegatives = fps.last, allPositives > 0, allNegatives > 0 else { return nil }
        // Keep the ends and every point where the curve changes direction (a non-zero second difference).
        let kept = tps.indices.filter { k in
            k == 0 || k == tps.count - 1 || tps[k - 1] - 2 * tps[k] + tps[k + 1] != 0 || fps[k - 1] - 2 * fps[k] + fps[k + 1] != 0
        }
        falsePositiveRates = [0] + kept.map { Double(fps[$0]) / Double(allNegatives) }
        truePositiveRates = [0] + kept.map { Double(tps[$0]) / Double(allPositives) }
        thresholds = kept.map { cuts[$0] }
    }

    /// The area under the curve by the trapezoidal rule (equal to ``ROCAUC/binary(scores:positive:)``).
    public var area: Double {
        var sum = 0.0
        for k in falsePositiveRates.indices.dropFirst() {
            let width: Double = falsePositiveRates[k] - falsePositiveRates[k - 1]
            let height: Double = (truePositiveRates[k] + truePositiveRates[k - 1]) / 2
            sum += width * height
        }
        return sum
    }
}
