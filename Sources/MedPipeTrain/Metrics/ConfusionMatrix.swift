/// Counts of (true class, predicted class) pairs: `counts[t][p]`.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var counts: [[Int]]

    /// The matrix for `classes` classes from paired labels and predictions.
    public init(classes: Int, labels: [Int], predictions: [Int]) {
        precondition(labels.count == predictions.count, "\(labels.count) labels for \(predictions.count) predictions")
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(labels, predictions) { counts[t][p] += 1 }
    }

    public var classes: Int { counts.count }
    public var total: Int { counts.joined().reduce(0, +) }
    /// Samples whose true class is `c`.
    public func support(_ c: Int) -> Int { counts[c].reduce(0, +) }
    /// Samples predicted as `c`.
    public func predicted(_ c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }

    /// Fraction predicted correctly.
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    /// Mean recall over the classes present among the true labels (scikit-learn's `balanced_accuracy_score`).
    public var balancedAccuracy: Double {
        let present = (0..<classes).filter { support($0) > 0 }
        guard !present.isEmpty else { return 0 }
        return present.reduce(0.0) { $0 + recall($1) } / Double(present.count)
    }

    /// TP / (TP + FP), 0 when nothing was predicted as `c`.
    public func precision(_ c: Int) -> Double { predicted(c) == 0 ? 0 : Double(counts[c][c]) / Double(predicted(c)) }
    /// TP / (TP + FN), 0 when `c` has no samples.
    public func recall(_ c: Int) -> Double { support(c) == 0 ? 0 : Double(counts[c][c]) / Double(support(c)) }
    /// Harmonic mean of precision and recall, 0 when both are 0.
    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}
