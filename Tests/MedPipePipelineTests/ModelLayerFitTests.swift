import Foundation
import Testing
import MedPipeCore
import MedPipeTrain
import TestSupport

/// A model whose layers do not fit one another (a layer declaring another input size than the previous layer's output)
/// is refused naming its file and the layer: a YAML layer list given to `train --model` said only "layer 2 (Linear): ...".
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct ModelLayerFitTests {
    @Test func aLayerThatDoesNotFitNamesTheFileAndTheLayer() throws {
        let work = temporaryDirectory("layer-fit")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try Self.converted("heart", in: work), spec = work + "/mlp.yaml", model = work + "/m.safetensors"
        try "- { type: Linear, in_features: 13, out_features: 8 }\n- { type: ReLU }\n- { type: Linear, in_features: 9, out_features: 2 }\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let fromSpec = try SharedData.runMedpipe(["train", "--cache", cache, "--model", spec, "--epochs", "1", "--out", model])
        #expect(fromSpec.status == 1 && fromSpec.error == "medpipe: error: \(spec): layer 2 (Linear): expects samples of 9 features, got shape [8] (add a Flatten or fix in_features)\n",
                "\(fromSpec.error)")

        // A checkpoint whose architecture was edited: its second Linear (layer 4) declares 100 inputs, the layer before gives 128.
        #expect(try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", model]).status == 0)
        var (tensors, metadata) = try SafeTensors.read(model)
        let architecture = try #require(metadata["architecture"])
        let first = try #require(architecture.range(of: "\"in_features\":128"))
        metadata["architecture"] = architecture.replacingCharacters(in: first, with: "\"in_features\":100")
        let edited = work + "/edited.safetensors"
        tensors["4.weight"] = Tensor(shape: [64, 100], values: [Float](repeating: 0.1, count: 6400))
        try SafeTensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: edited)
        for arguments in [["evaluate", "--model", edited, "--cache", cache], ["inspect", edited]] {
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error == "medpipe: error: \(edited): layer 4 (Linear): expects samples of 100 features, got shape [128] (add a Flatten or fix in_features)\n",
                    "\(arguments[0]): \(run.error)")
        }
    }

    /// A model file whose convolution pads 28 × 28 images by 8,000 pixels makes each sample's output a billion values
    /// (within the layers' limit): training a batch of them aborted allocating it (SIGABRT under `ulimit -v`, the
    /// out-of-memory killer without). It is refused before training, naming the file, the batch and the memory.
    @Test func aBatchLargerThanMemoryIsRefusedBeforeTraining() throws {
        let work = temporaryDirectory("batch-memory")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try Self.converted("demo", in: work), spec = work + "/padded.yaml", model = work + "/m.safetensors"
        try "- { type: Conv2d, in_channels: 1, out_channels: 4, kernel_size: 3, padding: 8000 }\n- { type: AdaptiveAvgPool2d, output_size: 1 }\n- { type: Flatten }\n- { type: Linear, in_features: 4, out_features: 2 }\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        // 144 training samples (the largest split) of 4 × 16026 × 16026 values: 552 GiB, more than any machine the tests run on.
        try #require(ProcessInfo.processInfo.physicalMemory < 500 << 30)
        let run = try SharedData.runMedpipe(["train", "--cache", cache, "--model", spec, "--epochs", "1", "--batch", "1000", "--out", model])
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(spec): a batch of 144 samples needs at least 551.") && run.error.hasSuffix(" GiB of memory: give a smaller --batch, or a smaller model\n"),
                "\(run.error)")
        #expect(!FileManager.default.fileExists(atPath: model))
    }

    /// Each layer of a model file is bounded, not their sum: fifteen layers of 900 million weights each (2.5 × 10^11 bytes to
    /// train, with gradients, Adam's moments and the best epoch's copy) were built, allocating for minutes towards the
    /// machine's memory without a word. Refused before a weight is allocated, naming the file, the bytes and the memory.
    @Test func aModelWhoseWeightsOutgrowMemoryIsRefusedBeforeItIsBuilt() throws {
        let work = temporaryDirectory("model-memory")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try Self.converted("heart", in: work), spec = work + "/wide.yaml", model = work + "/m.safetensors"
        let wide = [String](repeating: "- { type: Linear, in_features: 30000, out_features: 30000 }\n", count: 14).joined()
        try ("- { type: Linear, in_features: 13, out_features: 30000 }\n" + wide + "- { type: Linear, in_features: 30000, out_features: 2 }\n")
            .write(toFile: spec, atomically: true, encoding: .utf8)
        try #require(ProcessInfo.processInfo.physicalMemory < 200 << 30)
        let run = try SharedData.runMedpipe(["train", "--cache", cache, "--model", spec, "--epochs", "1", "--out", model])
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(spec): training it needs at least 234.") && run.error.hasSuffix(" GiB of memory: give a smaller model\n"),
                "\(run.error)")
        #expect(!FileManager.default.fileExists(atPath: model))
        // The log says how large a model is, as PyTorch counts it: `sum(p.numel() for p in load_model(m).parameters())`.
        let small = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", model])
        #expect(small.status == 0 && small.output.contains("input [13], 12642 parameters"), "\(small.output)")
    }

    /// The same model file's architecture put into a trained checkpoint (its weights keep their shapes): `gradcam`
    /// ran its batch of 32 and `evaluate` and `report` their batches of 256 and 64, and each aborted allocating one
    /// layer's outputs ("failed to allocate 18491952704 bytes", SIGABRT). Now `gradcam` refuses the batch as
    /// `train` does, and evaluation runs as many samples at a time as fit an eighth of the memory (one here).
    @Test func aCheckpointWhoseLayersOutgrowMemoryIsRefusedOrRunInSmallerBatches() throws {
        let work = temporaryDirectory("checkpoint-memory")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try Self.converted("demo", in: work), spec = work + "/small.yaml", model = work + "/m.safetensors"
        try "- { type: Conv2d, in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1 }\n- { type: AdaptiveAvgPool2d, output_size: 1 }\n- { type: Flatten }\n- { type: Linear, in_features: 4, out_features: 2 }\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let trained = try SharedData.runMedpipe(["train", "--cache", cache, "--model", spec, "--epochs", "1", "--out", model])
        try #require(trained.status == 0, "\(trained.error)")
        var (tensors, metadata) = try SafeTensors.read(model)
        metadata["architecture"] = try #require(metadata["architecture"]).replacingOccurrences(of: "\"padding\":1", with: "\"padding\":8000")
        let padded = work + "/padded.safetensors"
        try SafeTensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: padded)
        tensors.removeAll()
        // 32 samples of 4 × 16026 × 16026 values: 122.5 GiB.
        try #require(ProcessInfo.processInfo.physicalMemory < 120 << 30)
        let gradcam = try SharedData.runMedpipe(["gradcam", "--model", padded, "--cache", cache, "--out", work + "/cam"])
        #expect(gradcam.status == 1 && gradcam.error.hasPrefix("medpipe: error: \(padded): a batch of 32 samples needs at least 122.5 GiB for one layer's outputs"), "\(gradcam.error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/cam"))
        let checkpoint = try Checkpoint.read(padded)
        #expect(try checkpoint.batchMemory().largestOutput == 4 * 16026 * 16026)
        #expect(try checkpoint.inferenceBatch(file: padded) == 1)
    }

    /// The fixture recipe `NAME.yaml` converted into `work/NAME`, with a key of its own.
    private static func converted(_ name: String, in work: String) throws -> String {
        let cache = work + "/" + name
        let run = try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/\(name).yaml"), "--cache", cache, "--key", work + "/project.key"])
        try #require(run.status == 0, "convert \(name): \(run.error)")
        return cache
    }
}
