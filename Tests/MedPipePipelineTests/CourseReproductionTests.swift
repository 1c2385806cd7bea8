import Foundation
import Testing
import MedPipeCache
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// The course's models trained from caches converted by the shipped recipes, seeded.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct CourseReproductionTests {
    /// UCI heart disease, `heart-mlp`, stratified 60/20/20: test accuracy ≥ 0.80 and ROC AUC ≥ 0.90 (course: 0.85, 0.95).
    @Test func heartMLPReachesTheCourseFigures() async throws {
        let cache = temporaryDirectory("heart-train")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let recipe = try Recipe.load(SharedData.fixture("recipes/heart.yaml"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        let dataset = try CacheDataset(directory: cache)
        #expect(dataset.sampleShape == [13])
        #expect(dataset.classNames == ["0", "1"])
        let source = try dataset.batchSource()
        let specs = try BuiltinModel.heartMLP.specs(classes: 2, inputShape: dataset.sampleShape)
        let configuration = TrainingConfiguration(epochs: 60, batchSize: 32, seed: 7, optimizer: Adam(learningRate: 1e-3),
                                                  classWeights: try dataset.classWeights(.recipe), patience: 15, threads: 1)
        var best = try Trainer(configuration).train(Sequential(specs, seed: 7), on: source).best
        let report = try Trainer.evaluate(&best, on: source, split: .test)
        #expect((55...65).contains(report.samples), "a 20% test split of 297 rows, got \(report.samples)")
        #expect(report.accuracy >= 0.80, "test accuracy \(report.accuracy)")
        #expect(try #require(report.rocAUC) >= 0.90, "test ROC AUC \(String(describing: report.rocAUC))")
    }

    /// Converts a shipped recipe into a fresh cache and opens it for training.
    private func dataset(_ recipe: String, _ cache: String) async throws -> CacheDataset {
        let loaded = try Recipe.load(SharedData.fixture("recipes/\(recipe)"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: loaded, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        return try CacheDataset(directory: cache)
    }

    /// MNIST, `mnist-cnn`, 8,000 digits to train and 2,000 to test: ≥ 98% test accuracy in 5 epochs
    /// (course: 98.8% on 16k/4k after 10). Adam with a cosine schedule: measured 98.1–98.6% over seeds 1–4,
    /// where a constant rate ends between 97.5% and 98.5% depending on the seed.
    @Test func mnistCNNReaches98PercentInFiveEpochs() async throws {
        let cache = temporaryDirectory("mnist-train")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let data = try await dataset("mnist.yaml", cache)
        #expect(data.sampleShape == [1, 28, 28])
        let source = try data.batchSource()
        #expect(source.sampleCount(.train) == 8000 && source.sampleCount(.test) == 2000)
        let specs = try BuiltinModel.mnistCNN.specs(classes: 10, inputShape: data.sampleShape)
        let configuration = TrainingConfiguration(epochs: 5, batchSize: 32, seed: 1, optimizer: Adam(learningRate: 1e-3),
                                                  schedule: .cosine(period: 5), threads: 2)
        var model = try Trainer(configuration).train(Sequential(specs, seed: 1), on: source).best
        let report = try Trainer.evaluate(&model, on: source, split: .test)
        print("MNIST, mnist-cnn, 5 epochs on 8,000 digits: test accuracy \(report.accuracy)")
        #expect(report.accuracy >= 0.98, "test accuracy \(report.accuracy)")
    }

    /// MNIST, `mnist-mlp` (course A5: 784 → 512 → 256 → 10, ReLU, dropout 0.2) on the same 8,000/2,000 split:
    /// ≥ 95% test accuracy.
    @Test func mnistMLPReaches95Percent() async throws {
        let cache = temporaryDirectory("mnist-mlp-train")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let data = try await dataset("mnist.yaml", cache)
        let source = try data.batchSource()
        let specs = try BuiltinModel.mnistMLP.specs(classes: 10, inputShape: data.sampleShape)
        let configuration = TrainingConfiguration(epochs: 10, batchSize: 64, seed: 1, optimizer: Adam(learningRate: 1e-3),
                                                  schedule: .cosine(period: 10), threads: 2)
        var model = try Trainer(configuration).train(Sequential(specs, seed: 1), on: source).best
        let report = try Trainer.evaluate(&model, on: source, split: .test)
        print("MNIST, mnist-mlp, 10 epochs on 8,000 digits: test accuracy \(report.accuracy)")
        #expect(report.accuracy >= 0.95, "test accuracy \(report.accuracy)")
    }

    /// BreastMNIST on its official splits, `medmnist-cnn`, oversampled: test ROC AUC ≥ 0.85.
    @Test func medmnistCNNOnBreastMNISTReachesAUC085() async throws {
        let cache = temporaryDirectory("breast-train")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let data = try await dataset("breastmnist.yaml", cache)
        let source = try data.batchSource()
        #expect(source.sampleCount(.validation) == 78 && source.sampleCount(.test) == 156)
        #expect(source.sampleCount(.train) == 798, "546 training images oversampled to 399 per class")
        let specs = try BuiltinModel.medmnistCNN.specs(classes: 2, inputShape: data.sampleShape)
        let configuration = TrainingConfiguration(epochs: 15, batchSize: 32, seed: 1, optimizer: Adam(learningRate: 1e-3),
                                                  monitor: .validationBalancedAccuracy, threads: 2)
        var model = try Trainer(configuration).train(Sequential(specs, seed: 1), on: source).best
        let report = try Trainer.evaluate(&model, on: source, split: .test)
        #expect(try #require(report.rocAUC) >= 0.85, "test ROC AUC \(String(describing: report.rocAUC))")
    }

    /// MIT-BIH record 100 beats, `ecg-cnn`, N against A on held-out time blocks: balanced accuracy ≥ 0.85
    /// with oversampling; the same run without rebalancing is reported beside it.
    @Test func ecgCNNSeparatesAtrialBeatsWithRebalancing() async throws {
        let cache = temporaryDirectory("ecg-train")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let data = try await dataset("mitbih-100.yaml", cache)
        #expect(data.sampleShape == [1, 500])
        #expect(data.classNames == ["A", "N"])
        let specs = try BuiltinModel.ecgCNN.specs(classes: 2, inputShape: data.sampleShape)
        var results: [String: Double] = [:]
        for balance in [CacheDataset.Balance.recipe, .none] {
            let source = try data.batchSource(balance: balance, seed: 1)
            let configuration = TrainingConfiguration(epochs: 4, batchSize: 64, seed: 1, optimizer: Adam(learningRate: 1e-3),
                                                      monitor: .validationBalancedAccuracy, threads: 2)
            var model = try Trainer(configuration).train(Sequential(specs, seed: 1), on: source).best
            let report = try Trainer.evaluate(&model, on: source, split: .test)
            // Balanced accuracy averages over the classes present: both must be in the test split, or a model
            // that calls every beat N would score 1.
            #expect(report.perClass.map(\.name) == ["A", "N"])
            #expect(report.perClass.allSatisfy { $0.support >= 5 }, "test support per class: \(report.perClass.map(\.support))")
            results[balance.rawValue] = report.balancedAccuracy
        }
        print("MIT-BIH 100, N vs A, test balanced accuracy: oversampled \(results["recipe"]!), not rebalanced \(results["none"]!)")
        #expect(results["recipe"]! >= 0.85, "balanced accuracy with oversampling \(results["recipe"]!)")
    }
}
