import MedPipeCore

/// `Conv1d` / `Conv2d` / `Conv3d` with a cubic kernel, stride, zero padding and bias, as im2col + `cblas_sgemm`.
///
/// Shapes: input `[N, C, L]` / `[N, C, H, W]` / `[N, C, D, H, W]`; weight `[O, C, k…]` (PyTorch's OIHW/OIDHW);
/// bias `[O]`; output `[N, O, oL]` / `[N, O, oH, oW]` / `[N, O, oD, oH, oW]`.
///
/// Samples are processed in groups whose column matrices sit side by side, `cols [K, g·P]`
/// (K = C·k^rank, P = output positions), so one GEMM `W [O, K] · cols → [O, g·P]` covers the group;
/// groups hold as many samples as fit `columnBudget` floats. When one group holds the whole batch, backward
/// reuses the forward's columns; otherwise it rebuilds each group's columns (cheap, and they stay in cache).
public struct Convolution: WeightedLayer {
    public let rank: Int
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// `[O, C, k…]`.
    public var weight: Parameter
    /// `[O]`.
    public var bias: Parameter

    /// Largest column matrix built at once, in floats (4 MiB, about what stays in cache between im2col and its
    /// GEMM: measured faster than one batch-wide matrix for mnist-cnn); samples beyond it go to further GEMMs.
    var columnBudget = 1 << 20

    // Kept by forward for backward, and reusable workspaces.
    private var input: Activation?
    private var geometry: ConvGeometry?
    private var cols: [Float] = []
    private var colsHoldWholeBatch = false
    private var work: [Float] = []
    private var columnGradient: [Float] = []

    public init(rank: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, rng: inout SeededGenerator) {
        self.rank = rank
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let wShape = [outChannels, inChannels] + [Int](repeating: kernel, count: rank)
        let fanIn = wShape.dropFirst().reduce(1, *)
        let bound = Float(1 / Double(fanIn).squareRoot())
        weight = Parameter(shape: wShape, value: (0..<wShape.reduce(1, *)).map { _ in rng.uniform(bound: bound) })
        bias = Parameter(shape: [outChannels], value: (0..<outChannels).map { _ in rng.uniform(bound: bound) })
    }

    public var spec: LayerSpec {
        .convolution(rank: rank, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try checkSpatialInput(input, rank: rank, channels: inChannels, layer: spec.typeName)
        guard let g = ConvGeometry(rank: rank, sample: input, kernel: kernel, stride: stride, padding: padding) else {
            throw MedPipeError.invalidArgument(spec.typeName, "kernel \(kernel) with padding \(padding) does not fit input \(input)")
        }
        return [outChannels] + g.outputSpatial(rank: rank)
    }

    /// Samples per GEMM group for a batch of `n`.
    private func groupSize(_ g: ConvGeometry, batch n: Int) -> Int {
        max(1, min(n, columnBudget / max(1, g.rows * g.positions)))
    }

    /// Writes the column matrices of samples `start..<start+count` side by side into `cols` (`[K, count·P]`).
    private static func fillColumns(_ g: ConvGeometry, _ x: UnsafePointer<Float>, start: Int, count: Int, _ cols: UnsafeMutablePointer<Float>) {
        let ld = count * g.positions
        Parallel.forRanges(count) { samples in
            for s in samples { g.im2col(x + (start + s) * g.inputSize, cols + s * g.positions, ld: ld) }
        }
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        guard let g = ConvGeometry(rank: rank, sample: x.sampleShape, kernel: kernel, stride: stride, padding: padding),
              g.channels == inChannels else { preconditionFailure("\(spec.typeName): input \(x.shape) does not fit") }
        let n = x.batchSize, o = outChannels, k = g.rows, p = g.positions
        let group = groupSize(g, batch: n)
        var cols = self.cols; self.cols = []
        var work = self.work; self.work = []
        if cols.count < k * group * p { cols = [Float](repeating: 0, count: k * group * p) }
        if work.count < o * group * p { work = [Float](repeating: 0, count: o * group * p) }
        let out = [Float].uninitialized(n * o * p) { y in
            x.data.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { w in
            bias.value.withUnsafeBufferPointer { bb in
            cols.withUnsafeMutableBufferPointer { cb in
            work.withUnsafeMutableBufferPointer { wk in
                var start = 0
                while start < n {
                    let count = min(group, n - start), ld = count * p
                    Self.fillColumns(g, xb.baseAddress!, start: start, count: count, cb.baseAddress!)
                    BLAS.sgemm(transA: false, transB: false, m: o, n: ld, k: k, a: w.baseAddress!, lda: k,
                               b: cb.baseAddress!, ldb: ld, beta: 0, c: wk.baseAddress!, ldc: ld)
                    // [O, count·P] → [count, O, P], adding the bias.
                    Parallel.forRanges(count) { samples in
                        for s in samples {
                            for c in 0..<o {
                                let src = wk.baseAddress! + c * ld + s * p
                                let dst = y + ((start + s) * o + c) * p
                                let b = bb[c]
                                for i in 0..<p { dst[i] = src[i] + b }
                            }
                        }
                    }
                    start += count
                }
            }}}}}
        }
        colsHoldWholeBatch = group >= n
        self.cols = cols
        self.work = work
        input = x
        geometry = g
        x = Activation(shape: [n, o] + g.outputSpatial(rank: rank), data: out)
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        guard let input, let g = geometry else { preconditionFailure("\(spec.typeName): backward before forward") }
        let n = input.batchSize, o = outChannels, k = g.rows, p = g.positions
        precondition(gradient.shape == [n, o] + g.outputSpatial(rank: rank), "\(spec.typeName): gradient shape \(gradient.shape) does not match the output")
        let group = groupSize(g, batch: n)
        let reuseColumns = colsHoldWholeBatch
        var cols = self.cols; self.cols = []
        var work = self.work; self.work = []
        var weightGrad = weight.gradient; weight.gradient = []
        var biasGrad = bias.gradient; bias.gradient = []
        var dcols = columnGradient; columnGradient = []   // fully written by its GEMM (beta 0)
        if needsInputGradient && dcols.count < k * group * p { dcols = [Float](repeating: 0, count: k * group * p) }
        var dx = needsInputGradient ? [Float](repeating: 0, count: n * g.inputSize) : []
        input.data.withUnsafeBufferPointer { xb in
        gradient.data.withUnsafeBufferPointer { dy in
        weight.value.withUnsafeBufferPointer { w in
        cols.withUnsafeMutableBufferPointer { cb in
        work.withUnsafeMutableBufferPointer { wk in
        weightGrad.withUnsafeMutableBufferPointer { dw in
        biasGrad.withUnsafeMutableBufferPointer { db in
        dcols.withUnsafeMutableBufferPointer { dcb in
        dx.withUnsafeMutableBufferPointer { dxb in
            let weightGradient = weight.requiresGradient, biasGradient = bias.requiresGradient
            if biasGradient { for c in 0..<o { db[c] = 0 } }
            var start = 0
            while start < n {
                let count = min(group, n - start), ld = count * p
                if weightGradient && !reuseColumns { Self.fillColumns(g, xb.baseAddress!, start: start, count: count, cb.baseAddress!) }
                // dy [count, O, P] → [O, count·P]; bias gradient (sum of each row) on the way.
                Parallel.forRanges(o) { channels in
                    for c in channels {
                        let dst = wk.baseAddress! + c * ld
                        var sum: Float = 0
                        for s in 0..<count {
                            let src = dy.baseAddress! + ((start + s) * o + c) * p
                            (dst + s * p).update(from: src, count: p)
                            if biasGradient { sum += Elementwise.sum(src, count: p) }
                        }
                        if biasGradient { db[c] += sum }
                    }
                }
                // dW [O, K] (+)= dy' [O, count·P] · cols [K, count·P]ᵀ
                if weightGradient {
                    BLAS.sgemm(transA: false, transB: true, m: o, n: k, k: ld, a: wk.baseAddress!, lda: ld,
                               b: cb.baseAddress!, ldb: ld, beta: start == 0 ? 0 : 1, c: dw.baseAddress!, ldc: k)
                }
                if needsInputGradient {
                    // dcols [K, count·P] = Wᵀ [K, O] · dy' [O, count·P], then scattered back onto dx.
                    BLAS.sgemm(transA: true, transB: false, m: k, n: ld, k: o, a: w.baseAddress!, lda: k,
                               b: wk.baseAddress!, ldb: ld, beta: 0, c: dcb.baseAddress!, ldc: ld)
                    Parallel.forRanges(count) { samples in
                        for s in samples { g.col2imAdd(dcb.baseAddress! + s * p, ld: ld, dxb.baseAddress! + (start + s) * g.inputSize) }
                    }
                }
                start += count
            }
        }}}}}}}}}
        self.cols = cols
        self.work = work
        columnGradient = dcols
        weight.gradient = weightGrad
        bias.gradient = biasGrad
        gradient = needsInputGradient ? Activation(shape: input.shape, data: dx) : Activation(shape: [0], data: [])
    }

    public mutating func releaseCaches() {
        input = nil; geometry = nil; cols = []; work = []; columnGradient = []; colsHoldWholeBatch = false
    }
}
