import MedPipeCore
import Foundation
import MedPipeData
import Testing
@testable import MedPipeTrain

@Suite struct TrainerTests {
    /// 8×8 images with a bright 3×3 square at one of three places (the class), on noise.
    static func squares(_ n: Int, seed: UInt64) -> InMemoryBatchSource.Split {
        var rng = SeededGenerator(seed: seed)
        var inputs = [Float](), labels = [Int]()
        for i in 0..<n {
            let label = i % 3
            var img = (0..<64).map { _ in rng.uniform(bound: 0.5) }
            let (r0, c0) = [(0, 0), (4, 2), (1, 5)][label]
            for r in r0..<(r0 + 3) { for c in c0..<(c0 + 3) { img[r * 8 + c] += 1.5 } }
            inputs += img
            labels.append(label)
        }
        return .init(inputs: inputs, labels: labels)
    }

    static func source() throws -> InMemoryBatchSource {
        try InMemoryBatchSource(sampleShape: [1, 8, 8], classNames: ["top-left", "middle", "right"],
                                splits: [.train: squares(240, seed: 1), .validation: squares(90, seed: 2)])
    }

    static let specs: [LayerSpec] = [
        .convolution(rank: 2, inChannels: 1, outChannels: 4, kernel: 3), .batchNorm(rank: 2, features: 4), .relu,
        .maxPool(rank: 2, kernel: 2, stride: 2), .dropout(p: 0.1), .flatten, .linear(inFeatures: 36, outFeatures: 3),
    ]

    @Test func learnsASeparableTaskAndLogsJSONLines() throws {
        var lines: [String] = []
        var trainer = Trainer(TrainingConfiguration(epochs: 4, batchSize: 16, seed: 5, optimizer: Adam(learningRate: 0.01)))
        trainer.onEpoch = { lines.append($0.jsonLine) }
        let result = try trainer.train(Sequential(Self.specs, seed: 5), on: try Self.source())
        let last = result.history.last!
        #expect(last.valAccuracy! >= 0.97)
        #expect(last.loss < result.history[0].loss)
        #expect(lines.count == 4)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["epoch", "lr", "loss", "accuracy", "balanced_accuracy", "val_loss", "val_accuracy", "val_balanced_accuracy", "val_roc_auc", "samples_per_second"] {
            #expect(object[key] != nil, "missing \(key)")
        }
    }

    @Test func sameSeedSameRun() throws {
        let trainer = Trainer(TrainingConfiguration(epochs: 2, batchSize: 32, seed: 9, optimizer: SGD(learningRate: 0.05, momentum: 0.9)))
        let a = try trainer.train(Sequential(Self.specs, seed: 1), on: try Self.source())
        let b = try trainer.train(Sequential(Self.specs, seed: 1), on: try Self.source())
        #expect(a.history.map(\.loss) == b.history.map(\.loss))
        #expect(zip(a.last.stateDict(), b.last.stateDict()).allSatisfy { $0.tensor == $1.tensor })
    }

    @Test func keepsATrueCopyOfTheBestModelAndStopsEarly() throws {
        // The learning rate jumps ×1000 from epoch 3: validation gets worse, training stops after `patience`
        // epochs without improvement, and the kept model must be the one from before the jump.
        let config = TrainingConfiguration(epochs: 10, batchSize: 16, seed: 3, optimizer: SGD(learningRate: 0.02, momentum: 0.9),
                                           schedule: .step(stepSize: 3, gamma: 1000), patience: 2)
        let source = try Self.source()
        let result = try Trainer(config).train(Sequential(Self.specs, seed: 2), on: source)
        #expect(result.stoppedEarly)
        #expect(result.bestEpoch <= 2 && result.history.count == result.bestEpoch + 3)
        var best = result.best, last = result.last
        let bestLoss = try Trainer.evaluate(&best, on: source, split: .validation, batchSize: 16).loss!
        let lastLoss = try Trainer.evaluate(&last, on: source, split: .validation, batchSize: 16).loss!
        #expect(bestLoss == result.history[result.bestEpoch].valLoss!)
        #expect(lastLoss != bestLoss)
        #expect(!zip(result.best.stateDict(), result.last.stateDict()).allSatisfy { $0.tensor == $1.tensor })
    }

    /// A training loss that is not finite ends the run at that epoch: the epochs kept before it stand (the run says
    /// where it stopped), and a run that diverges before any epoch is kept is an error, not a model of initial weights.
    @Test func divergenceEndsTheRun() throws {
        // ×10^30 from epoch 2 on: the loss overflows there.
        let late = TrainingConfiguration(epochs: 6, batchSize: 16, seed: 3, optimizer: SGD(learningRate: 0.02, momentum: 0.9),
                                         schedule: .step(stepSize: 2, gamma: 1e30))
        let result = try Trainer(late).train(Sequential(Self.specs, seed: 2), on: try Self.source())
        let diverged = try #require(result.divergedAt)
        #expect(diverged >= 2 && result.history.count == diverged + 1 && !result.history[diverged].loss.isFinite)
        #expect(result.bestEpoch < diverged && result.history[..<diverged].allSatisfy { $0.loss.isFinite })
        let early = TrainingConfiguration(epochs: 3, batchSize: 16, seed: 3, optimizer: SGD(learningRate: 1e30))
        #expect {
            _ = try Trainer(early).train(Sequential(Self.specs, seed: 2), on: try Self.source())
        } throws: { error in
            (error as? MedPipeError)?.message.hasPrefix("the training loss of epoch 0 is not finite") == true
        }
    }

    /// Inputs holding NaN or an infinity are an error naming the split, the batch and the sample. Before, one NaN in
    /// a training sample trained to the end with a finite loss (BatchNorm spread it over its channel, ReLU made it
    /// zeros), and an infinite validation value gave meaningless metrics without a word.
    @Test func inputsThatAreNotNumbersAreAnError() throws {
        var train = Self.squares(240, seed: 1), validation = Self.squares(90, seed: 2)
        train.inputs[5 * 64 + 7] = .nan
        validation.inputs[80 * 64] = -.infinity
        let configuration = TrainingConfiguration(epochs: 2, batchSize: 16, seed: 3, optimizer: SGD(learningRate: 0.02))
        // Training batches are shuffled; validation's are in order, so its sample 80 is the first of batch 6, of 10.
        for (splits, split, batch) in [([DataSplit.train: train], "train", "batch "),
                                       ([.train: Self.squares(240, seed: 1), .validation: validation], "validation", "batch 6: 1 of 10 samples holds NaN or infinite values (the first: sample 1)")] {
            let source = try InMemoryBatchSource(sampleShape: [1, 8, 8], classNames: ["top-left", "middle", "right"], splits: splits)
            #expect {
                _ = try Trainer(configuration).train(Sequential(Self.specs, seed: 2), on: source)
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix("\(split) split: \(batch)") && text.contains(" samples holds NaN or infinite values (the first: sample ")
                    && text.contains("a model given them learns or predicts nothing that means anything: \(NonFiniteSamples.remedy)")
            }
        }
    }

    @Test func monitorOnValidationBalancedAccuracyKeepsThatEpochsWeights() throws {
        // As above, the rate jumps ×1000 from epoch 3, so a later epoch is worse on validation and the last is not
        // the best. The kept model is the first epoch of highest validation balanced accuracy, and its weights are
        // exactly those of a run that stops after that epoch (same seed, same per-epoch rates: the run is deterministic).
        func configuration(epochs: Int) -> TrainingConfiguration {
            TrainingConfiguration(epochs: epochs, batchSize: 16, seed: 3, optimizer: SGD(learningRate: 0.02, momentum: 0.9),
                                  schedule: .step(stepSize: 3, gamma: 1000), monitor: .validationBalancedAccuracy)
        }
        let source = try Self.source()
        let result = try Trainer(configuration(epochs: 6)).train(Sequential(Self.specs, seed: 2), on: source)
        let scores = result.history.map { $0.valBalancedAccuracy! }
        #expect(result.bestEpoch == scores.firstIndex(of: scores.max()!)!)
        #expect(result.bestEpoch < 5, "the jump must make a later epoch worse; scores \(scores)")
        #expect(result.history.map(\.best) == scores.indices.map { i in scores[..<i].allSatisfy { $0 < scores[i] } })
        let stopped = try Trainer(configuration(epochs: result.bestEpoch + 1)).train(Sequential(Self.specs, seed: 2), on: source)
        #expect(stopped.history.map(\.loss) == Array(result.history.prefix(result.bestEpoch + 1).map(\.loss)))
        #expect(zip(result.best.stateDict(), stopped.last.stateDict()).allSatisfy { $0.name == $1.name && $0.tensor == $1.tensor })
        #expect(!zip(result.best.stateDict(), result.last.stateDict()).allSatisfy { $0.tensor == $1.tensor })
        var best = result.best
        #expect(try Trainer.evaluate(&best, on: source, split: .validation, batchSize: 16).balancedAccuracy == scores[result.bestEpoch])
    }

    @Test func classWeightsLiftBalancedAccuracyOnImbalancedData() throws {
        // 13 features, class 1 rare (10%) and shifted by 0.8σ in every feature (Bayes balanced accuracy ≈ 0.93).
        func split(_ n: Int, seed: UInt64) -> InMemoryBatchSource.Split {
            var rng = SeededGenerator(seed: seed)
            var x = [Float](), y = [Int]()
            for i in 0..<n {
                let label = i % 10 == 0 ? 1 : 0
                for _ in 0..<13 {
                    let u1 = max(rng.nextUnitFloat(), 1e-7), u2 = rng.nextUnitFloat()
                    x.append((-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2) + (label == 1 ? 0.8 : 0))
                }
                y.append(label)
            }
            return .init(inputs: x, labels: y)
        }
        let source = try InMemoryBatchSource(sampleShape: [13], classNames: ["no", "yes"], splits: [.train: split(600, seed: 1), .validation: split(400, seed: 2)])
        let model = try BuiltinModel.heartMLP.make(seed: 4)
        let weighted = try Trainer(TrainingConfiguration(epochs: 8, batchSize: 32, seed: 1, optimizer: Adam(learningRate: 0.003),
                                                         classWeights: [1, 9], monitor: .validationBalancedAccuracy)).train(model, on: source)
        let plain = try Trainer(TrainingConfiguration(epochs: 8, batchSize: 32, seed: 1, optimizer: Adam(learningRate: 0.003),
                                                      monitor: .validationBalancedAccuracy)).train(model, on: source)
        let w = weighted.history[weighted.bestEpoch], p = plain.history[plain.bestEpoch]
        #expect(w.valBalancedAccuracy! >= 0.85)
        #expect(w.valROCAUC! >= 0.93)
        #expect(w.valBalancedAccuracy! > p.valBalancedAccuracy!)
    }

    @Test func resamplingPlanAndShuffling() throws {
        let split = InMemoryBatchSource.Split(inputs: (0..<6).map(Float.init), labels: [0, 0, 0, 0, 1, 1], plan: [0, 1, 2, 3, 4, 5, 4, 5])
        let source = try InMemoryBatchSource(sampleShape: [1], classNames: ["a", "b"], splits: [.train: split])
        #expect(source.sampleCount(.train) == 8)
        func epoch(_ e: Int) throws -> [Float] {
            var it = try source.batches(.train, batchSize: 3, epoch: e, seed: 1)
            var values: [Float] = []
            while let b = try it.next() { values += b.inputs; #expect(b.labels == b.inputs.map { $0 >= 4 ? 1 : 0 }) }
            return values
        }
        #expect(try epoch(0).sorted() == [0, 1, 2, 3, 4, 4, 5, 5])
        #expect(try epoch(0) == epoch(0))
        #expect(try epoch(0) != epoch(1))
        #expect(throws: (any Error).self) {
            try InMemoryBatchSource(sampleShape: [2], classNames: ["a"], splits: [.train: split])
        }
    }
}
