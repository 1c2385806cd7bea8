import MedPipeCore

/// `MaxPool1d` / `MaxPool2d` / `MaxPool3d` with a cubic window, stride, no padding, floor mode.
///
/// Shapes: `[N, C, spatial…]` → `[N, C, ⌊(spatial − k)/s⌋ + 1 …]`. Forward remembers where each maximum
/// came from (first maximum in the window, NaN wins, as PyTorch); backward routes the gradient there.
public struct MaxPool: Layer {
    public let rank: Int, kernel: Int, stride: Int
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init(rank: Int, kernel: Int, stride: Int? = nil) {
        self.rank = rank; self.kernel = kernel; self.stride = stride ?? kernel
    }

    public var spec: LayerSpec { .maxPool(rank: rank, kernel: kernel, stride: stride) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try checkSpatialInput(input, rank: rank, channels: nil, layer: spec.typeName)
        guard let g = ConvGeometry(rank: rank, sample: input, kernel: kernel, stride: stride, padding: 0) else {
            throw MedPipeError.invalidArgument(spec.typeName, "window \(kernel) is larger than input \(input)")
        }
        return [input[0]] + g.outputSpatial(rank: rank)
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        guard let g = ConvGeometry(rank: rank, sample: x.sampleShape, kernel: kernel, stride: stride, padding: 0) else {
            preconditionFailure("\(spec.typeName): input \(x.shape) does not fit")
        }
        let planes = x.batchSize * g.channels, q = g.positions
        var argmax = self.argmax
        self.argmax = []   // uniquely referenced while it is overwritten, not copied first
        if argmax.count != planes * q { argmax = [Int32](repeating: 0, count: planes * q) }
        let y = [Float].uninitialized(planes * q) { y in
            x.data.withUnsafeBufferPointer { xb in
            argmax.withUnsafeMutableBufferPointer { am in
                let pairs = g.kD == 1 && g.kW == 2 && g.sW == 2 && (g.kH == 1 || (g.kH == 2 && g.sH == 2))
                Parallel.forRanges(planes, minimumPerWorker: 16) { range in
                for plane in range where pairs {
                    Self.poolPairs(g, xb.baseAddress! + plane * g.plane, y + plane * q, am.baseAddress! + plane * q)
                }
                for plane in range where !pairs {
                    let src = xb.baseAddress! + plane * g.plane
                    var o = plane * q
                    for z in 0..<g.outD { for r in 0..<g.outH { for c in 0..<g.outW {
                        let z0 = z * g.sD, r0 = r * g.sH, c0 = c * g.sW
                        var bestIndex = (z0 * g.inH + r0) * g.inW + c0
                        var best = -Float.infinity
                        for a in 0..<g.kD { for b in 0..<g.kH {
                            let row = ((z0 + a) * g.inH + r0 + b) * g.inW + c0
                            for e in 0..<g.kW {
                                let v = src[row + e]
                                if v > best || v.isNaN { best = v; bestIndex = row + e }
                            }
                        }}
                        y[o] = best
                        am[o] = Int32(bestIndex)
                        o += 1
                    }}}
                }
                }
            }}
        }
        self.argmax = argmax
        inputShape = x.shape
        x = Activation(shape: [x.batchSize, g.channels] + g.outputSpatial(rank: rank), data: y)
    }

    /// The common 2 (×2) window with stride 2 over one plane, eight outputs at a time: candidates in PyTorch's
    /// scan order (row by row), the first maximum wins and NaN wins, without branches (on real activations the
    /// winner is unpredictable). `argmax` receives plane-relative input indices.
    private static func poolPairs(_ g: ConvGeometry, _ src: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>) {
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for r in 0..<g.outH {
            let row0 = r * g.sH * g.inW, out = r * g.outW
            // Chunks of eight outputs; a row whose width is not a multiple of eight ends with a chunk that
            // overlaps the one before (recomputing a few outputs costs less than a scalar tail).
            var next = 0
            while g.outW >= 8 && next < g.outW {
                let c = min(next, g.outW - 8)
                next += 8
                var best = SIMD8<Float>(), index = SIMD8<Int32>()
                for n in 0..<g.kH {
                    let first = row0 + n * g.inW + 2 * c
                    let pair = UnsafeRawPointer(src + first).loadUnaligned(as: SIMD16<Float>.self)
                    let left = pair.evenHalf, right = pair.oddHalf
                    let leftIndex = SIMD8<Int32>(repeating: Int32(first)) &+ lanes
                    if n == 0 {
                        best = left; index = leftIndex
                    } else {
                        let wins = (left .> best) .| (left .!= left)
                        best.replace(with: left, where: wins); index.replace(with: leftIndex, where: wins)
                    }
                    let wins = (right .> best) .| (right .!= right)
                    best.replace(with: right, where: wins); index.replace(with: leftIndex &+ 1, where: wins)
                }
                UnsafeMutableRawPointer(y + out + c).storeBytes(of: best, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(argmax + out + c).storeBytes(of: index, as: SIMD8<Int32>.self)
            }
            // Rows narrower than eight outputs.
            for c in (g.outW < 8 ? 0 : g.outW)..<g.outW {
                let first = row0 + 2 * c
                var bestIndex = first
                var best = src[first]
                for n in 0..<g.kH {
                    for i in (first + n * g.inW)...(first + n * g.inW + 1) where i != first {
                        let v = src[i]
                        let wins = v > best || v.isNaN
                        best = wins ? v : best
                        bestIndex = wins ? i : bestIndex
                    }
                }
                y[out + c] = best
                argmax[out + c] = Int32(bestIndex)
            }
        }
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        precondition(gradient.data.count == argmax.count, "\(spec.typeName): gradient shape \(gradient.shape) does not match the output")
        let inPlane = inputShape.dropFirst(2).reduce(1, *)
        let planes = inputShape[0] * inputShape[1]
        let q = argmax.count / max(planes, 1)
        let dx = [Float].uninitialized(planes * inPlane) { d in
        gradient.data.withUnsafeBufferPointer { dy in
        argmax.withUnsafeBufferPointer { am in
            Parallel.forRanges(planes, minimumPerWorker: 16) { range in
                for plane in range {
                    let base = plane * inPlane
                    (d + base).update(repeating: 0, count: inPlane)
                    for i in (plane * q)..<((plane + 1) * q) { d[base + Int(am[i])] += dy[i] }
                }
            }
        }}}
        gradient = Activation(shape: inputShape, data: dx)
    }

    public mutating func releaseCaches() { argmax = []; inputShape = [] }
}
