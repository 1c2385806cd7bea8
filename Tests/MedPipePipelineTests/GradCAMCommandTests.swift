import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport

/// `medpipe gradcam` as a user runs it.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct GradCAMCommandTests {
    /// An untrained network of one 3 × 3 convolution over 8 × 8 inputs and three classes, and a batch of two inputs,
    /// written in `work`: their paths.
    private func tinyModel(in work: String) throws -> (model: String, batch: String) {
        let model = work + "/m.safetensors", batch = work + "/x.npy"
        let network = Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3), .relu, .flatten, .linear(inFeatures: 72, outFeatures: 3)], seed: 1)
        try Checkpoint(model: network, classNames: ["a", "b", "c"], inputShape: [1, 8, 8], modelName: "tiny").write(to: model)
        try NPYWriter.write(Tensor(shape: [2, 1, 8, 8], values: (0..<128).map { Float($0 % 7) / 7 }), to: batch)
        return (model, batch)
    }

    /// A `--class` the model does not output, or a `--layer` without spatial output, is refused before the output
    /// folder is touched: the run started first, removing the earlier run's index.json, and failed at the first batch.
    @Test(arguments: [(["--class", "3"], "--class: 3 is not a class index (0..<3)"), (["--class=-1"], "--class: -1 is not a class index (0..<3)"),
                      (["--layer", "2"], "--layer: layer 2 (Flatten) outputs (N, 72); Grad-CAM needs (N, channels, spatial...)")])
    func aClassOrLayerTheModelHasNotLeavesAnEarlierRunAlone(_ option: [String], _ problem: String) throws {
        let work = temporaryDirectory("gradcam-options")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (model, batch) = try tinyModel(in: work), out = work + "/cam"
        let earlier = try SharedData.runMedpipe(["gradcam", "--model", model, "--npy", batch, "--out", out, "--threads", "1"])
        try #require(earlier.status == 0, "\(earlier.error)")
        let before = try FolderWalk(out).files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let run = try SharedData.runMedpipe(["gradcam", "--model", model, "--npy", batch, "--out", out, "--threads", "1"] + option)
        #expect(run.status == 1 && run.error == "medpipe: error: \(problem)\n", "\(run.error)")
        #expect(try FolderWalk(out).files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)
    }

    /// An `index.json` that no Grad-CAM run wrote (a web page's, in the folder given as --out) was removed and replaced:
    /// the run is refused, naming it, and the folder is left as it was; an earlier run's index is replaced as before.
    @Test func anIndexNoRunWroteIsNotReplaced() throws {
        let work = temporaryDirectory("gradcam-foreign-index")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (model, batch) = try tinyModel(in: work), out = work + "/site"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try #"{"pages": ["home"]}"#.write(toFile: out + "/index.json", atomically: false, encoding: .utf8)
        let arguments = ["gradcam", "--model", model, "--npy", batch, "--out", out, "--threads", "1"]
        let refused = try SharedData.runMedpipe(arguments)
        #expect(refused.status == 1 && refused.error == "medpipe: error: \(out)/index.json: is not the index of an earlier `medpipe gradcam` run, and this run would replace it: give --out a folder of its own\n", "\(refused.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["index.json"])
        #expect(try String(contentsOfFile: out + "/index.json", encoding: .utf8) == #"{"pages": ["home"]}"#)
        try FileManager.default.removeItem(atPath: out + "/index.json")
        for run in 0..<2 {
            let done = try SharedData.runMedpipe(arguments)
            #expect(done.status == 0, "run \(run): \(done.error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["index.json", "maps.npy", "sample-00000.png", "sample-00001.png"])
    }

    /// A model explained on a cache whose fitted statistics differ from its own (its recipe converted again with another
    /// seed, over other training patients) sees the samples as its own preprocessing prepares them, as `evaluate` judges
    /// it: the maps and overlays are those of the same recipe converted with `--fit-from` the model's training cache,
    /// byte for byte, and a note says so. It was given the cache's samples, which it was never trained on, without a word.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func aModelIsExplainedWithItsOwnStatistics() throws {
        let work = temporaryDirectory("gradcam-statistics")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key", model = work + "/m.safetensors"
        let demo = try SharedData.fixtureRecipe("demo.yaml").replacingOccurrences(of: "../demo/images", with: SharedData.fixture("demo/images"))
        try #require(demo.contains("  - minmax: {}\n") && demo.contains("seed: 1 }"))
        let zscored = demo.replacingOccurrences(of: "  - minmax: {}\n", with: "  - minmax: {}\n  - dataset-zscore: {}\n")
        for (name, text) in ["trained": zscored, "reseeded": zscored.replacingOccurrences(of: "seed: 1 }", with: "seed: 2 }")] {
            try text.write(toFile: work + "/\(name).yaml", atomically: true, encoding: .utf8)
            let run = try SharedData.runMedpipe(["convert", work + "/\(name).yaml", "--cache", work + "/" + name, "--key", key])
            try #require(run.status == 0, "\(run.error)")
        }
        let refit = try SharedData.runMedpipe(["convert", work + "/reseeded.yaml", "--cache", work + "/refit", "--fit-from", work + "/trained", "--key", key])
        try #require(refit.status == 0, "\(refit.error)")
        try #require(try DatasetCache(directory: work + "/reseeded").meta("fitted") != DatasetCache(directory: work + "/trained").meta("fitted"))
        let trained = try SharedData.runMedpipe(["train", "--cache", work + "/trained", "--model", "mnist-cnn", "--epochs", "1", "--batch", "16",
                                                 "--seed", "1", "--threads", "1", "--out", model])
        try #require(trained.status == 0, "\(trained.error)")

        var outputs: [[String: Data]] = []
        for name in ["reseeded", "refit"] {
            let run = try SharedData.runMedpipe(["gradcam", "--model", model, "--cache", work + "/" + name, "--limit", "6", "--out", work + "/cam-" + name, "--threads", "1"])
            #expect(run.status == 0, "\(run.error)")
            let note = "medpipe: note: \(model): explained with the statistics fitted on its own training split, which those of \(work)/\(name) differ from"
            #expect(run.error.contains(note) == (name == "reseeded"), "\(name): \(run.error)")
            let files = try FileManager.default.contentsOfDirectory(atPath: work + "/cam-" + name).filter { $0 != "index.json" }
            outputs.append(Dictionary(uniqueKeysWithValues: try files.map { ($0, try Data(contentsOf: URL(fileURLWithPath: work + "/cam-\(name)/" + $0))) }))
        }
        #expect(outputs[0].count == 7 && outputs[0] == outputs[1], "\(outputs.map { $0.keys.sorted() })")
    }
}
