import Foundation
import MedPipeCore
import MedPipePipeline
import MedPipeTrain

/// What `inspect MODEL.safetensors` shows: the layers by index, classes, input shape and provenance.
struct ModelSummary {
    let checkpoint: Checkpoint
    let path: String

    /// The patients of the model's training split, when its metadata names them.
    let trainingGroups: TrainingGroups?

    init(path: String) throws {
        self.path = path
        checkpoint = try Checkpoint.read(path)
        trainingGroups = try TrainingGroups(metadata: checkpoint.extra, subject: path)
    }

    private var layers: [(index: Int, spec: LayerSpec)] {
        checkpoint.model.layers.enumerated().map { index, layer in (index, layer.spec) }
    }

    /// One line of JSON with sorted keys.
    func json() -> String {
        var object: [String: Any] = [
            "source": path, "format": "safetensors", "model": checkpoint.modelName, "classes": checkpoint.classNames,
            "input_shape": checkpoint.inputShape, "recipe_hash": checkpoint.recipeHash, "ensemble": checkpoint.ensemble.members.count,
            "layers": layers.map { index, spec in spec.json.merging(["index": index]) { $1 } },
        ]
        if let trainingGroups { object["training_groups"] = trainingGroups.digests.count }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    /// A few indented lines for a person, their values as read (``printLines(_:)`` shows them).
    func lines() -> [String] {
        var lines = [path, "  format:   safetensors (MedPipe model \(checkpoint.modelName))",
                     "  input:    \(checkpoint.inputShape.map(String.init).joined(separator: " × "))",
                     "  classes:  \(checkpoint.classNames.joined(separator: ", "))",
                     "  recipe:   \(checkpoint.recipeHash)"] + TrainingGroups.summaryLine(trainingGroups)
        let members = checkpoint.ensemble.members.count
        if members > 1 { lines.append("  ensemble: \(members) networks of these layers, their probabilities averaged") }
        lines.append("  layers:")
        for (index, spec) in layers {
            let arguments = spec.json.filter { $0.key != "type" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            lines.append("    \(index): \(spec.typeName)(\(arguments))")
        }
        return lines
    }
}
