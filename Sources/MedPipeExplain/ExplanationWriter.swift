import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes one explained sample: the PNG overlay (with provenance in tEXt chunks), the raw map as
/// float32 `.npy` aligned with the input, and the entry for `index.json`.
public struct ExplanationWriter: Sendable {
    public var directory: String
    public var colormap: Colormap
    public var alpha: Float
    /// SHA-256 of the model file, written into every PNG.
    public var modelHash: String
    public var classNames: [String]

    public init(directory: String, colormap: Colormap, alpha: Float, modelHash: String, classNames: [String]) {
        self.directory = directory
        self.colormap = colormap
        self.alpha = alpha
        self.modelHash = modelHash
        self.classNames = classNames
    }

    /// One line of `index.json`.
    public struct IndexEntry: Codable, Sendable {
        public var name: String
        public var overlay: String
        public var map: String
        public var explainedClass: String
        public var predictedClass: String
        public var trueClass: String?
        public var score: Float
        public var probability: Float
        public var mapMinimum: Float
        public var mapMaximum: Float
    }

    /// Writes `name.png` and `name.npy` for an input `[C, spatial...]` and its explanation.
    public func write(name: String, input: [Float], inputShape: [Int], explanation: GradCAM.Explanation,
                      trueLabel: String?) throws -> IndexEntry {
        let spatial = Array(inputShape.dropFirst())
        let map = Upsampling.resize(explanation.map, shape: explanation.mapShape, to: spatial)
        let heat = Overlay.normalized(map)
        let image: RGBImage
        switch spatial.count {
        case 1:
            image = Overlay.trace(Array(input[0..<spatial[0]]), heat: heat, colormap: colormap)
        case 2:
            image = Overlay.image(input, channels: inputShape[0], rows: spatial[0], columns: spatial[1], heat: heat, colormap: colormap, alpha: alpha)
        case 3:
            image = Overlay.montage(Array(input[0..<spatial.reduce(1, *)]), shape: spatial, heat: heat, colormap: colormap, alpha: alpha)
        default:
            throw MedPipeError.unsupported(name, "Grad-CAM overlays are drawn for 1D, 2D and 3D inputs, not \(inputShape)")
        }
        let (low, high) = (map.min() ?? 0, map.max() ?? 0)
        let explained = classNames.indices.contains(explanation.classIndex) ? classNames[explanation.classIndex] : String(explanation.classIndex)
        let text: [(key: String, value: String)] = [
            ("Software", "MedPipe Grad-CAM"), ("medpipe:model-sha256", modelHash), ("medpipe:class", explained),
            ("medpipe:score", String(explanation.score)), ("medpipe:probability", String(explanation.probability)),
            ("medpipe:map-min", String(low)), ("medpipe:map-max", String(high)),
        ]
        let png = Tensor(shape: [image.rows, image.columns, 3], dtype: .uint8, bytes: image.pixels)
        try PNGWriter().write(png, to: directory + "/" + name + ".png", text: text)
        try NPYWriter.write(Tensor(shape: spatial, values: map), to: directory + "/" + name + ".npy")
        return IndexEntry(name: name, overlay: name + ".png", map: name + ".npy", explainedClass: explained,
                          predictedClass: classNames.indices.contains(explanation.predicted) ? classNames[explanation.predicted] : String(explanation.predicted),
                          trueClass: trueLabel, score: explanation.score, probability: explanation.probability,
                          mapMinimum: low, mapMaximum: high)
    }

    /// Writes `index.json` over all samples.
    public func writeIndex(_ entries: [IndexEntry], extra: [String: String]) throws {
        struct Index: Codable { var model_sha256: String; var settings: [String: String]; var samples: [IndexEntry] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Index(model_sha256: modelHash, settings: extra, samples: entries))
        do { try data.write(to: URL(fileURLWithPath: directory + "/index.json"), options: .atomic) } catch {
            throw MedPipeError.io(directory + "/index.json", "cannot write: \(error.localizedDescription)")
        }
    }
}
