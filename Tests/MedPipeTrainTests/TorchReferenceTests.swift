import Foundation
import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

/// Against PyTorch without needing it installed: tiny models written by PyTorch through the `safetensors`
/// library (tools/reference/torch_tiny.py), read here as checkpoints, with PyTorch's own logits, loss,
/// gradients, running statistics and optimizer steps.
@Suite struct TorchReferenceTests {
    static func load(_ name: String) throws -> (Checkpoint, [String: Tensor]) {
        let dir = SharedData.projectRoot + "/Tests/Reference/"
        let checkpoint = try Checkpoint.read(dir + "train_tiny_\(name).safetensors")
        let expected = try SafeTensors.read(dir + "train_tiny_\(name)_expected.safetensors").tensors
        return (checkpoint, expected)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func inputs(_ e: [String: Tensor]) -> (Activation, [Int], [Float]) {
        let x = e["input"]!
        return (Activation(shape: x.shape, data: x.floatValues()), e["labels"]!.values(as: Int64.self).map(Int.init), e["class_weights"]!.floatValues())
    }

    @Test(arguments: ["1d", "2d", "3d"])
    func logitsLossGradientsAndRunningStatisticsMatchPyTorch(_ name: String) throws {
        var (checkpoint, e) = try Self.load(name)
        let (x, labels, weights) = Self.inputs(e)
        let eval = checkpoint.model.forward(x, training: false)
        #expect(Self.maxDifference(eval.data, e["logits_eval"]!.floatValues()) <= 1e-5)

        let logits = checkpoint.model.forward(x, training: true)
        #expect(Self.maxDifference(logits.data, e["logits_train"]!.floatValues()) <= 1e-5)
        let (loss, grad) = CrossEntropyLoss(classWeights: weights)(logits, labels: labels)
        #expect(abs(loss - e["loss"]!.floatValues()[0]) <= 1e-6)
        checkpoint.model.backward(grad)
        var compared = 0
        checkpoint.model.forEachParameter { pname, p in
            let ref = e["grad." + pname]!.floatValues()
            let scale = max(1, ref.map(abs).max() ?? 1)
            #expect(Self.maxDifference(p.gradient, ref) <= 2e-5 * scale, "gradient of \(pname)")
            compared += 1
        }
        #expect(compared == e.keys.filter { $0.hasPrefix("grad.") }.count)
        for (tname, t) in checkpoint.model.stateDict() where tname.contains("running") {
            #expect(Self.maxDifference(t.floatValues(), e["after_train." + tname]!.floatValues()) <= 1e-6, "\(tname)")
        }
    }

    @Test(arguments: ["1d", "2d", "3d"])
    func optimizerStepsMatchPyTorch(_ name: String) throws {
        let (checkpoint, e) = try Self.load(name)
        let (x, labels, weights) = Self.inputs(e)
        let loss = CrossEntropyLoss(classWeights: weights)
        let optimizers: [(String, any Optimizer)] = [
            ("sgd2.", SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3)),
            ("adam2.", Adam(learningRate: 0.01, weightDecay: 1e-3)),
            ("adamw2.", Adam.adamW(learningRate: 0.01, weightDecay: 0.05)),
        ]
        for (prefix, optimizer) in optimizers {
            var model = checkpoint.model
            var opt = optimizer
            for _ in 0..<2 {
                let (_, g) = loss(model.forward(x, training: true), labels: labels)
                model.backward(g)
                opt.step(&model)
            }
            model.forEachParameter { pname, p in
                // Where the true gradient is exactly zero (a bias feeding BatchNorm, directly or through a
                // linear map), both sides hold rounding noise, which Adam's normalization turns into steps of
                // up to ±lr each: those elements are bounded (4·lr over two steps), the others compared.
                let ref = e[prefix + pname]!.floatValues(), grad = e["grad." + pname]!.floatValues()
                var worst: Float = 0
                for i in ref.indices {
                    let noise = abs(grad[i]) < 1e-6 && !(opt is SGD)
                    worst = max(worst, abs(p.value[i] - ref[i]) - (noise ? 4 * opt.learningRate * 1.01 : 2e-5))
                }
                #expect(worst <= 0, "\(prefix)\(pname)")
            }
        }
    }

    @Test func checkpointRoundTripsThroughOurWriter() throws {
        let (checkpoint, _) = try Self.load("2d")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-tiny-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        let back = try Checkpoint.read(path)
        #expect(back.model.specs == checkpoint.model.specs)
        #expect(back.classNames == checkpoint.classNames && back.inputShape == checkpoint.inputShape)
        let a = checkpoint.model.stateDict(), b = back.model.stateDict()
        #expect(a.map(\.name) == b.map(\.name))
        #expect(zip(a, b).allSatisfy { $0.tensor == $1.tensor })
    }
}
