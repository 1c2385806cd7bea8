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
}
