import MedPipeCore

/// `AvgPool1d` / `AvgPool2d` / `AvgPool3d` with a cubic window, stride, no padding, floor mode.
///
/// Shapes: `[N, C, spatial…]` → `[N, C, ⌊(spatial − k)/s⌋ + 1 …]`; each output is the mean of its window,
/// and backward spreads each output gradient evenly over its window.
public struct AvgPool: Layer {
    public let rank: Int, kernel: Int, stride: Int
    private var inputShape: [Int] = []

    public init(rank: Int, kernel: Int, stride: Int? = nil) {
        self.rank = rank; self.kernel = kernel; self.stride = stride ?? kernel
    }

    public var spec: LayerSpec { .avgPool(rank: rank, kernel: kernel, stride: stride) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try checkSpatialInput(input, rank: rank, channels: nil, layer: spec.typeName)
        guard let g = ConvGeometry(rank: rank, sample: input, kernel: kernel, stride: stride, padding: 0) else {
            throw MedPipeError.invalidArgument(spec.typeName, "window \(kernel) is larger than input \(input)")
        }
        return [input[0]] + g.outputSpatial(rank: rank)
    }

    private func geometry(_ sample: [Int]) -> ConvGeometry {
        guard let g = ConvGeometry(rank: rank, sample: sample, kernel: kernel, stride: stride, padding: 0) else {
            preconditionFailure("\(spec.typeName): input \(sample) does not fit")
        }
        return g
    }

    /// Calls `body(outputIndex, inputIndex)` for every (output, window element) pair of one plane.
    @inline(__always)
    private static func forEachWindow(_ g: ConvGeometry, _ body: (Int, Int) -> Void) {
        var o = 0
        for z in 0..<g.outD { for r in 0..<g.outH { for c in 0..<g.outW {
            for a in 0..<g.kD { for b in 0..<g.kH {
                let row = ((z * g.sD + a) * g.inH + r * g.sH + b) * g.inW + c * g.sW
                for e in 0..<g.kW { body(o, row + e) }
            }}
            o += 1
        }}}
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        let g = geometry(x.sampleShape)
        let planes = x.batchSize * g.channels, q = g.positions
        let scale = 1 / Float(g.kD * g.kH * g.kW)
        var y = [Float](repeating: 0, count: planes * q)
        x.data.withUnsafeBufferPointer { xb in
        y.withUnsafeMutableBufferPointer { yb in
            for plane in 0..<planes {
                let src = xb.baseAddress! + plane * g.plane, dst = yb.baseAddress! + plane * q
                Self.forEachWindow(g) { o, i in dst[o] += src[i] }
                for o in 0..<q { dst[o] *= scale }
            }
        }}
        inputShape = x.shape
        x = Activation(shape: [x.batchSize, g.channels] + g.outputSpatial(rank: rank), data: y)
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        let g = geometry(Array(inputShape.dropFirst()))
        let planes = inputShape[0] * g.channels, q = g.positions
        precondition(gradient.data.count == planes * q, "\(spec.typeName): gradient shape \(gradient.shape) does not match the output")
        let scale = 1 / Float(g.kD * g.kH * g.kW)
        var dx = [Float](repeating: 0, count: planes * g.plane)
        gradient.data.withUnsafeBufferPointer { dy in
        dx.withUnsafeMutableBufferPointer { d in
            for plane in 0..<planes {
                let src = dy.baseAddress! + plane * q, dst = d.baseAddress! + plane * g.plane
                Self.forEachWindow(g) { o, i in dst[i] += src[o] * scale }
            }
        }}
        gradient = Activation(shape: inputShape, data: dx)
    }

    public mutating func releaseCaches() { inputShape = [] }
}
