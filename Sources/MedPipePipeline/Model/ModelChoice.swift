import Foundation
import MedPipeCore
import MedPipeTrain
import Yams

/// A model named on the command line: a built-in (`mnist-cnn`...) or a YAML file listing layers.
///
/// ```yaml
/// # PyTorch module names and constructor arguments, one layer per item
/// - { type: Conv2d, in_channels: 1, out_channels: 16, kernel_size: 3, padding: 1 }
/// - { type: ReLU }
/// - { type: AdaptiveAvgPool2d, output_size: 1 }
/// - { type: Flatten }
/// - { type: Linear, in_features: 16, out_features: 2 }
/// ```
public enum ModelChoice {
    /// The layers for `name` (a built-in or a YAML path), sized for the data's input shape and classes.
    public static func specs(_ name: String, inputShape: [Int], classes: Int) throws -> (name: String, specs: [LayerSpec]) {
        if let builtin = BuiltinModel(rawValue: name) {
            return (name, try builtin.specs(classes: classes, inputShape: inputShape))
        }
        guard FileManager.default.fileExists(atPath: name) else {
            let known = BuiltinModel.allCases.map(\.rawValue).joined(separator: ", ")
            throw MedPipeError.invalidArgument(name, "neither a built-in model (\(known)) nor a YAML layer list")
        }
        let text = String(decoding: try FileBytes.read(name), as: UTF8.self)
        try YAMLLimits.check(text, file: name)
        let parsed: Any?
        do { parsed = try Yams.load(yaml: text) } catch {
            throw MedPipeError.invalidArgument(name, "not valid YAML: \(error)")
        }
        guard let items = parsed as? [Any], !items.isEmpty else {
            throw MedPipeError.invalidArgument(name, "a model file is a YAML list of layers, each with a `type`")
        }
        let specs = try items.enumerated().map { index, item in
            guard let object = item as? [String: Any] else {
                throw MedPipeError.invalidArgument("\(name): layer \(index)", "must be a mapping with a `type`")
            }
            return try LayerSpec(json: object, subject: "\(name): layer \(index)")
        }
        let output = try Sequential(specs, seed: 0).outputShape(for: inputShape)
        guard output == [classes] else {
            throw MedPipeError.invalidArgument(name, "the model maps input \(inputShape) to \(output), but the data has \(classes) classes")
        }
        return (URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent, specs)
    }
}
