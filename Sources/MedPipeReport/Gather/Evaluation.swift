import Foundation
import MedPipeCache
import MedPipeCore
import MedPipePipeline
import MedPipeTrain

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

    /// Mistakes shown, most confident first.
    static let mistakesShown = 8

    init(modelPath: String, dataset: CacheDataset, split: String) throws {
        var checkpoint = try Checkpoint.read(modelPath)
        try dataset.checkJudges(model: modelPath, classNames: checkpoint.classNames, inputShape: checkpoint.inputShape, preparation: checkpoint.extra)
        let entries = try dataset.cache.entries(split: split)
        guard !entries.isEmpty else { throw MedPipeError.invalidArgument(dataset.cache.directory, "the \(split) split holds no entries") }
        let k = dataset.classNames.count, size = dataset.sampleShape.reduce(1, *)
        var probabilities: [Float] = [], labels: [Int] = []
        probabilities.reserveCapacity(entries.count * k)
        let batchSize = try checkpoint.inferenceBatch(preferred: 64, file: modelPath)
        for start in stride(from: 0, to: entries.count, by: batchSize) {
            let batch = entries[start..<min(start + batchSize, entries.count)]
            var inputs: [Float] = []
            inputs.reserveCapacity(batch.count * size)
            for entry in batch {
                let input = try dataset.input(entry)
                guard input.count == size else {
                    throw MedPipeError.malformed(dataset.cache.directory, "entry \(entry.id) has \(input.count) values, the model takes \(size)")
                }
                guard let label = entry.label, let index = dataset.classNames.firstIndex(of: label) else {
                    throw MedPipeError.malformed(dataset.cache.directory, "entry \(entry.id) has no label")
                }
                inputs += input
                labels.append(index)
            }
            // As `medpipe evaluate` refuses them (FiniteInputBatches): the figures would be the ReLUs' guesses.
            if let bad = NonFiniteSamples(in: inputs, sampleSize: size) {
                throw MedPipeError.malformed(dataset.cache.directory, "the \(split) split's entries \(batch.first!.id) to \(batch.last!.id): " + bad.described(first: "entry \(batch[start + bad.first].id)"))
            }
            probabilities += softmax(try checkpoint.ensemble.scores(Activation(shape: [batch.count] + dataset.sampleShape, data: inputs), model: modelPath))
        }
        checkpoint.ensemble.releaseCaches()

        self.modelPath = modelPath
        modelName = checkpoint.modelName
        self.split = split
        classNames = dataset.classNames
        inputShape = dataset.sampleShape
        report = ClassificationReport(probabilities: probabilities, labels: labels, classNames: classNames)
        curves = (0..<k).map { c in
            ROCCurve(scores: labels.indices.map { probabilities[$0 * k + c] }, positive: labels.map { $0 == c })
        }
        let wrong = labels.indices.compactMap { i -> (index: Int, predicted: Int, probability: Float)? in
            let row = probabilities[(i * k)..<((i + 1) * k)]
            let predicted = row.indices.max { row[$0] < row[$1] }! - i * k
            return predicted == labels[i] ? nil : (i, predicted, row[i * k + predicted])
        }
        mistakes = try wrong.sorted { ($0.probability, $1.index) > ($1.probability, $0.index) }.prefix(Self.mistakesShown).map { m in
            Mistake(entry: entries[m.index], input: try dataset.input(entries[m.index]), trueClass: labels[m.index],
                    predictedClass: m.predicted, probability: m.probability)
        }
    }
}
