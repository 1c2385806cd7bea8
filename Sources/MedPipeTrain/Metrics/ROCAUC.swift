/// Area under the ROC curve, exactly, as the Mann–Whitney statistic with average ranks for tied scores
/// (equal to scikit-learn's `roc_auc_score`).
public enum ROCAUC {
    /// AUC of `scores` for the positives marked in `positive`; nil when either class is absent.
    public static func binary(scores: [Float], positive: [Bool]) -> Double? {
        precondition(scores.count == positive.count, "\(scores.count) scores for \(positive.count) labels")
        let nPos = positive.lazy.filter { $0 }.count, nNeg = scores.count - nPos
        guard nPos > 0, nNeg > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1   // ranks are 1-based
            for r in i...j where positive[order[r]] { rankSumPositives += averageRank }
            i = j + 1
        }
        let u = rankSumPositives - Double(nPos) * Double(nPos + 1) / 2
        return u / (Double(nPos) * Double(nNeg))
    }

    /// Macro one-vs-rest AUC over classes from probabilities `[N, K]` (row-major); classes without
    /// positives or without negatives are left out. nil when no class qualifies.
    public static func macroOneVsRest(probabilities: [Float], classes k: Int, labels: [Int]) -> Double? {
        precondition(probabilities.count == labels.count * k, "probabilities do not match \(labels.count) labels × \(k) classes")
        var aucs: [Double] = []
        for c in 0..<k {
            let scores = labels.indices.map { probabilities[$0 * k + c] }
            if let a = binary(scores: scores, positive: labels.map { $0 == c }) { aucs.append(a) }
        }
        return aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count)
    }
}
