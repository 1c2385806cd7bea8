import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport

/// A model file whose weights are not finite, or whose outputs overflow, is refused naming the file: evaluate printed a
/// confusion matrix of NaN scores (every sample "predicted" the first class), predict NaN probabilities, both exit 0.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct NonFiniteModelTests {
    @Test func nonFiniteWeightsOrOutputsAreRefused() throws {
        let work = temporaryDirectory("non-finite-model")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (cache, model) = try HeartModel.train(in: work)
        let (tensors, metadata) = try SafeTensors.read(model)
        /// `model` with the weights of `layer` changed by `change`, written as `name`.
        func edited(_ name: String, layer: Int, _ change: (inout [Float]) -> Void) throws -> String {
            var weights = tensors["\(layer).weight"]!.values(as: Float.self)
            change(&weights)
            var edited = tensors
            edited["\(layer).weight"] = Tensor(shape: tensors["\(layer).weight"]!.shape, values: weights)
            try SafeTensors.write(edited.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: work + "/" + name)
            return work + "/" + name
        }
        let damaged = try edited("nan.safetensors", layer: 0) { $0[3] = .nan }
        // heart-mlp's last layer (Linear 32 → 2) with every weight 3e38: a sample whose ReLU outputs sum past about 1.1
        // overflows in any order of summation (weights of both signs could cancel, or not, as the GEMM kernel orders
        // its sums: an AVX2 machine's kept every output finite).
        let overflowing = try edited("huge.safetensors", layer: 12) { $0 = $0.map { _ in 3e38 } }
        let batch = work + "/x.npy"
        try NPYWriter.write(Tensor(shape: [16, 13], values: (0..<208).map { 2 * sinf(Float($0)) }), to: batch)
        for (file, problem) in [(damaged, "layer 0's weights hold a non-finite value"), (overflowing, "its outputs are not finite numbers (NaN or infinite) for ")] {
            for arguments in [["evaluate", "--model", file, "--cache", cache], ["report", "--model", file, "--cache", cache, "--out", work + "/r.html"],
                              ["predict", "--model", file, "--npy", batch, "--out", work + "/y.npy"]] {
                let run = try SharedData.runMedpipe(arguments)
                #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(file): \(problem)"), "\(arguments[0]): \(run.error)")
                #expect(run.error.split(separator: "\n").count == 1, "\(arguments[0]): \(run.error)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/y.npy") && !FileManager.default.fileExists(atPath: work + "/r.html"))
    }
}
