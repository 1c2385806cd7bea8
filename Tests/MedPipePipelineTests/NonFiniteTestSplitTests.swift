import Foundation
import Testing
import MedPipeCore
import TestSupport

/// A test split holding a sample of NaN values, beside clean training and validation splits (training never reads
/// the test split): `evaluate` refused the data, but `report`, which says it gives "the same numbers as `medpipe
/// evaluate`", blamed the model ("its outputs are not finite numbers ...: its weights overflow on these inputs"),
/// or, through ReLUs that turn NaN into 0, reported figures; `gradcam --cache` drew maps of it. All three now refuse
/// the data, naming the sample (`report` in the words of `evaluate`, whose pass it runs).
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct NonFiniteTestSplitTests {
    @Test func reportAndGradCAMRefuseWhatEvaluateRefuses() throws {
        try ReferencePython.require("numpy")
        let work = temporaryDirectory("nonfinite-test-split")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // MedMNIST's layout: 8 × 8 float32 images in given splits of 20, two classes; test image 3 holds a NaN pixel.
        let made = try ReferencePython.run("""
            import numpy as np, sys
            rng = np.random.default_rng(4)
            arrays = {}
            for split in ("train", "val", "test"):
                labels = np.arange(20) % 2
                images = (rng.random((20, 8, 8)) + labels[:, None, None]).astype(np.float32)
                if split == "test": images[3, 2, 5] = np.nan
                arrays[split + "_images"], arrays[split + "_labels"] = images, labels.reshape(20, 1)
            np.savez(sys.argv[1], **arrays)
            """, [work + "/images.npz"])
        try #require(made.status == 0, "\(made.output)")
        try """
            name: nan-test
            sources:
              - { path: images.npz, format: npz, label: dataset }
            split: { by: given }
            """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        try "- { type: Conv2d, in_channels: 1, out_channels: 2, kernel_size: 3, padding: 1 }\n- { type: ReLU }\n- { type: Flatten }\n- { type: Linear, in_features: 128, out_features: 2 }\n"
            .write(toFile: work + "/conv.yaml", atomically: true, encoding: .utf8)
        let environment = ["MEDPIPE_KEY": work + "/project.key"], cache = work + "/cache", model = work + "/m.safetensors"
        let convert = try SharedData.runMedpipe(["convert", work + "/recipe.yaml", "--cache", cache], environment: environment)
        try #require(convert.status == 0, "\(convert.error)")
        let train = try SharedData.runMedpipe(["train", "--cache", cache, "--model", work + "/conv.yaml", "--epochs", "1", "--out", model], environment: environment)
        try #require(train.status == 0, "\(train.error)")
        let evaluate = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", cache, "--split", "test"], environment: environment)
        #expect(evaluate.status == 1 && evaluate.error.contains("1 of 20 samples holds NaN or infinite values (the first: sample 4)"), "\(evaluate.error)")
        let report = try SharedData.runMedpipe(["report", "--model", model, "--cache", cache, "--split", "test", "--out", work + "/report.html"], environment: environment)
        #expect(report.status == 1 && report.error.contains("1 of 20 samples holds NaN or infinite values (the first: sample 4)"), "\(report.error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/report.html"))
        // Batches of 2: the first explained, the second refused, naming the sample as the outputs name it.
        let gradcam = try SharedData.runMedpipe(["gradcam", "--model", model, "--cache", cache, "--split", "test", "--batch", "2", "--threads", "1",
                                                 "--out", work + "/cams"], environment: environment)
        #expect(gradcam.status == 1 && gradcam.error.contains("the test split's samples test-00002 to test-00003: 1 of 2 samples holds NaN or infinite values (the first: test-00003, entry "),
                "\(gradcam.error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/cams/index.json"))
    }
}
