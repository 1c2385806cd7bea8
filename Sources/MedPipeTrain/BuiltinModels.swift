import MedPipeCore

/// The built-in models' layers, as the course's notebooks build them.
extension BuiltinModel {
    /// The input sample shape the course uses.
    public var defaultInputShape: [Int] {
        switch self {
        case .mnistCNN, .mnistMLP, .medmnistCNN: [1, 28, 28]
        case .heartMLP: [13]
        case .ecgCNN: [1, 500]
        case .ecgBeatCNN: [7, 126]
        case .cnn3d: [1, 28, 28, 28]
        case .ferCNN: [1, 48, 48]
        }
    }

    /// The course's number of classes.
    public var defaultClassCount: Int {
        switch self {
        case .mnistCNN, .mnistMLP: 10
        case .heartMLP, .ecgCNN, .medmnistCNN, .cnn3d: 2
        case .ecgBeatCNN: 4
        case .ferCNN: 7
        }
    }

    /// The layers for `classes` outputs and input samples of `inputShape` (which sets the channels,
    /// the flattened size of `ecg-cnn`, `mnist-cnn`, `mnist-mlp` and `fer-cnn`, and the features of `heart-mlp`).
    public func specs(classes: Int? = nil, inputShape: [Int]? = nil) throws -> [LayerSpec] {
        let k = classes ?? defaultClassCount
        let input = inputShape ?? defaultInputShape
        guard k >= 2 else { throw MedPipeError.invalidArgument(rawValue, "needs at least 2 classes, got \(k)") }
        let specs: [LayerSpec]
        switch self {
        case .mnistCNN:
            let c = input[0]
            let head: [LayerSpec] = [
                .convolution(rank: 2, inChannels: c, outChannels: 32, kernel: 3), .relu,
                .convolution(rank: 2, inChannels: 32, outChannels: 64, kernel: 3), .relu,
                .maxPool(rank: 2, kernel: 2, stride: 2), .dropout(p: 0.25), .flatten,
            ]
            let flat = try Sequential(head, seed: 0).outputShape(for: input).reduce(1, *)
            specs = head + [.linear(inFeatures: flat, outFeatures: 128), .relu, .dropout(p: 0.5), .linear(inFeatures: 128, outFeatures: k)]
        case .mnistMLP:
            var s: [LayerSpec] = [.flatten]
            var width = input.reduce(1, *)
            for units in [512, 256] {
                s += [.linear(inFeatures: width, outFeatures: units), .relu, .dropout(p: 0.2)]
                width = units
            }
            specs = s + [.linear(inFeatures: width, outFeatures: k)]
        case .heartMLP:
            guard input.count == 1 else { throw MedPipeError.invalidArgument(rawValue, "expects samples of shape (features), got \(input)") }
            var s: [LayerSpec] = []
            var width = input[0]
            for units in [128, 64, 32] {
                s += [.linear(inFeatures: width, outFeatures: units), .batchNorm(rank: 1, features: units), .relu, .dropout(p: 0.3)]
                width = units
            }
            specs = s + [.linear(inFeatures: width, outFeatures: k)]
        case .ecgCNN:
            var head: [LayerSpec] = []
            var c = input[0]
            for out in [32, 64, 128] {
                head += [.convolution(rank: 1, inChannels: c, outChannels: out, kernel: 15, padding: 7), .relu, .maxPool(rank: 1, kernel: 2, stride: 2)]
                c = out
            }
            head.append(.flatten)
            let flat = try Sequential(head, seed: 0).outputShape(for: input).reduce(1, *)
            specs = head + [.linear(inFeatures: flat, outFeatures: 256), .relu, .dropout(p: 0.5),
                            .linear(inFeatures: 256, outFeatures: 128), .relu, .dropout(p: 0.5),
                            .linear(inFeatures: 128, outFeatures: k)]
        case .ecgBeatCNN:
            var s: [LayerSpec] = []
            var c = input[0]
            for (i, (out, kernel)) in [(16, 7), (32, 7), (64, 5)].enumerated() {
                if i > 0 { s.append(.maxPool(rank: 1, kernel: 2, stride: 2)) }
                s += [.convolution(rank: 1, inChannels: c, outChannels: out, kernel: kernel, padding: kernel / 2), .batchNorm(rank: 1, features: out), .relu]
                c = out
            }
            specs = s + [.globalAvgPool(rank: 1), .flatten, .dropout(p: 0.5), .linear(inFeatures: c, outFeatures: k)]
        case .medmnistCNN:
            specs = Self.pooledCNN(rank: 2, inChannels: input[0], widths: [32, 64, 128], dropout: 0.5, classes: k)
        case .cnn3d:
            specs = Self.pooledCNN(rank: 3, inChannels: input[0], widths: [16, 32, 64], dropout: 0.3, classes: k)
        case .ferCNN:
            var head: [LayerSpec] = []
            var c = input[0]
            for out in [32, 64, 128] {
                head += [.convolution(rank: 2, inChannels: c, outChannels: out, kernel: 3, padding: 1), .batchNorm(rank: 2, features: out),
                         .relu, .maxPool(rank: 2, kernel: 2, stride: 2)]
                c = out
            }
            head.append(.flatten)
            let flat = try Sequential(head, seed: 0).outputShape(for: input).reduce(1, *)
            specs = head + [.dropout(p: 0.5), .linear(inFeatures: flat, outFeatures: 128), .relu, .dropout(p: 0.5),
                            .linear(inFeatures: 128, outFeatures: k)]
        }
        _ = try Sequential(specs, seed: 0).outputShape(for: input)
        return specs
    }

    /// Conv(3, padding 1) → BatchNorm → ReLU blocks of `widths` channels with MaxPool(2) between them, then
    /// global average pooling → Flatten → Dropout → Linear(→ classes): medmnist-cnn in 2D, cnn3d in 3D.
    private static func pooledCNN(rank: Int, inChannels: Int, widths: [Int], dropout: Double, classes: Int) -> [LayerSpec] {
        var specs: [LayerSpec] = []
        var c = inChannels
        for (i, out) in widths.enumerated() {
            if i > 0 { specs.append(.maxPool(rank: rank, kernel: 2, stride: 2)) }
            specs += [.convolution(rank: rank, inChannels: c, outChannels: out, kernel: 3, padding: 1), .batchNorm(rank: rank, features: out), .relu]
            c = out
        }
        return specs + [.globalAvgPool(rank: rank), .flatten, .dropout(p: dropout), .linear(inFeatures: c, outFeatures: classes)]
    }

    /// The model with PyTorch's default initialization from `seed`.
    public func make(classes: Int? = nil, inputShape: [Int]? = nil, seed: UInt64) throws -> Sequential {
        Sequential(try specs(classes: classes, inputShape: inputShape), seed: seed)
    }
}
