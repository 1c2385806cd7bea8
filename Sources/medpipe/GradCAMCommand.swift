import ArgumentParser
import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeExplain
import MedPipeFormats
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// `medpipe gradcam`: Grad-CAM explanations as PNG overlays, raw maps and an index.
struct GradCAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcam",
        abstract: "Explain a model's predictions with Grad-CAM heatmaps over the inputs.",
        discussion: """
        For each sample: NAME.png (the input in grayscale under the heatmap; an ECG beat coloured by heat; \
        three orthogonal slices of a volume through the map's maximum), magnified by --scale so that a small \
        image is readable, with tEXt chunks holding the model's SHA-256, the class, the score and the map's raw \
        minimum and maximum. For all samples: maps.npy, the raw maps (float32, before normalization) upsampled \
        to the input's size (linear, bilinear or trilinear) so they are aligned voxel for voxel, one row per \
        sample in the order of the inputs (numpy.load("maps.npy")[i] is sample i's map); and index.json (each \
        sample's name, overlay, row of maps.npy, classes and cache entry, which `medpipe report --gradcam` \
        reads), written last: a folder without it holds a run that did not finish. An earlier run's index.json in \
        the folder is replaced; an index.json that no run wrote is not (the run is refused: give --out a folder of its own).

        The target layer is by default the last convolution (list layers with `medpipe inspect MODEL`); the \
        class is by default the predicted one.

        A cache's samples are explained as the model takes them: the cache must be prepared by the stages its \
        training cache was, and where the cache's fitted statistics differ from the model's (the cache converted \
        again, over other training patients) the model's own are applied, with a note, as `medpipe evaluate` does. \
        A `convert` that changes the cache meanwhile fails the run before index.json is written.

        Examples:
          medpipe gradcam --model mnist.safetensors --cache out/mnist-cache \\
              --limit 16 --out out/cam
          medpipe gradcam --model ecg.safetensors --npy beats.npy --class 1 \\
              --colormap inferno --out out/cam
        """
    )

    @Option(help: ArgumentHelp("A model written by `medpipe train`.", valueName: "MODEL.safetensors")) var model: String
    @Option(help: "Explain samples of this dataset cache.") var cache: String?
    @Option(help: "The cache split.") var split: String = "test"
    @Option(parsing: .unconditional, help: "At most this many samples.") var limit: Int?
    @Option(help: ArgumentHelp("Explain these inputs instead: float32 (N, C, ...).", valueName: "X.npy")) var npy: String?
    @Option(help: "Output directory.") var out: String
    @Option(parsing: .unconditional, help: "Target layer index (default: the last convolution).") var layer: Int?
    @Option(name: .customLong("class"), parsing: .unconditional, help: "Class index to explain (default: the predicted class).") var classIndex: Int?
    @Option(help: "gradcam or gradcam++.") var method: String = "gradcam"
    @Option(help: "jet, viridis or inferno.") var colormap: String = "jet"
    @Option(parsing: .unconditional, help: "Heatmap opacity over the input, 0 to 1.") var alpha: Float = 0.45
    @Option(parsing: .unconditional, help: ArgumentHelp("PNG pixels per input pixel, 1 to 32, nearest neighbour (default: the smallest that makes the picture at least 192 pixels on its shorter side, e.g. 7 for 28×28); for ECG traces, pixels per sample (default 2). The .npy maps keep the input's resolution.", valueName: "N")) var scale: Int?
    @Option(parsing: .unconditional, help: "Samples per batch.") var batch: Int = 32
    @Option(parsing: .unconditional, help: "Threads: batches are explained and written by this many workers at once (a single batch splits its matrix products and layers over them instead).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (cache == nil) != (npy == nil) else { throw ValidationError("give either --cache or --npy") }
        guard (0...1).contains(alpha) else { throw ValidationError("--alpha must be between 0 and 1") }
        if let scale, !(1...32).contains(scale) { throw ValidationError("--scale must be between 1 and 32") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        // Both read as "no samples to explain", naming the cache.
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        guard ["train", "val", "test"].contains(split) else { throw ValidationError("--split must be train, val or test, got '\(split)'") }
    }

    func run() throws {
        guard let colors = Colormap(rawValue: colormap) else {
            throw MedPipeError.invalidArgument("--colormap", "expected jet, viridis or inferno, got '\(colormap)'")
        }
        guard let methodValue = GradCAM.Method(rawValue: method) else {
            throw MedPipeError.invalidArgument("--method", "expected gradcam or gradcam++, got '\(method)'")
        }
        try OutputPath.refuseOverwriting(out, inputs: OutputPath.inputs(["--model": model, "--npy": npy]) + (cache.map { [.cache($0)] } ?? []), isFolder: true)
        if TreeModel.isTreeModel(model) { try TreeModelCommands.refuseGradCAM(model) }
        let warmUp = BLAS.startWarmUp()   // while the model and inputs are read
        defer { warmUp.wait() }
        let checkpoint = try Checkpoint.read(model)
        guard checkpoint.ensemble.members.count == 1 else {
            throw MedPipeError.invalidArgument(model, "is an ensemble of \(checkpoint.ensemble.members.count) networks; Grad-CAM explains one network")
        }
        BLAS.setThreads(threads)
        let samples = try inputs(checkpoint)
        guard !samples.items.isEmpty else { throw MedPipeError.invalidArgument(cache ?? npy ?? "", "no samples to explain") }
        try checkpoint.batchMemory().require(batch: min(batch, samples.items.count), model: model)
        // Before the output folder is touched: an earlier run's index.json there is removed when the run starts.
        let cam = try GradCAM(model: checkpoint.model, layer: layer, method: methodValue, subject: model)
        try cam.check(inputShape: checkpoint.inputShape, classIndex: classIndex)
        if let cache, samples.cache?.usesModelStatistics == true { printNote("\(model): " + ModelInputs.statisticsNote("explained", cache: cache)) }
        try Folder.create(out, what: "output folder")
        var writer = ExplanationWriter(directory: out, colormap: colors, alpha: alpha, modelHash: try ContentHash.ofFile(model),
                                       classNames: checkpoint.classNames, scale: scale)
        try writer.start(count: samples.items.count, inputShape: checkpoint.inputShape)
        let index = try explainAll(samples, cam: cam, writer: writer, shape: checkpoint.inputShape)
        var settings = ["layer": String(cam.layer), "method": method, "colormap": colormap, "alpha": String(alpha)]
        if let cache, let opened = samples.cache?.dataset.cache {
            // The maps stand only if no `convert` changed the samples while they were read; index.json is not written.
            try opened.requireUnchangedSinceOpened()
            settings["cache"] = cache
            settings["split"] = split
            // `medpipe report` checks that it reads the inputs back from a cache of the same recipe.
            settings["recipe_hash"] = try opened.meta("recipe_hash")
        }
        try writer.finish(index, extra: settings)
        printLines(["wrote \(index.count) Grad-CAM overlays, raw maps and index.json to \(out) (layer \(cam.layer): \(cam.model.layers[cam.layer].spec.typeName))"])
    }

    /// Explains `samples` batch by batch and writes each batch's files. With several threads and batches,
    /// each worker takes every `workers`-th batch with a copy of the model (its own caches) and writes that
    /// batch's overlays and maps itself, so encoding and writing overlap the other worker's passes; the
    /// matrix products then run single-threaded in each worker. A batch's inputs are read when it is explained.
    /// Returns the index entries in sample order.
    private func explainAll(_ samples: Inputs, cam: GradCAM, writer: ExplanationWriter, shape: [Int]) throws -> [ExplanationWriter.IndexEntry] {
        let count = samples.items.count
        let starts = Array(stride(from: 0, to: count, by: batch))
        let workers = max(1, min(threads, starts.count))
        BLAS.setThreads(max(1, threads / workers))
        let size = shape.reduce(1, *)
        let bar = ProgressBar("gradcam")
        let results = ConcurrentResults<[ExplanationWriter.IndexEntry]>(count: starts.count)
        let explain = { (worker: Int) in
            var cam = cam
            for b in stride(from: worker, to: starts.count, by: workers) {
                let rows = starts[b]..<min(starts[b] + batch, count)
                let chunk = samples.items[rows]
                let result = Result {
                    let input = Activation(shape: [chunk.count] + shape, data: try samples.values(rows))
                    let explanations = try cam.explain(input, classes: chunk.map { _ in classIndex })
                    return try zip(chunk, explanations).enumerated().map { i, pair in
                        try writer.write(row: starts[b] + i, name: pair.0.name, input: Array(input.data[(i * size)..<((i + 1) * size)]), inputShape: shape,
                                         explanation: pair.1, trueLabel: pair.0.label, entry: pair.0.entry)
                    }
                }
                results.set(b, result)
                bar.advance(by: chunk.count, total: count)
                if case .failure = result { return }
            }
        }
        if workers == 1 { explain(0) } else { concurrentForEach(workers, explain) }
        bar.finish()
        return try results.values().flatMap { $0 }
    }

    /// The samples to explain: each one's name, label and cache entry, and how to read a batch's values (a cache's
    /// samples are read when their batch is explained: the split, read whole first, took its size in memory beside the maps).
    private struct Inputs {
        struct Item {
            var name: String
            var label: String?
            var entry: Int64?
        }

        var items: [Item]
        /// The values of the samples at `rows`, one after the other, as the network takes them.
        var values: @Sendable (_ rows: Range<Int>) throws -> [Float]
        /// The cache the samples come from, as the model takes them; nil for an array's samples.
        var cache: ModelInputs? = nil
    }

    private func inputs(_ checkpoint: Checkpoint) throws -> Inputs {
        if let npy {
            let batch = try PreparedBatch(npy: npy, for: checkpoint, limit: limit)
            let size = checkpoint.inputShape.reduce(1, *), values = batch.values
            // PreparedBatch refused values that are not finite, naming their index in the array.
            return Inputs(items: (0..<batch.shape[0]).map { Inputs.Item(name: String(format: "sample-%05d", $0)) }) { rows in
                Array(values[(rows.lowerBound * size)..<(rows.upperBound * size)])
            }
        }
        let cache = cache!, split = split, size = checkpoint.inputShape.reduce(1, *)
        // The samples as the model takes them: with its own fitted statistics where the cache's differ.
        let prepared = try CacheDataset(directory: cache).prepared(for: model, inputShape: checkpoint.inputShape, preparation: checkpoint.extra)
        let dataset = prepared.dataset
        let entries = Array(try dataset.cache.entries(split: split).prefix(limit ?? .max))
        let items = entries.enumerated().map { i, entry in Inputs.Item(name: String(format: "%@-%05d", split, i), label: entry.label, entry: entry.id) }
        return Inputs(items: items, values: { rows in
            var values: [Float] = []
            values.reserveCapacity(rows.count * size)
            for row in rows { values += try dataset.input(entries[row]) }
            // As `evaluate` and `report` refuse them: a map of NaN, or of ReLUs' zeros, explains nothing.
            if let bad = NonFiniteSamples(in: values, sampleSize: size) {
                let first = rows.lowerBound + bad.first
                throw MedPipeError.malformed(cache, "the \(split) split's samples \(items[rows.lowerBound].name) to \(items[rows.upperBound - 1].name): "
                    + bad.described(first: "\(items[first].name), entry \(entries[first].id)", consequence: "their Grad-CAM maps would explain nothing"))
            }
            return values
        }, cache: prepared)
    }
}
