import Foundation
import MedPipeCore
import MedPipePipeline
import MedPipeTrain

/// A model named on the command line: a built-in (`mnist-cnn`...) or a YAML file listing layers (``ModelFile``).
enum ModelChoice {
    /// The layers for `name` (a built-in or a YAML path), sized for the data's input shape and classes, and each
    /// layer's output shape for one sample.
    static func specs(_ name: String, inputShape: [Int], classes: Int) throws -> (name: String, specs: [LayerSpec], outputs: [[Int]]) {
        if let builtin = BuiltinModel(rawValue: name) {
            let specs = try builtin.specs(classes: classes, inputShape: inputShape)
            return (name, specs, try Sequential(specs, seed: 0).layerOutputShapes(for: inputShape))
        }
        guard FileManager.default.fileExists(atPath: name) else {
            let known = BuiltinModel.allCases.map(\.rawValue).joined(separator: ", ")
            throw MedPipeError.invalidArgument(name, "neither a built-in model (\(known)) nor a YAML layer list")
        }
        let specs = try ModelFile.layers(name) { mapping, subject in try LayerSpec(json: mapping, subject: subject) }
        // Before the layers are built (their weights allocated): each layer is bounded, not their sum.
        try BatchMemory(layerOutputs: [], stateBytes: BatchMemory.trainingBytes(parameters: LayerSpec.parameterCount(of: specs))).requireState(model: name)
        let outputs: [[Int]]
        do { outputs = try Sequential(specs, seed: 0).layerOutputShapes(for: inputShape) } catch let error as MedPipeError {
            throw MedPipeError(error.kind, name, error.description)   // "layer 2 (Linear): ...", after the file that declares it
        }
        let output = outputs.last ?? inputShape
        guard output == [classes] else {
            throw MedPipeError.invalidArgument(name, "the model maps input \(inputShape) to \(output), but the data has \(classes) classes")
        }
        return (URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent, specs, outputs)
    }
}
