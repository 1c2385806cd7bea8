import MedPipeCore

/// One step of a sequential model, with its forward and backward passes side by side.
///
/// Forward transforms the activation in place (the layer keeps what its backward needs);
/// backward turns the gradient with respect to the layer's output into the gradient with respect to its
/// input, setting the parameter gradients on the way. Backward works after a forward in either mode,
/// which Grad-CAM needs (evaluation mode, gradient of a class score).
public protocol Layer: Sendable {
    /// What the layer is, with its sizes: enough to rebuild it and to name it in a checkpoint.
    var spec: LayerSpec { get }
    /// The output shape of one sample (batch axis excluded) for an input sample shape; throws when they do not fit.
    func outputShape(for input: [Int]) throws -> [Int]
    /// Replaces `x` (`[N, ...]`) by the layer's output. `training` selects batch statistics and dropout.
    mutating func forward(_ x: inout Activation, training: Bool)
    /// Replaces `gradient` (d loss / d output) by d loss / d input, and sets the parameter gradients.
    /// When `needsInputGradient` is false (the first layer), the input gradient may be left uncomputed.
    mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool)
    /// Forward, then `ReLU` on the output in the same pass while it is in cache, for a layer that can (a
    /// convolution); returns false, having done nothing, for the others. ``backwardThroughReLU(_:needsInputGradient:)``
    /// is then the backward of both.
    mutating func forwardThenReLU(_ x: inout Activation, training: Bool) -> Bool
    /// Backward through the ReLU that the last ``forwardThenReLU(_:training:)`` applied, then through the layer:
    /// `gradient` is d loss / d (the ReLU's output).
    mutating func backwardThroughReLU(_ gradient: inout Activation, needsInputGradient: Bool)
    /// Visits the trainable parameters with their PyTorch names (`weight`, `bias`).
    mutating func forEachParameter(_ body: (String, inout Parameter) -> Void)
    /// Parameters and buffers under their PyTorch names, in `state_dict` order.
    func state() -> [(name: String, tensor: Tensor)]
    /// The names of ``state()``, without copying the values.
    var stateNames: [String] { get }
    /// Loads values written by `state()` (or by PyTorch); `subject` names the checkpoint in errors.
    mutating func loadState(_ tensors: [String: Tensor], subject: String) throws
    /// Drops what forward kept for backward, e.g. before storing a copy of the model.
    mutating func releaseCaches()
}

extension Layer {
    public mutating func forwardThenReLU(_ x: inout Activation, training: Bool) -> Bool { false }
    public mutating func backwardThroughReLU(_ gradient: inout Activation, needsInputGradient: Bool) {
        preconditionFailure("\(spec.typeName) fuses no ReLU")
    }
    public mutating func forEachParameter(_ body: (String, inout Parameter) -> Void) {}
    public func state() -> [(name: String, tensor: Tensor)] { [] }
    public var stateNames: [String] { state().map(\.name) }
    public mutating func loadState(_ tensors: [String: Tensor], subject: String) throws {}
    public mutating func releaseCaches() {}
}

extension Parameter {
    /// This parameter as a float32 tensor in its PyTorch shape.
    var tensor: Tensor { Tensor(shape: shape, values: value) }

    /// Copies the values of `tensors[name]` over this parameter's, checking its dtype and shape.
    mutating func load(_ name: String, from tensors: [String: Tensor], subject: String) throws {
        guard let t = tensors[name] else { throw MedPipeError.malformed(subject, "missing tensor '\(name)'") }
        guard t.dtype == .float32 else { throw MedPipeError.malformed(subject, "tensor '\(name)' is \(t.dtype), expected float32") }
        guard t.shape == shape else { throw MedPipeError.malformed(subject, "tensor '\(name)' has shape \(t.shape), expected \(shape)") }
        // In place: the pages of a layer just built are already there (a new array would fault in as many more).
        t.withUnsafeBufferPointer(as: Float.self) { source in
            value.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: source) }
        }
    }
}
