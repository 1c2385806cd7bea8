/// `Flatten()`: `[N, d1, d2, …]` → `[N, d1·d2·…]`, the same values; backward restores the shape.
public struct Flatten: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public var spec: LayerSpec { .flatten }

    public func outputShape(for input: [Int]) throws -> [Int] { [input.reduce(1, *)] }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        inputShape = x.shape
        x.shape = [x.batchSize, x.sampleSize]
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        precondition(gradient.data.count == inputShape.reduce(1, *), "Flatten: gradient shape \(gradient.shape) does not match input \(inputShape)")
        gradient.shape = inputShape
    }
}
