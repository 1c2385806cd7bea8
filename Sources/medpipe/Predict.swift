import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import MedPipeTrees

/// `medpipe predict`: logits for a batch already shaped (N, C, ...) in float32.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a trained model on a .npy batch shaped (N, C, ...) float32 and write the logits (N, classes).",
        discussion: """
        A tree model (random-forest, gradient-boosting) writes class probabilities (N, classes) instead of logits.

        Example: medpipe predict --model mnist.safetensors --npy batch.npy --out logits.npy
        """
    )

    @Option(help: ArgumentHelp("A model written by `medpipe train` (a network, or a tree model's .json).", valueName: "MODEL")) var model: String
    @Option(help: ArgumentHelp("Inputs: float32, shaped (N,) + the model's input shape.", valueName: "X.npy")) var npy: String
    @Option(help: ArgumentHelp("Where to write the float32 logits.", valueName: "LOGITS.npy")) var out: String
    @Option(help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        if TreeModel.isTreeModel(model) { return try TreeModelCommands.predict(model, npy: npy, out: out) }
        var checkpoint = try Checkpoint.read(model)
        let input = try NPYReader().read(npy).tensor
        guard input.dtype == .float32 else { throw MedPipeError.invalidArgument(npy, "must be float32, is \(input.dtype.rawValue)") }
        guard Array(input.shape.dropFirst()) == checkpoint.inputShape else {
            throw MedPipeError.invalidArgument(npy, "has shape \(input.shape); the model takes (N, \(checkpoint.inputShape.map(String.init).joined(separator: ", ")))")
        }
        BLAS.setThreads(threads)
        let logits = checkpoint.model.forward(Activation(shape: input.shape, data: input.values(as: Float.self)), training: false)
        try NPYWriter.write(Tensor(shape: logits.shape, values: logits.data), to: out)
        print("wrote \(out): logits \(logits.shape) for classes \(checkpoint.classNames.joined(separator: ", "))")
    }
}
