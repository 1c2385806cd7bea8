import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes a run of explained samples: per sample the PNG overlay (with provenance in tEXt chunks) and a row
/// of `maps.npy`, the raw maps as float32 `(samples, spatial...)` aligned with the inputs, and `index.json`.
///
/// `index.json` is the record of a whole run: ``start(count:inputShape:)`` takes an earlier run's away, the
/// overlays are written straight to their names (not each through a temporary file and a rename: half the
/// folder operations), `maps.npy` is filled row by row under a temporary name, and ``finish(_:extra:)`` moves
/// it into place and writes the index atomically last. A run cut off leaves no index, so no reader takes its
/// files, some perhaps partial, for a finished run.
public struct ExplanationWriter: Sendable {
    public var directory: String
    public var colormap: Colormap
    public var alpha: Float
    /// SHA-256 of the model file, written into every PNG.
    public var modelHash: String
    public var classNames: [String]
    /// Pixels per input pixel in the PNG (nil: readable, at least 192 pixels); per sample for traces (nil: 2).
    /// The `.npy` maps stay at the input's resolution.
    public var scale: Int?

    public init(directory: String, colormap: Colormap, alpha: Float, modelHash: String, classNames: [String], scale: Int? = nil) {
        self.directory = directory
        self.colormap = colormap
        self.alpha = alpha
        self.modelHash = modelHash
        self.classNames = classNames
        self.scale = scale
    }

    /// The file holding the run's maps, one row per sample.
    public static let mapsFile = "maps.npy"
    /// The rows of `maps.npy`, open between ``start(count:inputShape:)`` and ``finish(_:extra:)``.
    private var maps: NPYRowWriter?

    /// One line of `index.json`.
    public struct IndexEntry: Codable, Sendable {
        public var name: String
        public var overlay: String
        /// The file holding the map: `maps.npy`, at row ``mapRow``; a file of the sample's own when `mapRow` is
        /// nil (the layout of runs before the maps were stacked).
        public var map: String
        public var mapRow: Int?
        public var explainedClass: String
        public var predictedClass: String
        public var trueClass: String?
        /// The cache entry explained (its manifest id), when the input came from a cache.
        public var entry: Int64?
        public var score: Float
        public var probability: Float
        public var mapMinimum: Float
        public var mapMaximum: Float
    }

    /// `index.json`: the model, the run's settings and every sample, in the order of the inputs.
    public struct Index: Codable, Sendable {
        public var model_sha256: String
        public var settings: [String: String]
        public var samples: [IndexEntry]
    }

    /// How every `index.json` written by ``finish(_:extra:)`` begins (its keys are sorted, `model_sha256` first).
    static let indexOpening = Array("{\n  \"model_sha256\" : \"".utf8)

    /// Starts a run of `count` samples shaped `inputShape` (`[C, spatial...]`): removes the `index.json` of an
    /// earlier run in the folder, if any, and opens the rows of `maps.npy`.
    /// - Throws: naming the file, when the folder holds an `index.json` that no Grad-CAM run wrote (a web page's,
    ///   say), which the run would replace.
    public mutating func start(count: Int, inputShape: [Int]) throws {
        let spatial = Array(inputShape.dropFirst())
        guard (1...3).contains(spatial.count) else {
            throw MedPipeError.unsupported(directory, "Grad-CAM overlays are drawn for 1D, 2D and 3D inputs, not \(inputShape)")
        }
        let index = directory + "/index.json"
        if FileManager.default.fileExists(atPath: index), (try? FileBytes.head(index, count: Self.indexOpening.count)) != Self.indexOpening {
            throw MedPipeError.invalidArgument(index, "is not the index of an earlier `medpipe gradcam` run, and this run would replace it: give --out a folder of its own")
        }
        guard unlink(index) == 0 || errno == ENOENT else {
            throw MedPipeError.io(index, "cannot remove the earlier run's index: \(String(cString: strerror(errno)))")
        }
        maps = try NPYRowWriter(path: directory + "/" + Self.mapsFile, shape: [count] + spatial, dtype: .float32)
    }

    /// Writes `name.png` and row `row` of `maps.npy` for an input `[C, spatial...]` and its explanation;
    /// `entry` is the cache entry the input came from, if any. Threads may write different rows at once.
    public func write(row: Int, name: String, input: [Float], inputShape: [Int], explanation: GradCAM.Explanation,
                      trueLabel: String?, entry: Int64? = nil) throws -> IndexEntry {
        guard let maps, Array(maps.shape.dropFirst()) == Array(inputShape.dropFirst()), (0..<maps.shape[0]).contains(row) else {
            throw MedPipeError.invalidArgument(directory, "sample \(row) shaped \(inputShape) is not one of the run started")
        }
        let spatial = Array(inputShape.dropFirst())
        let map = Upsampling.resize(explanation.map, shape: explanation.mapShape, to: spatial)
        let image = try Overlay.draw(input, shape: inputShape, heat: Overlay.normalized(map), colormap: colormap, alpha: alpha, scale: scale)
        let (low, high) = (map.min() ?? 0, map.max() ?? 0)
        let explained = classNames.indices.contains(explanation.classIndex) ? classNames[explanation.classIndex] : String(explanation.classIndex)
        let text: [(key: String, value: String)] = [
            ("Software", "MedPipe Grad-CAM"), ("medpipe:model-sha256", modelHash), ("medpipe:class", explained),
            ("medpipe:score", String(explanation.score)), ("medpipe:probability", String(explanation.probability)),
            ("medpipe:map-min", String(low)), ("medpipe:map-max", String(high)),
        ]
        let png = Tensor(shape: [image.rows, image.columns, 3], dtype: .uint8, bytes: image.pixels)
        // Magnified overlays repeat each pixel `scale` times along and across rows: stored as copies of
        // those runs, they are written about 8 times as fast as by libpng with zlib's fastest level.
        try PNGWriter(rowRuns: true).write(png, to: directory + "/" + name + ".png", text: text, inPlace: true)
        try map.withUnsafeBytes { try maps.write(row: row, bytes: $0) }
        return IndexEntry(name: name, overlay: name + ".png", map: Self.mapsFile, mapRow: row, explainedClass: explained,
                          predictedClass: classNames.indices.contains(explanation.predicted) ? classNames[explanation.predicted] : String(explanation.predicted),
                          trueClass: trueLabel, entry: entry, score: explanation.score, probability: explanation.probability,
                          mapMinimum: low, mapMaximum: high)
    }

    /// Ends the run: moves `maps.npy` into place, then writes `index.json` over all samples, flushed to disk,
    /// then the folder once (the overlays and maps are not flushed one by one).
    public func finish(_ entries: [IndexEntry], extra: [String: String]) throws {
        guard let maps else { throw MedPipeError.invalidArgument(directory, "the run was not started") }
        try maps.commit()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Index(model_sha256: modelHash, settings: extra, samples: entries))
        try AtomicFile.write(directory + "/index.json", bytes: data, durable: true)
        try AtomicFile.syncFolder(directory)
    }
}
