/// Updates a model's parameters from the gradients of the last backward pass.
///
/// Every optimizer updates each parameter element by element, from its value, its gradient and the state it keeps
/// for it (momentum, moments): so a step can be taken over any part of the parameters, as the ranks of a
/// data-parallel job each take it over their share (``update(_:values:gradients:)``).
public protocol Optimizer: Sendable {
    /// The learning rate the next step uses (schedules set it each epoch).
    var learningRate: Float { get set }
    /// Begins a step, before its ``update(_:values:gradients:)`` calls (Adam counts its steps).
    mutating func startStep()
    /// Updates `values` from `gradients` (as many) with the state kept under `key` between steps: the same
    /// `key` must name the same values (count and meaning) at every step.
    mutating func update(_ key: String, values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>)
}

extension Optimizer {
    /// One update of every parameter of `model` that requires a gradient.
    public mutating func step(_ model: inout Sequential) {
        startStep()
        model.forEachParameter { name, p in
            guard p.requiresGradient else { return }
            p.value.withUnsafeMutableBufferPointer { v in
                p.gradient.withUnsafeBufferPointer { g in update(name, values: v, gradients: g) }
            }
        }
    }
}
