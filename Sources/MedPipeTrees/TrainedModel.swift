import MedPipeCore
import MedPipeData
import MedPipeTrain

/// A trained classifier as `evaluate`, `report` and `predict` run it, told by its file's content: a network's checkpoint
/// (safetensors, ``Checkpoint``) or a tree model (XGBoost JSON, ``TreeModel``). What differs between the two is here
/// only: what the model takes and carries, and how it predicts a split or a batch of values.
public struct TrainedModel {
    /// The model file, which errors name.
    public let path: String
    private var network: Checkpoint?
    private let tree: TreeModel?
    /// Samples run at a time: a network's fitting memory (``Checkpoint/inferenceBatch(preferred:file:)``), a tree
    /// model's ``TreeModel/inferenceBatch``.
    public let batchSize: Int

    /// Reads the model at `path`: a tree model by its content, else a network's checkpoint.
    public init(reading path: String) throws {
        self.path = path
        if TreeModel.isTreeModel(path) {
            tree = try TreeModel.read(path)
            network = nil
            batchSize = TreeModel.inferenceBatch
        } else {
            let checkpoint = try Checkpoint.read(path)
            batchSize = try checkpoint.inferenceBatch(file: path)
            network = checkpoint
            tree = nil
        }
    }

    public var classNames: [String] { tree?.classNames ?? network!.classNames }
    public var inputShape: [Int] { tree?.inputShape ?? network!.inputShape }
    /// The metadata holding the stages and statistics of the model's training cache (``PreparationKeys``).
    public var preparation: [String: String] { tree?.preparation ?? network!.extra }
    /// The digest of the training curve of the run that wrote a network (``EpochMetrics/curveDigest(_:)``); nil for a
    /// tree model (its training logs no epochs) and a network written before it was kept.
    public var trainingCurve: String? { network?.extra[EpochMetrics.curveMetadataKey] }
    /// The network's model name (`mnist-cnn`), or the tree model's kind (`random-forest`).
    public var name: String { tree?.kind.rawValue ?? network!.modelName }
    /// Whether inputs that are not finite must be refused: a network's outputs for them mean nothing, where a tree
    /// model takes NaN for a missing value.
    public var needsFiniteInputs: Bool { tree == nil }

    /// The class probabilities of every sample of `split` of `source` in the order of one pass, their labels and the
    /// mean loss: a network's through ``Trainer/predictions(_:on:split:batchSize:classWeights:splitOver:file:)`` (outputs
    /// that are not finite refused), a tree model's through ``TreeModel/predictions(on:split:batchSize:)``.
    public mutating func predictions(on source: some BatchSource, split: DataSplit) throws -> Trainer.SplitPredictions {
        if let tree { return try tree.predictions(on: source, split: split, batchSize: batchSize) }
        return try Trainer.predictions(&network!.ensemble, on: source, split: split, batchSize: batchSize, file: path)
    }

    /// The classification report of ``predictions(on:split:)``.
    public mutating func evaluate(on source: some BatchSource, split: DataSplit) throws -> ClassificationReport {
        let p = try predictions(on: source, split: split)
        return p.report(classNames: classNames)
    }

    /// Class probabilities `count × classes` of `count` samples of ``inputShape`` held back to back in `values`.
    public mutating func probabilities(_ values: [Float], count: Int) throws -> [Float] {
        if let tree { return try tree.probabilities(values, count: count) }
        let input = Activation(shape: [count] + inputShape, data: values)
        return softmax(try network!.ensemble.scores(input, batchesOf: batchSize, model: path))
    }
}
