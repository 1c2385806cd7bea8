import Foundation
import MedPipeCore

/// A trained model with what is needed to use it: saved as safetensors whose tensors are the PyTorch
/// `nn.Sequential` `state_dict` and whose metadata holds the architecture and the data contract.
///
/// Metadata keys (all strings, JSON where structured): `format` (`medpipe.sequential.v1`), `architecture`
/// (a JSON array, one object per layer: `type` and PyTorch's constructor arguments), `class_names` (JSON
/// array), `input_shape` (JSON array, one sample), `normalization` (JSON, as given by the cache),
/// `recipe_hash`, `model_name`, plus any `extra` entries.
public struct Checkpoint: Sendable {
    public static let format = "medpipe.sequential.v1"

    public var model: Sequential
    public var classNames: [String]
    /// Shape of one input sample, e.g. `[1, 28, 28]`.
    public var inputShape: [Int]
    /// The normalization applied to inputs, as JSON text (empty when none).
    public var normalization: String
    public var recipeHash: String
    /// Built-in name or spec file the model came from.
    public var modelName: String
    /// Further metadata (e.g. `best_epoch`).
    public var extra: [String: String]

    public init(model: Sequential, classNames: [String], inputShape: [Int], normalization: String = "",
                recipeHash: String = "", modelName: String = "", extra: [String: String] = [:]) {
        self.model = model; self.classNames = classNames; self.inputShape = inputShape
        self.normalization = normalization; self.recipeHash = recipeHash; self.modelName = modelName; self.extra = extra
    }

    static func jsonText(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(), as: UTF8.self)
    }

    /// The metadata map written into the file.
    public var metadata: [String: String] {
        var m = extra
        m["format"] = Self.format
        m["architecture"] = Self.jsonText(model.specs.map(\.json))
        m["class_names"] = Self.jsonText(classNames)
        m["input_shape"] = Self.jsonText(inputShape)
        m["normalization"] = normalization
        m["recipe_hash"] = recipeHash
        m["model_name"] = modelName
        return m
    }

    /// Writes the checkpoint atomically.
    public func write(to path: String) throws {
        try SafeTensors.write(model.stateDict(), metadata: metadata, to: path)
    }

    /// Reads a checkpoint: rebuilds the model from its architecture and loads every tensor strictly.
    public static func read(_ path: String) throws -> Checkpoint {
        let (tensors, meta) = try SafeTensors.read(path)
        func json(_ key: String) throws -> Any {
            guard let text = meta[key], let v = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
                throw MedPipeError.malformed(path, "metadata '\(key)' is missing or not JSON")
            }
            return v
        }
        guard let layers = try json("architecture") as? [[String: Any]] else {
            throw MedPipeError.malformed(path, "metadata 'architecture' is not an array of layer objects")
        }
        let specs = try layers.enumerated().map { i, o in try LayerSpec(json: o, subject: "\(path) layer \(i)") }
        guard let classNames = try json("class_names") as? [String] else { throw MedPipeError.malformed(path, "metadata 'class_names' is not an array of strings") }
        guard let inputShape = try json("input_shape") as? [Int] else { throw MedPipeError.malformed(path, "metadata 'input_shape' is not an array of integers") }
        var model = Sequential(specs, seed: 0)
        let out = try model.outputShape(for: inputShape)
        guard out == [classNames.count] else {
            throw MedPipeError.malformed(path, "architecture gives outputs \(out) for input \(inputShape), but there are \(classNames.count) class names")
        }
        try model.loadStateDict(tensors, subject: path)
        let known: Set = ["format", "architecture", "class_names", "input_shape", "normalization", "recipe_hash", "model_name"]
        return Checkpoint(model: model, classNames: classNames, inputShape: inputShape,
                          normalization: meta["normalization"] ?? "", recipeHash: meta["recipe_hash"] ?? "",
                          modelName: meta["model_name"] ?? "", extra: meta.filter { !known.contains($0.key) })
    }
}
