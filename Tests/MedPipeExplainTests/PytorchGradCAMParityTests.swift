import Foundation
import MedPipeData
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport
@testable import MedPipeExplain

/// True when python3 can import torch, safetensors and pytorch-grad-cam (with its load-time needs;
/// pytorch_grad_cam itself imports torchvision, so it is only looked up, not imported).
private let gradCAMAvailable = ReferencePython.isRequired || ((try? ReferencePython.run(
    "import torch, safetensors, cv2, ttach; import importlib.util as u; assert u.find_spec('pytorch_grad_cam')", []))?.status ?? 1) == 0

@Suite struct PytorchGradCAMParityTests {
    /// MedPipe's map, upsampled and scaled as pytorch-grad-cam does, correlates with pytorch-grad-cam's
    /// at Pearson r ≥ 0.99 per map, on a trained 2D CNN loaded from MedPipe's checkpoint: Grad-CAM against
    /// its `GradCAM`, Grad-CAM++ against its `GradCAMPlusPlus`.
    @Test(.enabled(if: gradCAMAvailable, "python3 cannot import torch, safetensors and pytorch_grad_cam: tools/setup --python"),
          arguments: GradCAM.Method.allCases)
    func mapsMatchPytorchGradCAM(method: GradCAM.Method) throws {
        // A small CNN trained for a few steps on fixed pseudo-random data so that its maps are not trivial.
        let inputs = (0..<(8 * 1 * 16 * 16)).map { (i: Int) -> Float in
            let hash: Double = sin(Double(i) * 12.9898) * 43758.5453
            return Float(hash.truncatingRemainder(dividingBy: 1).magnitude)
        }
        let labels = (0..<8).map { $0 % 2 }
        let specs: [LayerSpec] = [
            .convolution(rank: 2, inChannels: 1, outChannels: 6, kernel: 3, padding: 1), .relu,
            .maxPool(rank: 2, kernel: 2, stride: 2),
            .convolution(rank: 2, inChannels: 6, outChannels: 8, kernel: 3, padding: 1), .relu,
            .flatten, .linear(inFeatures: 8 * 8 * 8, outFeatures: 2),
        ]
        let source = try InMemoryBatchSource(sampleShape: [1, 16, 16], classNames: ["a", "b"],
                                             splits: [.train: .init(inputs: inputs, labels: labels)])
        let model = try Trainer(TrainingConfiguration(epochs: 3, batchSize: 4, seed: 5, threads: 1)).train(Sequential(specs, seed: 5), on: source).best

        let dir = NSTemporaryDirectory() + "medpipe-gradcam-parity-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Checkpoint(model: model, classNames: ["a", "b"], inputShape: [1, 16, 16], modelName: "parity").write(to: dir + "/model.safetensors")
        try NPYWriter.write(Tensor(shape: [8, 1, 16, 16], values: inputs), to: dir + "/inputs.npy")

        let run = try ReferencePython.runFile("tools/reference/gradcam_parity.py",
                                              [dir + "/model.safetensors", dir + "/inputs.npy", "3", dir + "/torch.npy", method.rawValue])
        try #require(run.status == 0, "gradcam_parity.py failed: \(run.output)")
        let reference = try NPYReader().read(dir + "/torch.npy").tensor.values(as: Float.self)

        var cam = try GradCAM(model: model, layer: 3, method: method)
        let explanations = try cam.explain(Activation(shape: [8, 1, 16, 16], data: inputs))
        for (i, explanation) in explanations.enumerated() {
            let ours = Upsampling.resize(explanation.map, shape: explanation.mapShape, to: [16, 16])
            let theirs = Array(reference[(i * 256)..<((i + 1) * 256)])
            let r = pearson(ours, theirs)
            #expect(r >= 0.99 || (ours.allSatisfy { $0 == 0 } && theirs.allSatisfy { $0 == 0 }), "\(method.rawValue) map \(i): Pearson r \(r)")
        }
    }

    private func pearson(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0) { $0 + Double($1) } / n, mb = b.reduce(0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            let dx = Double(x) - ma, dy = Double(y) - mb
            sab += dx * dy; saa += dx * dx; sbb += dy * dy
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
