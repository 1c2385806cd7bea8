import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeData
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// A trained model run on one split of the cache: the same report as `medpipe evaluate`, plus what it
/// leaves out: ROC curves per class and the samples the model got wrong most confidently.
struct Evaluation {
    struct Mistake {
        var entry: CacheEntry
        var input: [Float]
        var trueClass: Int
        var predictedClass: Int
        /// The probability the model gave its (wrong) prediction.
        var probability: Float
    }

    var modelPath: String
    var modelName: String
    var split: String
    var classNames: [String]
    var report: ClassificationReport
    /// One-vs-rest curve per class (nil where the split lacks the class or has nothing else).
    var curves: [ROCCurve?]
    var mistakes: [Mistake]
    var inputShape: [Int]
    /// How many of the split's patients (groups) the model trained on; nil when the model does not say
    /// (``CacheDataset/trainingPatients(in:model:preparation:)``).
    var trainingPatients: TrainingPatients?
    /// Whether the model's own fitted statistics prepared the split, the cache's differing (``Judgement/usesModelStatistics``).
    var usesModelStatistics: Bool

    /// Mistakes shown, most confident first.
    static let mistakesShown = 8

    /// Runs the model as `medpipe evaluate` does, over the streamed split (``TrainedModel/predictions(on:split:)``), so
    /// the figures are the same.
    init(model trained: TrainedModel, dataset opened: CacheDataset, split dataSplit: DataSplit) throws {
        let split = CacheDataset.name(of: dataSplit), modelPath = trained.path
        let entries = try opened.cache.entries(split: split)
        guard !entries.isEmpty else { throw MedPipeError.invalidArgument(opened.cache.directory, "the \(split) split holds no entries") }
        var model = trained
        let judgement = try Judgement(&model, on: opened, split: dataSplit)
        // The mistakes' inputs are shown as the model took them.
        let dataset = judgement.dataset
        trainingPatients = judgement.trainingPatients
        usesModelStatistics = judgement.usesModelStatistics
        let predicted = judgement.predictions
        modelName = model.name
        // The pass's order of the entries: the training split's is shuffled.
        let visited = EpochOrder.pass(dataSplit, count: entries.count, plan: nil, seed: 0, epoch: 0).map { entries[$0] }
        let k = dataset.classNames.count, probabilities = predicted.probabilities, labels = predicted.labels

        self.modelPath = modelPath
        self.split = split
        classNames = dataset.classNames
        inputShape = dataset.sampleShape
        report = judgement.report
        curves = (0..<k).map { c in
            ROCCurve(scores: labels.indices.map { probabilities[$0 * k + c] }, positive: labels.map { $0 == c })
        }
        let wrong = labels.indices.compactMap { i -> (index: Int, predicted: Int, probability: Float)? in
            let row = probabilities[(i * k)..<((i + 1) * k)]
            let predicted = row.indices.max { row[$0] < row[$1] }! - i * k
            return predicted == labels[i] ? nil : (i, predicted, row[i * k + predicted])
        }
        mistakes = try wrong.sorted { ($0.probability, $1.index) > ($1.probability, $0.index) }.prefix(Self.mistakesShown).map { m in
            Mistake(entry: visited[m.index], input: try dataset.input(visited[m.index]), trueClass: labels[m.index],
                    predictedClass: m.predicted, probability: m.probability)
        }
        // The mistakes' inputs are read after the judgement's check.
        try dataset.cache.requireUnchangedSinceOpened()
    }
}
