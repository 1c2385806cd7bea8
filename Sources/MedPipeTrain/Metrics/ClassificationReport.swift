/// Everything `medpipe evaluate` reports for a classifier on one split.
public struct ClassificationReport: Sendable, Codable, Equatable {
    public struct PerClass: Sendable, Codable, Equatable {
        public var name: String
        public var precision: Double, recall: Double, f1: Double
        public var support: Int
    }

    public var samples: Int
    public var loss: Double?
    public var accuracy: Double
    public var balancedAccuracy: Double
    /// Binary: AUC of the class-1 probability. More classes: macro one-vs-rest.
    public var rocAUC: Double?
    public var perClass: [PerClass]
    public var confusionMatrix: [[Int]]

    /// The report from softmax probabilities `[N, K]` and labels.
    public init(probabilities: [Float], labels: [Int], classNames: [String], loss: Double? = nil) {
        let k = classNames.count
        let predictions = labels.indices.map { i -> Int in
            var best = 0
            for j in 1..<k where probabilities[i * k + j] > probabilities[i * k + best] { best = j }
            return best
        }
        let cm = ConfusionMatrix(classes: k, labels: labels, predictions: predictions)
        samples = labels.count
        self.loss = loss
        accuracy = cm.accuracy
        balancedAccuracy = cm.balancedAccuracy
        if k == 2 {
            rocAUC = ROCAUC.binary(scores: labels.indices.map { probabilities[$0 * 2 + 1] }, positive: labels.map { $0 == 1 })
        } else {
            rocAUC = ROCAUC.macroOneVsRest(probabilities: probabilities, classes: k, labels: labels)
        }
        perClass = (0..<k).map { PerClass(name: classNames[$0], precision: cm.precision($0), recall: cm.recall($0), f1: cm.f1($0), support: cm.support($0)) }
        confusionMatrix = cm.counts
    }
}
