import MedPipeCore

/// `AdaptiveAvgPool1d(1)` / `AdaptiveAvgPool2d(1)` / `AdaptiveAvgPool3d(1)`: global average pooling.
///
/// Shapes: `[N, C, spatial…]` → `[N, C, 1, …]` (as PyTorch; follow it with `Flatten`).
public struct GlobalAvgPool: Layer {
    public let rank: Int
    private var inputShape: [Int] = []

    public init(rank: Int) { self.rank = rank }

    public var spec: LayerSpec { .globalAvgPool(rank: rank) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try checkSpatialInput(input, rank: rank, channels: nil, layer: spec.typeName)
        return [input[0]] + [Int](repeating: 1, count: rank)
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        precondition(x.shape.count == rank + 2, "\(spec.typeName): input \(x.shape)")
        let planes = x.shape[0] * x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
        let y = [Float].uninitialized(planes) { y in
            x.data.withUnsafeBufferPointer { xb in
                for p in 0..<planes {
                    var sum: Float = 0
                    for i in (p * s)..<((p + 1) * s) { sum += xb[i] }
                    y[p] = sum / Float(s)
                }
            }
        }
        inputShape = x.shape
        x = Activation(shape: [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: rank), data: y)
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        let planes = inputShape[0] * inputShape[1], s = inputShape.dropFirst(2).reduce(1, *)
        precondition(gradient.data.count == planes, "\(spec.typeName): gradient shape \(gradient.shape) does not match the output")
        let dx = [Float].uninitialized(planes * s) { d in
            gradient.data.withUnsafeBufferPointer { dy in
                for p in 0..<planes {
                    let v = dy[p] / Float(s)
                    (d + p * s).update(repeating: v, count: s)
                }
            }
        }
        gradient = Activation(shape: inputShape, data: dx)
    }

    public mutating func releaseCaches() { inputShape = [] }
}
