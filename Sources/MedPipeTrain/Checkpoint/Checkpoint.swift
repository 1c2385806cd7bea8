import Foundation
import MedPipeCore

/// A trained model with what is needed to use it: saved as safetensors whose tensors are the PyTorch
/// `nn.Sequential` `state_dict` and whose metadata holds the architecture and the data contract.
///
/// Metadata keys (all strings, JSON where structured): `format` (`medpipe.sequential.v1`), `architecture`
/// (a JSON array, one object per layer: `type` and PyTorch's constructor arguments), `class_names` (JSON
/// array), `input_shape` (JSON array, one sample), `normalization` (JSON, as given by the cache),
/// `recipe_hash`, `model_name`, plus any `extra` entries.
///
/// A seed ensemble of K > 1 networks (``Ensemble``) stores each member's `state_dict` under the prefix
/// `member0.`, `member1.`, … and the metadata `ensemble` (K, as text); all members share the architecture.
public struct Checkpoint: Sendable {
    public static let format = "medpipe.sequential.v1"

    /// The trained networks: one, or a seed ensemble's members, whose probabilities are averaged.
    public var ensemble: Ensemble
    /// The first (for most checkpoints, the only) network.
    public var model: Sequential {
        get { ensemble.members[0] }
        set { ensemble = Ensemble([newValue] + ensemble.members.dropFirst()) }
    }
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
        self.init(ensemble: Ensemble([model]), classNames: classNames, inputShape: inputShape, normalization: normalization,
                  recipeHash: recipeHash, modelName: modelName, extra: extra)
    }

    public init(ensemble: Ensemble, classNames: [String], inputShape: [Int], normalization: String = "",
                recipeHash: String = "", modelName: String = "", extra: [String: String] = [:]) {
        self.ensemble = ensemble; self.classNames = classNames; self.inputShape = inputShape
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
        if ensemble.members.count > 1 { m["ensemble"] = String(ensemble.members.count) }
        return m
    }

    /// Writes the checkpoint atomically.
    public func write(to path: String) throws {
        let members = ensemble.members
        let tensors = members.count == 1 ? model.stateDict()
            : members.enumerated().flatMap { i, m in m.stateDict().map { ("\(Self.memberPrefix(i))\($0.name)", $0.tensor) } }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
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
        // The file holds every weight the architecture declares: checked before the layers are built (and their
        // weights allocated), so that a damaged size is an error, not an allocation that kills the process.
        let declared = specs.reduce(0) { $0 + ($1.weightShape.isEmpty ? 0 : $1.weightShape.reduce(1, *)) }, stored = tensors.values.reduce(0) { $0 + $1.count }
        guard declared <= stored else {
            throw MedPipeError.malformed(path, "its architecture declares \(declared) weights, its tensors hold \(stored) values")
        }
        guard let classNames = try json("class_names") as? [String] else { throw MedPipeError.malformed(path, "metadata 'class_names' is not an array of strings") }
        guard let inputShape = try json("input_shape") as? [Int] else { throw MedPipeError.malformed(path, "metadata 'input_shape' is not an array of integers") }
        // The first member's layers, built to check the architecture's outputs, then loaded (each member has arrays
        // of its own, loaded in place).
        var unloaded: Sequential? = Sequential(toLoad: specs, seed: 0)
        let out: [Int]
        do { out = try unloaded!.outputShape(for: inputShape) } catch let error as MedPipeError {
            throw MedPipeError.malformed(path, error.description)
        }
        guard out == [classNames.count] else {
            throw MedPipeError.malformed(path, "architecture gives outputs \(out) for input \(inputShape), but there are \(classNames.count) class names")
        }
        var members: [Sequential] = []
        for (i, state) in try memberStates(tensors, count: meta["ensemble"], path: path).enumerated() {
            var member = unloaded ?? Sequential(toLoad: specs, seed: 0)
            unloaded = nil
            let subject = meta["ensemble"] == nil ? path : "\(path) ensemble member \(i)"
            try member.loadStateDict(state, subject: subject)
            if let layer = Self.firstLayerHoldingNonFiniteValues(state) {
                throw MedPipeError.malformed(subject, "layer \(layer)'s weights hold a non-finite value (NaN or infinity): the model's outputs would mean nothing")
            }
            members.append(member)
        }
        let known: Set = ["format", "architecture", "class_names", "input_shape", "normalization", "recipe_hash", "model_name", "ensemble"]
        return Checkpoint(ensemble: Ensemble(members), classNames: classNames, inputShape: inputShape,
                          normalization: meta["normalization"] ?? "", recipeHash: meta["recipe_hash"] ?? "",
                          modelName: meta["model_name"] ?? "", extra: meta.filter { !known.contains($0.key) })
    }

    /// The first layer whose tensors in a loaded `state` (weights, biases, running statistics) hold a NaN or an
    /// infinity, if any: a checkpoint damaged, hand-edited or saved from a diverged run, whose every output would
    /// mean nothing. Every name in `state` starts with its layer's index (``Sequential/loadStateDict(_:subject:)`` checked).
    static func firstLayerHoldingNonFiniteValues(_ state: [String: Tensor]) -> Int? {
        state.filter { $0.value.nonFiniteCount > 0 }.compactMap { Int($0.key.prefix { $0 != "." }) }.min()
    }

    /// Where ensemble member `i`'s tensors are: `member0.`, `member1.`, …
    static func memberPrefix(_ i: Int) -> String { "member\(i)." }

    /// The tensors of each member: all of them for a single network (no `ensemble` metadata); for an
    /// ensemble of `count` (2…``EnsembleSize/maximum``) members, each member's with its prefix removed. A tensor of no member is an error.
    private static func memberStates(_ tensors: [String: Tensor], count: String?, path: String) throws -> [[String: Tensor]] {
        guard let count else { return [tensors] }
        guard let k = Int(count), (2...EnsembleSize.maximum).contains(k) else {
            throw MedPipeError.malformed(path, "metadata 'ensemble' must be a member count from 2 to \(EnsembleSize.maximum), got '\(count)'")
        }
        var states = [[String: Tensor]](repeating: [:], count: k)
        for (name, tensor) in tensors {
            guard name.hasPrefix("member"), let dot = name.firstIndex(of: "."),
                  let i = Int(name[name.index(name.startIndex, offsetBy: 6)..<dot]), (0..<k).contains(i),
                  name.hasPrefix(memberPrefix(i)) else {
                throw MedPipeError.malformed(path, "tensor '\(name)' belongs to none of the \(k) ensemble members (member0. … member\(k - 1).)")
            }
            states[i][String(name[name.index(after: dot)...])] = tensor
        }
        return states
    }
}
