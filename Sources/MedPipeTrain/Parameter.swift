import MedPipeCore

/// A trainable tensor: its values and the gradient of the loss with respect to them, both flat in
/// PyTorch's layout for the owning layer (OIHW for convolutions, `(out, in)` for linear layers).
public struct Parameter: Sendable, Equatable {
    /// PyTorch shape, e.g. `[32, 1, 3, 3]`.
    public let shape: [Int]
    /// The values, row-major.
    public var value: [Float]
    /// d(loss)/d(value) from the last backward pass (overwritten, not accumulated, by each backward).
    public var gradient: [Float]
    /// As PyTorch's `requires_grad`: when false (a model that is only explained, as Grad-CAM's), backward
    /// passes skip this parameter's gradient, leaving `gradient` as it was, and optimizers leave `value` as it is.
    public var requiresGradient = true

    /// A parameter holding `value`, with a zero gradient.
    public init(shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *), "\(value.count) values do not fill parameter shape \(shape)")
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    /// PyTorch's default initialization of a convolution's or linear layer's weight or bias: values uniform in
    /// ±`bound`, drawn from `rng` in order; all zeros without a generator (a layer whose tensors a checkpoint is
    /// about to replace: drawing them took longer than reading the file).
    init(shape: [Int], uniformBound bound: Float, rng: inout SeededGenerator?) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, value: rng == nil ? [Float](repeating: 0, count: count) : (0..<count).map { _ in rng!.uniform(bound: bound) })
    }

    /// Number of scalars.
    public var count: Int { value.count }
}
