import MedPipeCore

/// `ReLU()`: `y = max(x, 0)`, elementwise, any shape; backward passes the gradient where the output is positive.
public struct ReLU: Layer {
    private var output: [Float] = []

    public init() {}

    public var spec: LayerSpec { .relu }

    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        x.data.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress else { return }
            Parallel.forRanges(v.count, minimumPerWorker: Parallel.elementsPerWorker) { r in Elementwise.relu(base + r.lowerBound, count: r.count) }
        }
        output = x.data
    }

    /// Keeps `y`, already rectified by the layer before (``Layer/forwardThenReLU(_:training:)``), as this layer's output.
    mutating func adopt(rectified y: Activation) { output = y.data }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        precondition(gradient.data.count == output.count, "ReLU: gradient of \(gradient.data.count) values, output had \(output.count)")
        output.withUnsafeBufferPointer { y in
            gradient.data.withUnsafeMutableBufferPointer { g in
                guard let gb = g.baseAddress, let yb = y.baseAddress else { return }
                Parallel.forRanges(g.count, minimumPerWorker: Parallel.elementsPerWorker) { r in
                    Elementwise.maskByPositive(gb + r.lowerBound, yb + r.lowerBound, count: r.count)
                }
            }
        }
    }

    public mutating func releaseCaches() { output = [] }
}
