import Foundation
import MedPipeCore
import MedPipeData
import MedPipeFormats
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// What `predict --npy`, `inspect` and `gradcam` do with a tree model (`medpipe train --model
/// random-forest|gradient-boosting`), which they recognize by its content (XGBoost JSON, not safetensors).
enum TreeModelCommands {
    /// `predict`: class probabilities `(N, classes)` for a float32 batch shaped `(N,) + input shape`.
    static func predict(_ path: String, npy: String, out: String) throws {
        let model = try TreeModel.read(path)
        let input = try NPYReader().read(npy).tensor
        guard input.dtype == .float32 else { throw MedPipeError.invalidArgument(npy, "must be float32, is \(input.dtype.rawValue)") }
        guard Array(input.shape.dropFirst()) == model.inputShape, let count = input.shape.first else {
            throw MedPipeError.invalidArgument(npy, "has shape \(input.shape); the model takes (N, \(model.inputShape.map(String.init).joined(separator: ", ")))")
        }
        guard count > 0 else { throw MedPipeError.invalidArgument(npy, "holds no sample (shape \(input.shape)): nothing to run the model on") }
        let p = try model.probabilities(input.values(as: Float.self), count: count)
        try NPYWriter.write(Tensor(shape: [count, model.classNames.count], values: p), to: out)
        printLines(["wrote \(out): probabilities [\(count), \(model.classNames.count)] for classes \(model.classNames.joined(separator: ", ")) (a tree model gives probabilities, not logits)"])
    }

    /// `gradcam`: refused, with what to use instead.
    static func refuseGradCAM(_ path: String) throws -> Never {
        let kind = (try? TreeModel.read(path).kind.rawValue) ?? "tree"
        throw MedPipeError.unsupported(path, "Grad-CAM needs a convolutional network's gradients; this is a \(kind) model (XGBoost). `medpipe inspect \(path)` lists the features it relies on most (total gain)")
    }

    /// Features `inspect` lists, those with the most total gain.
    private static let topFeatures = 10

    /// `inspect --json`: kind, classes, input, parameters and the features with the most total gain, as one line of JSON.
    static func summaryJSON(_ path: String) throws -> String {
        let model = try TreeModel.read(path)
        let gains = Array(try model.featureGains().prefix(topFeatures))
        var object: [String: Any] = [
            "source": path, "format": "xgboost-json", "model": model.kind.rawValue, "classes": model.classNames,
            "input_shape": model.inputShape, "recipe_hash": model.recipeHash,
            "parameters": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(model.parameters))) ?? [:],
            "top_features": gains.map { ["feature": $0.feature, "position": position($0.feature, in: model.inputShape), "gain": $0.gain] },
        ]
        if let groups = try TrainingGroups(metadata: model.preparation, subject: path) { object["training_groups"] = groups.digests.count }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    /// `inspect`: the same as a few indented lines for a person, their values as read (``printLines(_:)`` shows them).
    static func summary(_ path: String) throws -> [String] {
        let model = try TreeModel.read(path)
        let gains = Array(try model.featureGains().prefix(topFeatures))
        let p = model.parameters
        var lines = [path, "  format:   XGBoost JSON (MedPipe \(model.kind.rawValue))",
                     "  input:    \(model.inputShape.map(String.init).joined(separator: " × ")) (\(model.featureCount) features, flattened)",
                     "  classes:  \(model.classNames.joined(separator: ", "))",
                     "  recipe:   \(model.recipeHash)"] + TrainingGroups.summaryLine(try TrainingGroups(metadata: model.preparation, subject: path)) + [
                     "  trees:    \(p.trees) per class, max depth \(p.maxDepth), \(p.bins) bins, subsample \(p.subsample), colsample-bynode \(p.colsampleByNode)"
                        + (model.kind == .gradientBoosting ? ", eta \(p.eta)" : ""),
                     "  features with the most total gain (position in the input):"]
        for (feature, gain) in gains {
            lines.append(String(format: "    %6d  %@  %.1f", feature, position(feature, in: model.inputShape).map(String.init).joined(separator: ", "), gain))
        }
        return lines
    }

    /// The index of a flattened feature along each axis of `shape` (row-major).
    private static func position(_ feature: Int, in shape: [Int]) -> [Int] {
        var rest = feature
        return shape.reversed().map { size in defer { rest /= size }; return rest % size }.reversed()
    }
}
