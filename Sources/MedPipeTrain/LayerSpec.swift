import Foundation
import MedPipeCore

/// The description of a layer: its kind and sizes, named as PyTorch names the module
/// (`Conv2d`, `BatchNorm1d`, `AdaptiveAvgPool3d`…) so that a checkpoint's architecture reads as a
/// `torch.nn.Sequential` and can be rebuilt from its JSON.
public enum LayerSpec: Sendable, Equatable {
    /// `Conv{rank}d(inChannels, outChannels, kernel, stride, padding)` with bias; `rank` is 1, 2 or 3.
    case convolution(rank: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0)
    /// `Linear(inFeatures, outFeatures)` with bias, on `[N, inFeatures]`.
    case linear(inFeatures: Int, outFeatures: Int)
    /// `ReLU()`.
    case relu
    /// `MaxPool{rank}d(kernel, stride)`, no padding, floor mode.
    case maxPool(rank: Int, kernel: Int, stride: Int)
    /// `AvgPool{rank}d(kernel, stride)`, no padding, floor mode.
    case avgPool(rank: Int, kernel: Int, stride: Int)
    /// `AdaptiveAvgPool{rank}d(1)`: global average pooling to `[N, C, 1, …]`.
    case globalAvgPool(rank: Int)
    /// `BatchNorm{rank}d(features, eps, momentum)` with affine weight and bias and running statistics.
    case batchNorm(rank: Int, features: Int, eps: Double = 1e-5, momentum: Double = 0.1)
    /// `Dropout(p)`, inverted (scaled by 1/(1-p) in training, identity in evaluation).
    case dropout(p: Double)
    /// `Flatten()`: `[N, ...]` to `[N, product]`.
    case flatten

    /// The PyTorch module name.
    public var typeName: String {
        switch self {
        case .convolution(let r, _, _, _, _, _): "Conv\(r)d"
        case .linear: "Linear"
        case .relu: "ReLU"
        case .maxPool(let r, _, _): "MaxPool\(r)d"
        case .avgPool(let r, _, _): "AvgPool\(r)d"
        case .globalAvgPool(let r): "AdaptiveAvgPool\(r)d"
        case .batchNorm(let r, _, _, _): "BatchNorm\(r)d"
        case .dropout: "Dropout"
        case .flatten: "Flatten"
        }
    }

    /// The layer as a JSON object: `type` plus PyTorch's constructor argument names.
    public var json: [String: Any] {
        var o: [String: Any] = ["type": typeName]
        switch self {
        case let .convolution(_, i, out, k, s, p):
            o["in_channels"] = i; o["out_channels"] = out; o["kernel_size"] = k; o["stride"] = s; o["padding"] = p
        case let .linear(i, out):
            o["in_features"] = i; o["out_features"] = out
        case .relu, .flatten: break
        case let .maxPool(_, k, s), let .avgPool(_, k, s):
            o["kernel_size"] = k; o["stride"] = s
        case .globalAvgPool: o["output_size"] = 1
        case let .batchNorm(_, f, eps, m):
            o["num_features"] = f; o["eps"] = eps; o["momentum"] = m
        case let .dropout(p): o["p"] = p
        }
        return o
    }

    /// Reads a layer from its JSON object (as written by `json`); `subject` names the source in errors.
    public init(json o: [String: Any], subject: String) throws {
        guard let type = o["type"] as? String else {
            throw MedPipeError.malformed(subject, "needs a 'type' (\(Self.typeNames)) and PyTorch's argument names, e.g. { type: Linear, in_features: 13, out_features: 2 }; it has \(o.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            if let v = o[key] as? Int { return v }
            if let v = o[key] as? Double, let whole = Int(exactly: v) { return whole }
            if o[key] == nil, let fallback { return fallback }
            throw MedPipeError.malformed(subject, o[key] == nil ? "\(type) layer lacks integer '\(key)'" : "\(type) '\(key)' must be a whole number, got \(o[key]!)")
        }
        func double(_ key: String, _ fallback: Double) throws -> Double {
            if o[key] == nil { return fallback }
            if let v = o[key] as? Double { return v }
            if let v = o[key] as? Int { return Double(v) }
            throw MedPipeError.malformed(subject, "\(type) layer has non-numeric '\(key)'")
        }
        func rank(_ prefix: String) -> Int? {
            guard type.hasPrefix(prefix), type.hasSuffix("d"), let r = Int(type.dropFirst(prefix.count).dropLast()), (1...3).contains(r) else { return nil }
            return r
        }
        if let r = rank("Conv") {
            self = .convolution(rank: r, inChannels: try int("in_channels"), outChannels: try int("out_channels"),
                                kernel: try int("kernel_size"), stride: try int("stride", 1), padding: try int("padding", 0))
        } else if type == "Linear" {
            self = .linear(inFeatures: try int("in_features"), outFeatures: try int("out_features"))
        } else if type == "ReLU" {
            self = .relu
        } else if let r = rank("MaxPool") {
            let k = try int("kernel_size")
            self = .maxPool(rank: r, kernel: k, stride: try int("stride", k))
        } else if let r = rank("AvgPool") {
            let k = try int("kernel_size")
            self = .avgPool(rank: r, kernel: k, stride: try int("stride", k))
        } else if let r = rank("AdaptiveAvgPool") {
            guard try int("output_size", 1) == 1 else { throw MedPipeError.unsupported(subject, "\(type) with output_size other than 1") }
            self = .globalAvgPool(rank: r)
        } else if let r = rank("BatchNorm") {
            self = .batchNorm(rank: r, features: try int("num_features"), eps: try double("eps", 1e-5), momentum: try double("momentum", 0.1))
        } else if type == "Dropout" {
            self = .dropout(p: try double("p", 0.5))
        } else if type == "Flatten" {
            self = .flatten
        } else {
            throw MedPipeError.unsupported(subject, "layer type '\(type)' (known: \(Self.typeNames))")
        }
        // A misspelt argument (`stide`) would otherwise be ignored and its default taken without a word.
        let known = Set(json.keys)
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw MedPipeError.malformed(subject, "\(type) has no argument '\(unknown)' (its arguments: \(known.subtracting(["type"]).sorted().joined(separator: ", ")))")
        }
        try validate(subject: subject)
    }

    /// The layer types a layer list may name (PyTorch's class names).
    static let typeNames = "Conv1d/2d/3d, Linear, ReLU, MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, BatchNorm1d/2d/3d, Dropout, Flatten"

    /// The largest size, stride, padding or weight count a layer may declare, and the most values one sample may
    /// hold between layers (``Sequential/outputShape(for:)``): far above any model trained here, low enough that
    /// no shape arithmetic overflows and that a mistyped size is an error instead of an allocation that kills the run.
    public static let maximumSize = 1 << 30

    /// Checks sizes are positive (and at most ``maximumSize``, weights included) and probabilities in range.
    public func validate(subject: String) throws {
        func need(_ ok: Bool, _ what: String) throws {
            if !ok { throw MedPipeError.invalidArgument(subject, "\(typeName): \(what)") }
        }
        let sizes = 1...Self.maximumSize
        switch self {
        case let .convolution(r, i, o, k, s, p):
            try need((1...3).contains(r), "rank must be 1, 2 or 3")
            try need(sizes.contains(i) && sizes.contains(o) && sizes.contains(k) && sizes.contains(s) && (0...Self.maximumSize).contains(p),
                     "channels, kernel and stride must be 1 to \(Self.maximumSize), padding 0 to \(Self.maximumSize)")
        case let .linear(i, o):
            try need(sizes.contains(i) && sizes.contains(o), "features must be 1 to \(Self.maximumSize)")
        case let .maxPool(r, k, s), let .avgPool(r, k, s):
            try need((1...3).contains(r) && sizes.contains(k) && sizes.contains(s), "kernel and stride must be 1 to \(Self.maximumSize)")
        case let .globalAvgPool(r): try need((1...3).contains(r), "rank must be 1, 2 or 3")
        case let .batchNorm(r, f, eps, m):
            try need((1...3).contains(r) && sizes.contains(f) && eps > 0 && (0...1).contains(m), "features 1 to \(Self.maximumSize), eps positive, momentum in [0, 1]")
        case let .dropout(p): try need((0..<1).contains(p), "p must be in [0, 1)")
        case .relu, .flatten: break
        }
        guard (try? CheckedSize.product(weightShape, limit: Self.maximumSize, source: subject, "")) != nil else {
            throw MedPipeError.invalidArgument(subject, "\(typeName): \(weightShape.map(String.init).joined(separator: " × ")) weights are more than the \(Self.maximumSize) a layer may hold")
        }
    }

    /// The trainable scalars of the layer, its weight and bias, as PyTorch counts its parameters (a BatchNorm's running
    /// statistics are not among them). Within bounds for a layer that ``validate(subject:)`` accepted.
    public var parameterCount: Int {
        let weights = weightShape.isEmpty ? 0 : weightShape.reduce(1, *)
        switch self {
        case let .convolution(_, _, o, _, _, _), let .linear(_, o): return weights + o
        case let .batchNorm(_, f, _, _): return 2 * f
        case .relu, .maxPool, .avgPool, .globalAvgPool, .dropout, .flatten: return 0
        }
    }

    /// The trainable scalars of a network of `layers` (``parameterCount``, summed).
    public static func parameterCount(of layers: [LayerSpec]) -> Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The shape of the layer's weight (`[out, in, k, …]`, `[out, in]`, `[features]`); empty for layers without one.
    var weightShape: [Int] {
        switch self {
        case let .convolution(r, i, o, k, _, _): [o, i] + [Int](repeating: k, count: r)
        case let .linear(i, o): [o, i]
        case let .batchNorm(_, f, _, _): [f]
        case .relu, .maxPool, .avgPool, .globalAvgPool, .dropout, .flatten: []
        }
    }

    /// A new layer of this kind with PyTorch's default initialization drawn from `rng`
    /// (weights kaiming-uniform with a = √5, i.e. U(±1/√fan_in); biases U(±1/√fan_in); BatchNorm 1 and 0),
    /// or, without a generator, convolution and linear weights and biases of zeros (a layer to be loaded).
    /// `dropoutSeed` seeds a dropout layer's own mask stream.
    func makeLayer(rng: inout SeededGenerator?, dropoutSeed: UInt64) -> any Layer {
        switch self {
        case let .convolution(r, i, o, k, s, p):
            return Convolution(rank: r, inChannels: i, outChannels: o, kernel: k, stride: s, padding: p, rng: &rng)
        case let .linear(i, o): return Linear(inFeatures: i, outFeatures: o, rng: &rng)
        case .relu: return ReLU()
        case let .maxPool(r, k, s): return MaxPool(rank: r, kernel: k, stride: s)
        case let .avgPool(r, k, s): return AvgPool(rank: r, kernel: k, stride: s)
        case let .globalAvgPool(r): return GlobalAvgPool(rank: r)
        case let .batchNorm(r, f, eps, m): return BatchNorm(rank: r, features: f, eps: eps, momentum: m)
        case let .dropout(p): return Dropout(p: p, seed: dropoutSeed)
        case .flatten: return Flatten()
        }
    }
}

/// Checks that a sample shape has `rank` spatial axes after a channel axis of `channels` (when given).
func checkSpatialInput(_ input: [Int], rank: Int, channels: Int?, layer: String) throws {
    guard input.count == rank + 1 else {
        throw MedPipeError.invalidArgument(layer, "expects samples of shape (C, \(rank) spatial axes), got \(input)")
    }
    if let channels, input[0] != channels {
        throw MedPipeError.invalidArgument(layer, "expects \(channels) input channels, got \(input[0]) (sample shape \(input))")
    }
}
