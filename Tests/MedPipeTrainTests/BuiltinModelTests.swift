import Foundation
import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

@Suite struct BuiltinModelTests {
    @Test func parameterCountsMatchTheCourse() throws {
        #expect(try BuiltinModel.mnistCNN.make(seed: 0).parameterCount == 1_199_882)
        #expect(try BuiltinModel.heartMLP.make(seed: 0).parameterCount == 12_642)
        // mnist-mlp: 784·512 + 512, 512·256 + 256, 256·10 + 10.
        #expect(try BuiltinModel.mnistMLP.make(seed: 0).parameterCount == 535_818)
        #expect(try BuiltinModel.medmnistCNN.make(classes: 2, seed: 0).parameterCount == 93_378)
        // ecg-cnn on 500-sample beats: convs 512 + 30,784 + 123,008; Linear(7936→256) 2,031,872; 32,896; 258.
        #expect(try BuiltinModel.ecgCNN.make(classes: 2, seed: 0).parameterCount == 2_219_330)
        #expect(try BuiltinModel.cnn3d.make(classes: 2, seed: 0).parameterCount > 0)
        // ecg-beat-cnn on [7, 126]: convs 800 + 3,616 + 10,304, BatchNorms 32 + 64 + 128, Linear(64→4) 260.
        #expect(try BuiltinModel.ecgBeatCNN.make(seed: 0).parameterCount == 15_204)
        // fer-cnn: convs 320 + 18,496 + 73,856, BatchNorms 64 + 128 + 256, Linear(4608→128) 589,952, Linear(128→7) 903.
        #expect(try BuiltinModel.ferCNN.make(seed: 0).parameterCount == 683_975)
    }

    @Test func layerOrderAndNamesFollowNNSequential() throws {
        let model = try BuiltinModel.medmnistCNN.make(seed: 0)
        #expect(model.specs.map(\.typeName) == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d",
                                              "Conv2d", "BatchNorm2d", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Dropout", "Linear"])
        let names = model.stateDict().map(\.name)
        #expect(names.prefix(7) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"])
        #expect(model.stateDict().first { $0.name == "0.weight" }?.tensor.shape == [32, 1, 3, 3])
        #expect(model.lastLayer(ofType: "Conv") == 8)
        #expect(try model.outputShape(for: [1, 28, 28]) == [2])
    }

    @Test func initializationIsSeededAndWithinPyTorchBounds() throws {
        let a = try BuiltinModel.mnistCNN.make(seed: 7).stateDict()
        let b = try BuiltinModel.mnistCNN.make(seed: 7).stateDict()
        let c = try BuiltinModel.mnistCNN.make(seed: 8).stateDict()
        #expect(zip(a, b).allSatisfy { $0.tensor == $1.tensor })
        #expect(!zip(a, c).allSatisfy { $0.tensor == $1.tensor })
        // Linear(9216→128): U(±1/√9216); the draw should nearly fill the range with mean ≈ 0.
        let w = a.first { $0.name == "7.weight" }!.tensor.floatValues()
        let bound = 1 / Float(9216).squareRoot()
        #expect(w.allSatisfy { abs($0) <= bound })
        #expect(w.max()! > 0.99 * bound && w.min()! < -0.99 * bound)
        #expect(abs(w.reduce(0, +) / Float(w.count)) < 0.01 * bound)
    }

    @Test func mismatchedInputIsAClearError() throws {
        let model = try BuiltinModel.mnistCNN.make(seed: 0)
        #expect(throws: MedPipeError.self) { try model.outputShape(for: [1, 32, 32]) }
        #expect(throws: MedPipeError.self) { try model.outputShape(for: [3, 28, 28]) }
    }

    static var torchAvailable: Bool { ReferencePython.available("torch", "safetensors") }

    /// Every built-in model, written by MedPipe, loaded by PyTorch (strict `load_state_dict` into the course
    /// definition), run on the same inputs: logits within 1e-4.
    @Test(.enabled(if: torchAvailable, "python3 cannot import torch and safetensors: pip install 'torch==2.13.0+cpu' safetensors"))
    func logitsMatchPyTorch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-parity-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var models: [String: (Sequential, Activation)] = [:]
        for builtin in BuiltinModel.allCases {
            let shape = builtin == .cnn3d ? [1, 16, 16, 16] : builtin.defaultInputShape
            var model = try builtin.make(inputShape: shape, seed: 11)
            // Train a few steps so BatchNorm running statistics and num_batches_tracked are not at their defaults.
            var rng = SeededGenerator(seed: 3)
            let n = 3
            let x = Activation(shape: [n] + shape, data: (0..<(n * shape.reduce(1, *))).map { _ in rng.uniform(bound: 1) })
            var opt = SGD(learningRate: 0.01, momentum: 0.9)
            for _ in 0..<2 {
                let (_, g) = CrossEntropyLoss()(model.forward(x, training: true), labels: [0, 1, 1])
                model.backward(g)
                opt.step(&model)
            }
            model.releaseCaches()
            let classes = builtin.defaultClassCount
            try Checkpoint(model: model, classNames: (0..<classes).map { "class \($0)" }, inputShape: shape, modelName: builtin.rawValue)
                .write(to: dir.appendingPathComponent("\(builtin.rawValue).safetensors").path)
            try SafeTensors.write([("input", Tensor(shape: x.shape, values: x.data))], metadata: [:],
                                  to: dir.appendingPathComponent("\(builtin.rawValue).inputs.safetensors").path)
            models[builtin.rawValue] = (model, x)
        }
        let run = try ReferencePython.runFile("tools/reference/torch_parity.py", [dir.path])
        try #require(run.status == 0, "torch_parity.py failed: \(run.output)")
        for (name, (model, x)) in models {
            var model = model
            let ours = model.forward(x, training: false)
            let torch = try SafeTensors.read(dir.appendingPathComponent("\(name).torch.safetensors").path).tensors
            let theirs = torch["logits"]!.floatValues()
            let diff = zip(ours.data, theirs).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            #expect(ours.data.count == theirs.count)
            #expect(diff <= 1e-4, "\(name): max |Δlogit| = \(diff)")
            #expect(torch["parameters"]!.values(as: Int64.self)[0] == Int64(model.parameterCount), "\(name) parameter count")
        }
    }

    /// A layer list's layer reads back from the object it writes; a layer without a type, of an unknown type or with
    /// an argument its type does not take (a misspelt `stide` was ignored and its default taken) is refused, naming
    /// what it may be.
    @Test func layerObjectsRoundTripAndMistakesAreNamed() throws {
        let layers: [LayerSpec] = [.convolution(rank: 2, inChannels: 1, outChannels: 4, kernel: 3, stride: 2, padding: 1), .relu,
                                   .batchNorm(rank: 2, features: 4, eps: 1e-3, momentum: 0.2), .maxPool(rank: 2, kernel: 2, stride: 2),
                                   .globalAvgPool(rank: 2), .flatten, .dropout(p: 0.25), .linear(inFeatures: 4, outFeatures: 2)]
        for layer in layers { #expect(try LayerSpec(json: layer.json, subject: "m.yaml") == layer) }
        func message(_ object: [String: Any]) -> String {
            do { _ = try LayerSpec(json: object, subject: "m.yaml layer 0"); return "" } catch { return (error as? MedPipeError)?.message ?? "\(error)" }
        }
        #expect(message(["linear": ["in": 5]]).hasPrefix("needs a 'type' (Conv1d/2d/3d, Linear,"))
        #expect(message(["type": "Lineer", "in_features": 2, "out_features": 2]).contains("layer type 'Lineer' (known: Conv1d/2d/3d, Linear,"))
        #expect(message(["type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "stide": 2])
                == "Conv2d has no argument 'stide' (its arguments: in_channels, kernel_size, out_channels, padding, stride)")
    }

    /// Sizes no layer can have are refused before any weight is allocated: `1e300` trapped converting to Int, a
    /// quoted `'2'` was replaced by the default without a word, and a mistyped `100000000000` features tried to
    /// allocate terabytes and killed the run.
    @Test func impossibleLayerSizesAreRefused() throws {
        func message(_ object: [String: Any]) -> String {
            do { _ = try LayerSpec(json: object, subject: "m.yaml layer 0"); return "" } catch { return (error as? MedPipeError)?.message ?? "\(error)" }
        }
        #expect(message(["type": "Linear", "in_features": 1e300, "out_features": 2]) == "Linear 'in_features' must be a whole number, got 1e+300")
        #expect(message(["type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": "2"]) == "Conv1d 'stride' must be a whole number, got 2")
        #expect(message(["type": "Linear", "in_features": 13, "out_features": 100_000_000_000]) == "Linear: features must be 1 to 1073741824")
        #expect(message(["type": "Linear", "in_features": 100_000, "out_features": 100_000]) == "Linear: 100000 × 100000 weights are more than the 1073741824 a layer may hold")
        #expect(message(["type": "Conv3d", "in_channels": 64, "out_channels": 64, "kernel_size": 1024]) == "Conv3d: 64 × 64 × 1024 × 1024 × 1024 weights are more than the 1073741824 a layer may hold")
        // A sample shape whose values overflow (Flatten multiplied them with a trap) is an error naming the input.
        let model = Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 1, kernel: 1), .flatten, .linear(inFeatures: 1, outFeatures: 2)], seed: 0)
        #expect(throws: MedPipeError.invalidArgument("input", "samples of shape [1, 4294967296, 4294967296] must have positive extents and at most 1073741824 values")) {
            _ = try model.outputShape(for: [1, 1 << 32, 1 << 32])
        }
    }
}

