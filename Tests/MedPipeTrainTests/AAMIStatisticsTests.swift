import MedPipeData
import Testing
@testable import MedPipeTrain

/// The heartbeat figure of merit (mean sensitivity over N, S, V) and the monitor that keeps the epoch best by it.
@Suite struct AAMIStatisticsTests {
    /// One-hot probabilities of `predictions` over `k` classes.
    private func report(labels: [Int], predictions: [Int], classNames: [String]) -> ClassificationReport {
        let k = classNames.count
        let probabilities = predictions.flatMap { p in (0..<k).map { $0 == p ? Float(1) : 0 } }
        return ClassificationReport(probabilities: probabilities, labels: labels, classNames: classNames)
    }

    @Test func meanSensitivityIsOverNSVOnlyAndNeedsAllThree() {
        // F 0, N 1, S 2, V 3: N 3 of 4 right, S 1 of 2, V 2 of 2, F 0 of 2 (F left out of the mean).
        let r = report(labels: [1, 1, 1, 1, 2, 2, 3, 3, 0, 0], predictions: [1, 1, 1, 2, 2, 1, 3, 3, 1, 1], classNames: ["F", "N", "S", "V"])
        #expect(r.aamiMeanSensitivity == (0.75 + 0.5 + 1) / 3)
        #expect(r.balancedAccuracy == (0.75 + 0.5 + 1 + 0) / 4)
        #expect(report(labels: [0, 1], predictions: [0, 1], classNames: ["N", "V"]).aamiMeanSensitivity == nil)
        // A class of the model without beats in the split counts as 0.
        #expect(report(labels: [0, 2], predictions: [0, 2], classNames: ["N", "S", "V"]).aamiMeanSensitivity == 2.0 / 3)
    }

    @Test func monitorNeedsTheHeartbeatClasses() throws {
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 16, seed: 1, monitor: .validationAAMIMeanSensitivity)
        #expect(throws: Error.self) { try Trainer(configuration).train(Sequential(TrainerTests.specs, seed: 1), on: try TrainerTests.source()) }
        let heartbeats = try InMemoryBatchSource(sampleShape: [1, 8, 8], classNames: ["N", "S", "V"],
                                                 splits: [.train: TrainerTests.squares(96, seed: 1), .validation: TrainerTests.squares(48, seed: 2)])
        var trainer = Trainer(configuration)
        trainer.configuration.epochs = 3
        let result = try trainer.train(Sequential(TrainerTests.specs, seed: 1), on: heartbeats)
        // With every class N, S or V, the mean sensitivity is the balanced accuracy: the kept epoch is its first best.
        let scores = result.history.map { $0.valBalancedAccuracy! }
        #expect(result.bestEpoch == scores.firstIndex(of: scores.max()!)!)
    }
}
