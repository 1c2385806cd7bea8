import MedPipeCore
import Yams

/// A model file: a YAML list of layers, PyTorch module names and constructor arguments, one layer per item.
///
/// ```yaml
/// - { type: Conv2d, in_channels: 1, out_channels: 16, kernel_size: 3, padding: 1 }
/// - { type: ReLU }
/// - { type: AdaptiveAvgPool2d, output_size: 1 }
/// - { type: Flatten }
/// - { type: Linear, in_features: 16, out_features: 2 }
/// ```
///
/// Reading it is the recipes' YAML, checked by ``YAMLLimits``; what a layer's mapping means is the trainer's
/// (`LayerSpec(json:subject:)` in `MedPipeTrain`), handed in as `layer`.
public enum ModelFile {
    /// The layers of the file at `path`, in order: each item's mapping made into a `Layer` by `layer`, which
    /// also receives a subject naming the file and the layer for its errors.
    /// - Throws: `.invalidArgument` naming the file (and the layer) when the text is not a non-empty YAML
    ///   list of mappings, breaks ``YAMLLimits``, or `layer` refuses a mapping.
    public static func layers<Layer>(_ path: String, layer: (_ mapping: [String: Any], _ subject: String) throws -> Layer) throws -> [Layer] {
        let text = try YAMLLimits.text(of: path, what: "a model file")
        try YAMLLimits.check(text, file: path)
        let parsed: Any?
        do { parsed = try Yams.load(yaml: text) } catch let error as YamlError {
            throw YAMLLimits.error(error, file: path)
        }
        guard let items = parsed as? [Any], !items.isEmpty else {
            throw MedPipeError.invalidArgument(path, "a model file is a YAML list of layers, each with a `type`")
        }
        return try items.enumerated().map { index, item in
            guard let mapping = item as? [String: Any] else {
                throw MedPipeError.invalidArgument("\(path): layer \(index)", "must be a mapping with a `type`")
            }
            return try layer(mapping, "\(path): layer \(index)")
        }
    }
}
