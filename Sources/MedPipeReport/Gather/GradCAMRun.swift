import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeExplain
import MedPipeFormats
import MedPipePipeline

/// The output of `medpipe gradcam`: `index.json`, and for each sample the raw map (a row of `maps.npy`, at the
/// input's resolution) with the cache entry it explains, whose input the report reads back from the cache.
struct GradCAMRun {
    struct Sample {
        var index: ExplanationWriter.IndexEntry
        /// The raw map, one value per input position.
        var map: [Float]
        /// The input as the network took it, when the entry is in the report's cache.
        var input: [Float]?
        /// The overlay PNG `gradcam` wrote, shown when the input is not in the cache.
        var overlayPath: String
    }

    var directory: String
    var settings: [String: String]
    var colormap: Colormap
    var alpha: Float
    var samples: [Sample]
    /// The input shape (channels first) of the cache and model.
    var inputShape: [Int]
    /// Sampling frequency of signals, Hz.
    var frequency: Double?
    /// Samples in the index; the gallery shows the first ``shown``.
    var total: Int

    static let shown = 16

    /// The samples reordered to take the (true, else predicted) classes in turn, each class in its own order:
    /// the gallery shows every class even when `gradcam --limit` took the first samples of a sorted split.
    static func classesInTurn(_ samples: [ExplanationWriter.IndexEntry]) -> [ExplanationWriter.IndexEntry] {
        var queues: [(key: String, items: [ExplanationWriter.IndexEntry])] = []
        for sample in samples {
            let key = sample.trueClass ?? sample.predictedClass
            if let i = queues.firstIndex(where: { $0.key == key }) { queues[i].items.append(sample) } else { queues.append((key, [sample])) }
        }
        var ordered: [ExplanationWriter.IndexEntry] = []
        for round in 0..<(queues.map(\.items.count).max() ?? 0) {
            for queue in queues where round < queue.items.count { ordered.append(queue.items[round]) }
        }
        return ordered
    }

    /// - Parameter model: the model the report evaluates, which the maps must explain (nil: any).
    init(directory: String, dataset: CacheDataset, model: String? = nil) throws {
        let indexPath = directory + "/index.json"
        let index: ExplanationWriter.Index
        do {
            index = try JSONDecoder().decode(ExplanationWriter.Index.self, from: Data(try FileBytes.read(indexPath)))
        } catch let error as MedPipeError {
            throw error
        } catch {
            throw MedPipeError.malformed(indexPath, "is not the index.json of `medpipe gradcam`")
        }
        if let recipe = index.settings["recipe_hash"], recipe != dataset.recipeHash {
            throw MedPipeError.invalidArgument(indexPath, "explains a cache of another recipe (\(recipe.prefix(12))); \(dataset.cache.directory) holds recipe \(dataset.recipeHash.prefix(12))")
        }
        // Maps of another model beside this one's evaluation would pass for its explanations.
        if let model, case let hash = try ContentHash.ofFile(model), hash != index.model_sha256 {
            throw MedPipeError.invalidArgument(indexPath, "explains another model (SHA-256 \(index.model_sha256.prefix(12))) than --model \(model) (\(hash.prefix(12))): run gradcam with that model")
        }
        self.directory = directory
        settings = index.settings
        colormap = Colormap(rawValue: index.settings["colormap"] ?? "jet") ?? .jet
        alpha = Float(index.settings["alpha"] ?? "") ?? 0.45
        total = index.samples.count
        inputShape = dataset.sampleShape
        let all = try dataset.cache.entries()
        if case .temporal(let hz)? = all.first?.geometry { frequency = hz }
        let shape = dataset.sampleShape, spatial = shape.dropFirst().reduce(1, *)
        let entries = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        var mapFiles: [String: [Float]] = [:]   // each file read once: maps.npy holds every sample's row
        samples = try Self.classesInTurn(index.samples).prefix(Self.shown).map { item in
            guard !item.map.contains("/"), !item.overlay.contains("/") else {
                throw MedPipeError.malformed(indexPath, "names a file outside its folder (\(item.map), \(item.overlay))")
            }
            let mapPath = directory + "/" + item.map
            if mapFiles[item.map] == nil {
                let tensor = try NPYReader().readTensor(mapPath)
                let rows = item.mapRow == nil ? 1 : tensor.shape.first ?? 0
                let expected = rows.multipliedReportingOverflow(by: spatial)
                guard tensor.dtype == .float32, !expected.overflow, tensor.count == expected.partialValue else {
                    throw MedPipeError.malformed(mapPath, "holds \(tensor.dtype.rawValue) \(tensor.shape); the cache's inputs are \(shape) (was Grad-CAM run on another cache?)")
                }
                mapFiles[item.map] = tensor.values(as: Float.self)
            }
            let values = mapFiles[item.map]!, row = item.mapRow ?? 0
            guard spatial > 0, row >= 0, row < values.count / spatial else {
                throw MedPipeError.malformed(indexPath, "names row \(row) of \(item.map), which holds \(spatial > 0 ? values.count / spatial : 0) maps")
            }
            let input = try item.entry.flatMap { entries[$0] }.map { try dataset.input($0) }
            return Sample(index: item, map: Array(values[(row * spatial)..<((row + 1) * spatial)]), input: input, overlayPath: directory + "/" + item.overlay)
        }
    }
}
