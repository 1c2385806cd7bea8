import MedPipeCore
import Foundation
import Testing
@testable import MedPipeTrain

@Suite struct MetricsTests {
    @Test func binaryAUCMatchesScikitLearnExamples() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        #expect(ROCAUC.binary(scores: [0.1, 0.4, 0.35, 0.8], positive: [false, false, true, true]) == 0.75)
        // Ties count one half: pairs (0.5>0.1)=1, (0.5=0.5)=½, (0.9>both)=2 → 3.5/4.
        #expect(ROCAUC.binary(scores: [0.1, 0.5, 0.5, 0.9], positive: [false, false, true, true]) == 0.875)
        #expect(ROCAUC.binary(scores: [0.3, 0.3, 0.3, 0.3], positive: [false, true, false, true]) == 0.5)
        #expect(ROCAUC.binary(scores: [0.9, 0.8, 0.1], positive: [false, false, true]) == 0)
        #expect(ROCAUC.binary(scores: [0.2, 0.4], positive: [true, true]) == nil)
    }

    @Test func aucEqualsPairCountingOnRandomTiedScores() {
        var rng = SeededGenerator(seed: 4)
        let scores = (0..<300).map { _ in Float(Int(rng.nextUnitFloat() * 20)) / 20 }   // many ties
        let positive = (0..<300).map { i in rng.nextUnitFloat() < 0.3 + 0.4 * scores[i] }
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where positive[i] {
            for j in scores.indices where !positive[j] {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
            }
        }
        let auc = ROCAUC.binary(scores: scores, positive: positive)!
        #expect(abs(auc - wins / pairs) < 1e-12)
    }

    @Test func macroOneVsRestAveragesPerClassAUC() {
        let p: [Float] = [0.7, 0.2, 0.1,  0.2, 0.5, 0.3,  0.1, 0.3, 0.6,  0.4, 0.4, 0.2]
        let labels = [0, 1, 2, 1]
        let a0 = ROCAUC.binary(scores: [0.7, 0.2, 0.1, 0.4], positive: [true, false, false, false])!
        let a1 = ROCAUC.binary(scores: [0.2, 0.5, 0.3, 0.4], positive: [false, true, false, true])!
        let a2 = ROCAUC.binary(scores: [0.1, 0.3, 0.6, 0.2], positive: [false, false, true, false])!
        #expect(ROCAUC.macroOneVsRest(probabilities: p, classes: 3, labels: labels) == (a0 + a1 + a2) / 3)
    }

    @Test func confusionMatrixMetrics() {
        let cm = ConfusionMatrix(classes: 3, labels: [0, 0, 0, 0, 1, 1, 2, 2, 2, 2], predictions: [0, 0, 0, 1, 1, 0, 2, 2, 1, 1])
        #expect(cm.counts == [[3, 1, 0], [1, 1, 0], [0, 2, 2]])
        #expect(cm.accuracy == 0.6)
        #expect(abs(cm.balancedAccuracy - (0.75 + 0.5 + 0.5) / 3) < 1e-12)
        #expect(cm.precision(0) == 0.75 && cm.precision(1) == 0.25 && cm.precision(2) == 1)
        #expect(cm.recall(2) == 0.5)
        #expect(abs(cm.f1(1) - 2 * 0.25 * 0.5 / 0.75) < 1e-12)
        // A class never predicted and never present: precision, recall and F1 are 0, and it is left out of
        // balanced accuracy.
        let absent = ConfusionMatrix(classes: 3, labels: [0, 1], predictions: [0, 0])
        #expect(absent.f1(2) == 0 && absent.balancedAccuracy == 0.5)
    }

    @Test func reportFromProbabilities() {
        let report = ClassificationReport(probabilities: [0.9, 0.1, 0.4, 0.6, 0.7, 0.3, 0.2, 0.8], labels: [0, 1, 1, 1], classNames: ["neg", "pos"])
        #expect(report.accuracy == 0.75)
        #expect(report.confusionMatrix == [[1, 0], [1, 2]])
        #expect(report.rocAUC == 1)
        #expect(report.perClass[1].name == "pos" && report.perClass[1].support == 3)
    }

    @Test func crossEntropyMatchesHandComputation() {
        let logits = Activation(shape: [2, 3], data: [1, 2, 3, 0, 0, 0])
        let plain = CrossEntropyLoss()(logits, labels: [2, 0])
        let l0 = -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))), l1 = log(3.0)
        #expect(abs(Double(plain.loss) - (l0 + l1) / 2) < 1e-6)
        let weighted = CrossEntropyLoss(classWeights: [3, 1, 0.5])(logits, labels: [2, 0])
        #expect(abs(Double(weighted.loss) - (0.5 * l0 + 3 * l1) / 3.5) < 1e-6)
        // Gradient rows sum to zero.
        #expect(abs(weighted.gradient.data[0..<3].reduce(0, +)) < 1e-6)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(stepSize: 2, gamma: 0.1).rate(base: 1, epoch: 3) == Float(0.1))
        #expect(abs(LearningRateSchedule.cosine(period: 10).rate(base: 1, epoch: 5) - 0.5) < 1e-6)
        #expect(LearningRateSchedule.cosine(period: 10, minimum: 0.01).rate(base: 1, epoch: 10) == Float(0.01))
    }
}
