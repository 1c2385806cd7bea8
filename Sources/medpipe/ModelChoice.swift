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

    /// Refuses a batch whose largest layer output alone (float32: a lower bound of what training it takes) exceeds the
    /// machine's memory: a model file's convolution padded by 3000 pixels made each sample's output 145 million values,
    /// and training aborted allocating 64 of them.
    /// - Parameter model: the name the user gave (a file or a built-in), which the error names.
    static func requireBatchFits(_ outputs: [[Int]], batch: Int, model: String, memory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let values = outputs.map { Double($0.reduce(1, *)) }.max() ?? 0
        let bytes = values * Double(batch) * Double(MemoryLayout<Float>.size)
        guard bytes <= Double(memory) else {
            throw MedPipeError.invalidArgument(model, String(format: "a batch of %d samples needs at least %.1f GiB for one layer's outputs, more than this machine's %.1f GiB of memory: give a smaller --batch, or a smaller model",
                                                             batch, bytes / Double(1 << 30), Double(memory) / Double(1 << 30)))
        }
    }
}
