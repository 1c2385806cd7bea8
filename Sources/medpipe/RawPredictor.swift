import MedPipeCore
import MedPipeTrain
import MedPipeTrees

/// The model `predict` runs on raw inputs: a network's checkpoint or a tree model (XGBoost JSON), with what `predict`
/// needs of either: its classes, input shape and preparation, and class probabilities.
struct RawPredictor {
    let path: String
    private var network: Checkpoint?
    private let tree: TreeModel?
    /// Samples a network runs at a time, fitting memory (``Checkpoint/inferenceBatch(preferred:file:)``).
    private let batch: Int

    /// Reads the model at `path`: a tree model by its content, else a network's checkpoint.
    init(model path: String) throws {
        self.path = path
        if TreeModel.isTreeModel(path) {
            tree = try TreeModel.read(path)
            network = nil
            batch = TreeModel.inferenceBatch
        } else {
            let checkpoint = try Checkpoint.read(path)
            batch = try checkpoint.inferenceBatch(file: path)
            network = checkpoint
            tree = nil
        }
    }

    var classNames: [String] { tree?.classNames ?? network!.classNames }
    var inputShape: [Int] { tree?.inputShape ?? network!.inputShape }
    /// The metadata holding the stages and statistics of the model's training cache (``PreparationKeys``).
    var preparation: [String: String] { tree?.preparation ?? network!.extra }
    /// Whether inputs that are not finite must be refused: a network's outputs for them mean nothing, where a tree
    /// model takes NaN for a missing value.
    var needsFiniteInputs: Bool { tree == nil }

    /// Class probabilities `count × classes` of `count` samples of ``inputShape`` held back to back in `values`.
    mutating func probabilities(_ values: [Float], count: Int) throws -> [Float] {
        if let tree { return try tree.probabilities(values, count: count) }
        let input = Activation(shape: [count] + inputShape, data: values)
        return softmax(try network!.ensemble.scores(input, batchesOf: batch, model: path))
    }
}
