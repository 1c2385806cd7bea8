import Foundation
import MedPipeCore
import MedPipeData
import MedPipeTrain

/// A trained tree ensemble with its data contract, saved as XGBoost's own JSON model: `xgboost.Booster`
/// loads the file as it is, and MedPipe's metadata rides in the booster's string attributes
/// (`Booster.attr(name)` in Python):
///
/// | attribute | value |
/// |---|---|
/// | `format` | `medpipe.xgboost.v1` |
/// | `model_name` | `random-forest` or `gradient-boosting` |
/// | `class_names` | JSON array; output column *k* is the probability of class *k* |
/// | `input_shape` | JSON array, one sample as the cache gives it; features are its values in row-major order |
/// | `recipe_hash` | the recipe hash of the cache it was trained on |
/// | `parameters` | JSON of ``TreeParameters`` |
/// | `pipeline`, `fitted` | the stages and fitted statistics of that cache, as a checkpoint carries them (models trained before they were kept have none) |
public struct TreeModel: Sendable {
    public static let format = "medpipe.xgboost.v1"

    public let kind: TreeKind
    public let parameters: TreeParameters
    public let classNames: [String]
    /// Shape of one input sample; the model sees its values flattened.
    public let inputShape: [Int]
    public let recipeHash: String
    /// The attributes of `PreparationKeys` (the preparation of the cache it was trained on), those it has.
    public let preparation: [String: String]
    let booster: XGBoost.Booster

    /// Features per sample: the input shape's values, flattened.
    public var featureCount: Int { inputShape.reduce(1, *) }

    /// Trains on the training split of `source` (its rebalancing plan applied: repeated rows oversample),
    /// with `classWeights` as per-row weights when given. Images and signals are flattened.
    public static func train(_ kind: TreeKind, parameters: TreeParameters, on source: some BatchSource,
                             classWeights: [Float]? = nil, recipeHash: String = "", preparation: [String: String] = [:]) throws -> TreeModel {
        try parameters.validate(subject: kind.rawValue)
        let classes = source.classNames.count
        guard classes >= 2 else { throw MedPipeError.invalidArgument(kind.rawValue, "needs at least 2 classes, got \(classes)") }
        let (inputs, labels) = try rows(of: source, split: .train, seed: parameters.seed)
        guard !labels.isEmpty else { throw MedPipeError.invalidArgument("training", "the training split is empty") }
        let width = source.sampleShape.reduce(1, *)
        let subject = kind.rawValue
        let matrix = try XGBoost.Matrix(values: inputs, rows: labels.count, columns: width, labels: labels,
                                        weights: classWeights.map { w in labels.map { w[$0] } }, subject: subject)
        let booster = try XGBoost.Booster(training: matrix, subject: subject)
        let (settings, rounds) = parameters.xgboost(kind, classes: classes)
        for (name, value) in settings { try booster.set(name, value) }
        for round in 0..<rounds { try booster.update(iteration: round, on: matrix) }
        let model = TreeModel(kind: kind, parameters: parameters, classNames: source.classNames, inputShape: source.sampleShape,
                              recipeHash: recipeHash, preparation: preparation.filter { PreparationKeys.all.contains($0.key) }, booster: booster)
        try model.storeMetadata()
        return model
    }

    /// Class probabilities for `count` samples held back to back in `inputs`: `count × classes`, row-major.
    public func probabilities(_ inputs: [Float], count: Int) throws -> [Float] {
        guard inputs.count == count * featureCount else {
            throw MedPipeError.invalidArgument(kind.rawValue, "\(inputs.count) values are not \(count) samples of shape \(inputShape)")
        }
        guard count > 0 else { return [] }
        let matrix = try XGBoost.Matrix(values: inputs, rows: count, columns: featureCount, subject: kind.rawValue)
        return try booster.predict(matrix, rows: count, classes: classNames.count)
    }

    /// Samples predicted at a time by ``predictions(on:split:batchSize:)``, and read at a time from a streamed cache.
    public static let inferenceBatch = 256

    /// Accuracy, balanced accuracy, per-class figures, ROC AUC and the confusion matrix on `split` of
    /// `source`, with the mean cross-entropy of the predicted probabilities as the loss.
    public func evaluate(on source: some BatchSource, split: DataSplit, batchSize: Int = inferenceBatch) throws -> ClassificationReport {
        let p = try predictions(on: source, split: split, batchSize: batchSize)
        return p.report(classNames: classNames)
    }

    /// The class probabilities of every sample of `split` of `source`, in the order of one pass
    /// (``Trainer/SplitPredictions``), their labels and the mean cross-entropy. The split is predicted `batchSize`
    /// samples at a time (one row's probabilities do not depend on the others'), so a streamed source holds a few
    /// batches of it, not the split.
    public func predictions(on source: some BatchSource, split: DataSplit, batchSize: Int = inferenceBatch) throws -> Trainer.SplitPredictions {
        var batches = try source.batches(split, batchSize: batchSize, epoch: 0, seed: 0)
        var p: [Float] = [], labels: [Int] = []
        while let batch = try batches.next() {
            p += try probabilities(batch.inputs, count: batch.labels.count)
            labels += batch.labels
        }
        guard !labels.isEmpty else { throw MedPipeError.invalidArgument("\(split.rawValue) split", "has no samples") }
        let k = classNames.count
        let loss = labels.enumerated().reduce(0.0) { $0 - log(max(Double(p[$1.offset * k + $1.element]), 1e-15)) } / Double(labels.count)
        return Trainer.SplitPredictions(probabilities: p, labels: labels, loss: loss)
    }

    /// The features by total gain over every split that uses them, largest first, as indices into a
    /// flattened sample (features no split uses are left out).
    public func featureGains() throws -> [(feature: Int, gain: Double)] { try booster.gain() }

    /// Every sample of one pass over `split`, back to back, with their labels.
    private static func rows(of source: some BatchSource, split: DataSplit, seed: UInt64) throws -> (inputs: [Float], labels: [Int]) {
        let count = source.sampleCount(split)
        guard count > 0 else { return ([], []) }
        var batches = try source.batches(split, batchSize: count, epoch: 0, seed: seed)
        var inputs: [Float] = [], labels: [Int] = []
        while let batch = try batches.next() {
            inputs += batch.inputs
            labels += batch.labels
        }
        return (inputs, labels)
    }

    private init(kind: TreeKind, parameters: TreeParameters, classNames: [String], inputShape: [Int], recipeHash: String,
                 preparation: [String: String], booster: XGBoost.Booster) {
        self.kind = kind; self.parameters = parameters; self.classNames = classNames; self.inputShape = inputShape
        self.recipeHash = recipeHash; self.preparation = preparation; self.booster = booster
    }

    private func storeMetadata() throws {
        try booster.setAttribute("format", Self.format)
        try booster.setAttribute("model_name", kind.rawValue)
        try booster.setAttribute("class_names", Self.jsonText(classNames))
        try booster.setAttribute("input_shape", Self.jsonText(inputShape))
        try booster.setAttribute("recipe_hash", recipeHash)
        for (key, value) in preparation.sorted(by: { $0.key < $1.key }) { try booster.setAttribute(key, value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try booster.setAttribute("parameters", String(decoding: try encoder.encode(parameters), as: UTF8.self))
    }

    private static func jsonText(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(), as: UTF8.self)
    }

    /// Writes XGBoost's JSON model, MedPipe's attributes included, atomically.
    public func write(to path: String) throws {
        let json = try booster.json()
        try AtomicFile.write(path, bytes: json)
    }

    /// Whether `path` holds a tree model rather than a safetensors checkpoint: XGBoost's JSON starts with
    /// `{"learner"`, a safetensors file with its 8-byte header length. Other JSON (a training log, an index.json
    /// given as the model by mistake) is neither, and is read as a checkpoint, which says it is none.
    public static func isTreeModel(_ path: String) -> Bool {
        let head = ((try? FileBytes.head(path, count: 64)) ?? []).filter { !$0.isWhitespace }
        return head.starts(with: Array(#"{"learner""#.utf8))
    }

    /// Reads a model written by ``write(to:)``; a JSON model without MedPipe's attributes is refused.
    public static func read(_ path: String) throws -> TreeModel {
        let booster = try XGBoost.Booster(json: try FileBytes.read(path), subject: path)
        guard try booster.attribute("format") == format else {
            throw MedPipeError.unsupported(path, "an XGBoost model without MedPipe's attributes (format \(format)); train it with `medpipe train --model random-forest`")
        }
        func attribute(_ key: String) throws -> String {
            guard let value = try booster.attribute(key) else { throw MedPipeError.malformed(path, "attribute '\(key)' is missing") }
            return value
        }
        func json<T>(_ key: String, as: T.Type) throws -> T {
            guard let value = try? JSONSerialization.jsonObject(with: Data(try attribute(key).utf8)) as? T else {
                throw MedPipeError.malformed(path, "attribute '\(key)' is not a JSON \(T.self)")
            }
            return value
        }
        guard let kind = TreeKind(rawValue: try attribute("model_name")) else {
            throw MedPipeError.unsupported(path, "model_name '\(try attribute("model_name"))' is not a tree model MedPipe trains")
        }
        let classNames = try json("class_names", as: [String].self)
        let inputShape = try json("input_shape", as: [Int].self)
        guard classNames.count >= 2, !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw MedPipeError.malformed(path, "class_names \(classNames) or input_shape \(inputShape) is not usable")
        }
        let parameters = try JSONCoding.decode(TreeParameters.self, from: try attribute("parameters"), using: JSONDecoder(), subject: path, "attribute 'parameters'")
        var preparation: [String: String] = [:]
        for key in PreparationKeys.all { preparation[key] = try booster.attribute(key) }
        return TreeModel(kind: kind, parameters: parameters, classNames: classNames, inputShape: inputShape,
                         recipeHash: try attribute("recipe_hash"), preparation: preparation, booster: booster)
    }
}

private extension UInt8 {
    var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
