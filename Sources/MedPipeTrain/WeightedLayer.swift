/// A layer whose parameters are one `weight` and one `bias` (convolutions and linear layers), named
/// as PyTorch names them in a `state_dict`.
public protocol WeightedLayer: Layer {
    var weight: Parameter { get set }
    var bias: Parameter { get set }
}

extension WeightedLayer {
    public mutating func forEachParameter(_ body: (String, inout Parameter) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    public func state() -> [(name: String, tensor: Tensor)] {
        [("weight", weight.tensor), ("bias", bias.tensor)]
    }

    public var stateNames: [String] { ["weight", "bias"] }

    public mutating func loadState(_ tensors: [String: Tensor], subject: String) throws {
        try weight.load("weight", from: tensors, subject: subject)
        try bias.load("bias", from: tensors, subject: subject)
    }
}

import MedPipeCore
