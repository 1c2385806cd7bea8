/// Updates a model's parameters from the gradients of the last backward pass.
public protocol Optimizer: Sendable {
    /// The learning rate the next step uses (schedules set it each epoch).
    var learningRate: Float { get set }
    /// One update of every parameter of `model`.
    mutating func step(_ model: inout Sequential)
}
