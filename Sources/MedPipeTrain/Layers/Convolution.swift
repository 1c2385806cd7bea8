import MedPipeCore

/// `Conv1d` / `Conv2d` / `Conv3d` with a cubic kernel, stride, zero padding and bias, through oneDNN's convolution
/// primitives, or as im2col + GEMM where they are not available.
///
/// Shapes: input `[N, C, L]` / `[N, C, H, W]` / `[N, C, D, H, W]`; weight `[O, C, k…]` (PyTorch's OIHW/OIDHW);
/// bias `[O]`; output `[N, O, oL]` / `[N, O, oH, oW]` / `[N, O, oD, oH, oW]`.
///
/// The batch is split into one contiguous range of samples per worker, each computed on its worker's thread, and
/// the workers' weight and bias gradients are summed in worker order: results depend on the thread count only.
/// - In training, where Winograd's algorithm pays (``ConvolutionPrimitives/winogradPays(rank:outChannels:geometry:)``)
///   but oneDNN has no Winograd kernel for the shape (below AVX-512, or with OpenBLAS as the backend), a worker runs
///   its samples a few at a time through MedPipe's own ``WinogradConvolution``.
/// - With oneDNN as the GEMM backend and an optimized primitive for the shape (``ConvolutionPrimitives``), a worker
///   runs its samples a few at a time through the forward, backward-data and backward-weights primitives: in
///   training, oneDNN's Winograd kernels where they pay, otherwise its direct ones.
/// - Otherwise a worker builds one sample's column matrix `cols [K, P]` (K = C·k^rank, P = output positions) in
///   scratch of its own, where it stays in cache, and multiplies it: forward writes `W [O, K] · cols` straight into
///   the sample's output `[O, P]`; backward adds `dy [O, P] · colsᵀ` to the worker's weight gradient and scatters
///   `Wᵀ · dy` back onto the input gradient, with nothing transposed or copied between the GEMMs.
public struct Convolution: WeightedLayer {
    public let rank: Int
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// `[O, C, k…]`.
    public var weight: Parameter
    /// `[O]`.
    public var bias: Parameter

    // Kept by forward for backward, and reusable per-worker workspaces (the column matrices for im2col only).
    private var input: Activation?
    private var geometry: ConvGeometry?
    /// The output, when forward applied the following ReLU to it (``forwardThenReLU(_:training:)``).
    private var rectifiedOutput: [Float]?
    /// Whether forward, and so backward, asked for Winograd kernels (training only, ``ConvolutionPrimitives/winogradPays(rank:outChannels:geometry:)``).
    private var winograd = false
    /// The weights as forward's ``WinogradConvolution`` transformed them, when it ran MedPipe's own.
    private var transformedWeights: [Float]?
    private var cols: [Float] = []
    private var columnGradient: [Float] = []
    private var partialGradients: [Float] = []

    public init(rank: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, rng: inout SeededGenerator) {
        var drawn: SeededGenerator? = rng
        self.init(rank: rank, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, rng: &drawn)
        rng = drawn!
    }

    /// PyTorch's initialization drawn from `rng`, or zeros without one (``Parameter/init(shape:uniformBound:rng:)``).
    init(rank: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, rng: inout SeededGenerator?) {
        self.rank = rank
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let wShape = [outChannels, inChannels] + [Int](repeating: kernel, count: rank)
        let fanIn = wShape.dropFirst().reduce(1, *)
        let bound = Float(1 / Double(fanIn).squareRoot())
        weight = Parameter(shape: wShape, uniformBound: bound, rng: &rng)
        bias = Parameter(shape: [outChannels], uniformBound: bound, rng: &rng)
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

    public mutating func forward(_ x: inout Activation, training: Bool) {
        forward(&x, rectifying: false, training: training)
    }

    public mutating func forwardThenReLU(_ x: inout Activation, training: Bool) -> Bool {
        forward(&x, rectifying: true, training: training)
        return true
    }

    /// Forward, each sample's output rectified as soon as it is computed when `rectifying`.
    private mutating func forward(_ x: inout Activation, rectifying: Bool, training: Bool) {
        guard let g = ConvGeometry(rank: rank, sample: x.sampleShape, kernel: kernel, stride: stride, padding: padding),
              g.channels == inChannels else { preconditionFailure("\(spec.typeName): input \(x.shape) does not fit") }
        let n = x.batchSize, o = outChannels, k = g.rows, p = g.positions
        let winograd = training && ConvolutionPrimitives.winogradPays(rank: rank, outChannels: o, geometry: g)
        let primitives = ConvolutionPrimitives(rank: rank, outChannels: o, geometry: g, winograd: winograd)
        self.winograd = winograd
        input = x
        geometry = g
        if winograd && !primitives.hasWinograd && WinogradConvolution.applies(rank: rank, geometry: g) {
            forwardWinograd(&x, geometry: g, rectifying: rectifying)
            return
        }
        transformedWeights = nil
        let viaPrimitives = primitives.usable(.forward, batches: ConvolutionPrimitives.shares(of: n))
        var cols = Self.workspace(&self.cols, count: viaPrimitives ? 0 : Parallel.workers(for: n) * k * p)
        let out = [Float].uninitialized(n * o * p) { y in
            x.data.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { w in
            bias.value.withUnsafeBufferPointer { bb in
            cols.withUnsafeMutableBufferPointer { cb in
                Parallel.forWorkers(n) { worker, samples in
                    if viaPrimitives {
                        for run in ConvolutionPrimitives.runs(samples) {
                            let ys = y + run.lowerBound * o * p
                            primitives.forward(batch: run.count, x: xb.baseAddress! + run.lowerBound * g.inputSize, w: w.baseAddress!,
                                               b: bb.baseAddress!, y: ys)
                            if rectifying { Elementwise.relu(ys, count: run.count * o * p) }
                        }
                        return
                    }
                    let c = cb.baseAddress! + worker * k * p
                    for s in samples {
                        let ys = y + s * o * p
                        g.im2col(xb.baseAddress! + s * g.inputSize, c, ld: p)
                        BLAS.sgemmOnCallingThread(transA: false, transB: false, m: o, n: p, k: k, a: w.baseAddress!, lda: k,
                                                  b: c, ldb: p, beta: 0, c: ys, ldc: p)
                        for channel in 0..<o { Elementwise.add(bb[channel], to: ys + channel * p, count: p) }
                        if rectifying { Elementwise.relu(ys, count: o * p) }
                    }
                }
            }}}}
        }
        self.cols = cols
        rectifiedOutput = rectifying ? out : nil
        x = Activation(shape: [n, o] + g.outputSpatial(rank: rank), data: out)
    }

    /// Forward through ``WinogradConvolution``, keeping the transformed weights for backward.
    private mutating func forwardWinograd(_ x: inout Activation, geometry g: ConvGeometry, rectifying: Bool) {
        let n = x.batchSize, o = outChannels, p = g.positions
        let wino = WinogradConvolution(outChannels: o, geometry: g)
        var u = [Float](repeating: 0, count: wino.transformedWeightCount)
        var scratch = Self.workspace(&cols, count: wino.scratchCount(samples: n))
        let out = [Float].uninitialized(n * o * p) { y in
            x.data.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { wb in
            bias.value.withUnsafeBufferPointer { bb in
            u.withUnsafeMutableBufferPointer { ub in
            scratch.withUnsafeMutableBufferPointer { sb in
                wino.forward(samples: n, x: xb.baseAddress!, w: wb.baseAddress!, b: bb.baseAddress!, u: ub.baseAddress!, y: y,
                             rectifying: rectifying, scratch: sb.baseAddress!)
            }}}}}
        }
        cols = scratch
        transformedWeights = u
        rectifiedOutput = rectifying ? out : nil
        x = Activation(shape: [n, o] + g.outputSpatial(rank: rank), data: out)
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        backward(&gradient, needsInputGradient: needsInputGradient, rectified: nil)
    }

    public mutating func backwardThroughReLU(_ gradient: inout Activation, needsInputGradient: Bool) {
        guard let rectifiedOutput else { preconditionFailure("\(spec.typeName): backward through a ReLU it did not apply") }
        backward(&gradient, needsInputGradient: needsInputGradient, rectified: rectifiedOutput)
    }

    /// Backward; with the `rectified` output of a forward that applied a ReLU, the gradient of each run of samples is
    /// first masked where that output is not positive (the ReLU's backward), while it is in cache.
    private mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool, rectified: [Float]?) {
        guard let input, let g = geometry else { preconditionFailure("\(spec.typeName): backward before forward") }
        let n = input.batchSize, o = outChannels, k = g.rows, p = g.positions
        precondition(gradient.shape == [n, o] + g.outputSpatial(rank: rank), "\(spec.typeName): gradient shape \(gradient.shape) does not match the output")
        if let transformedWeights {
            backwardWinograd(&gradient, input: input, geometry: g, transformedWeights: transformedWeights, needsInputGradient: needsInputGradient, rectified: rectified)
            return
        }
        let workers = Parallel.workers(for: n)
        let weightGradient = weight.requiresGradient, biasGradient = bias.requiresGradient
        let parameterGradients = weightGradient || biasGradient
        let primitives = ConvolutionPrimitives(rank: rank, outChannels: o, geometry: g, winograd: winograd)
        let runs = ConvolutionPrimitives.shares(of: n)
        let primitiveWeights = parameterGradients && primitives.usable(.backwardWeights, batches: runs)
        let primitiveData = needsInputGradient && primitives.usable(.backwardData, batches: runs)
        // Each worker writes its partial weight and bias gradients (weight then bias), summed in worker order after;
        // with primitives, a worker's runs after its first write theirs into a second slot, added to the first.
        var cols = Self.workspace(&self.cols, count: weightGradient && !primitiveWeights ? workers * k * p : 0)
        var dcols = Self.workspace(&columnGradient, count: needsInputGradient && !primitiveData ? workers * k * p : 0)
        var partials = Self.workspace(&partialGradients, count: parameterGradients ? (primitiveWeights ? 2 : 1) * workers * (o * k + o) : 0)
        var (weightGrad, biasGrad, dx) = takeGradientBuffers(inputCount: n * g.inputSize, needsInputGradient: needsInputGradient)
        let masks = rectified != nil, rectified = rectified ?? []
        precondition(!masks || rectified.count == n * o * p, "\(spec.typeName): rectified output does not match the gradient")
        input.data.withUnsafeBufferPointer { xb in
        gradient.data.withUnsafeMutableBufferPointer { dy in
        rectified.withUnsafeBufferPointer { yb in
        weight.value.withUnsafeBufferPointer { w in
        cols.withUnsafeMutableBufferPointer { cb in
        dcols.withUnsafeMutableBufferPointer { dcb in
        partials.withUnsafeMutableBufferPointer { pb in
        weightGrad.withUnsafeMutableBufferPointer { dw in
        biasGrad.withUnsafeMutableBufferPointer { db in
        dx.withUnsafeMutableBufferPointer { dxb in
            Parallel.forWorkers(n) { worker, samples in
                let dwWorker = parameterGradients ? pb.baseAddress! + worker * (o * k + o) : nil, dbWorker = dwWorker.map { $0 + o * k }
                // A run of samples at a time (one sample when no primitive is used), each step while its gradient is in cache.
                for run in primitiveWeights || primitiveData ? ConvolutionPrimitives.runs(samples) : samples.map({ $0..<($0 + 1) }) {
                    let dys = dy.baseAddress! + run.lowerBound * o * p, xs = xb.baseAddress! + run.lowerBound * g.inputSize
                    if masks { Elementwise.maskByPositive(dys, yb.baseAddress! + run.lowerBound * o * p, count: run.count * o * p) }
                    if primitiveWeights, let dwWorker {
                        let later = run.lowerBound > samples.lowerBound, into = later ? pb.baseAddress! + (workers + worker) * (o * k + o) : dwWorker
                        primitives.backwardWeights(batch: run.count, x: xs, dy: dys, dw: into, db: into + o * k)
                        if later { Elementwise.add(into, into: dwWorker, count: o * k + o) }
                    } else {
                        for s in run {
                            let dys = dy.baseAddress! + s * o * p, first = s == samples.lowerBound
                            if weightGradient {
                                let c = cb.baseAddress! + worker * k * p
                                g.im2col(xb.baseAddress! + s * g.inputSize, c, ld: p)
                                // dW [O, K] (+)= dy [O, P] · cols [K, P]ᵀ
                                BLAS.sgemmOnCallingThread(transA: false, transB: true, m: o, n: k, k: p, a: dys, lda: p,
                                                          b: c, ldb: p, beta: first ? 0 : 1, c: dwWorker!, ldc: k)
                            }
                            if biasGradient {
                                for channel in 0..<o {
                                    let sum = Elementwise.sum(dys + channel * p, count: p)
                                    dbWorker![channel] = first ? sum : dbWorker![channel] + sum
                                }
                            }
                        }
                    }
                    if primitiveData {
                        primitives.backwardData(batch: run.count, w: w.baseAddress!, dy: dys, dx: dxb.baseAddress! + run.lowerBound * g.inputSize)
                    } else if needsInputGradient {
                        for s in run {
                            // dcols [K, P] = Wᵀ [K, O] · dy [O, P], then scattered back onto dx.
                            let dc = dcb.baseAddress! + worker * k * p
                            BLAS.sgemmOnCallingThread(transA: true, transB: false, m: k, n: p, k: o, a: w.baseAddress!, lda: k,
                                                      b: dy.baseAddress! + s * o * p, ldb: p, beta: 0, c: dc, ldc: p)
                            let dxs = dxb.baseAddress! + s * g.inputSize
                            dxs.update(repeating: 0, count: g.inputSize)   // zeroed here, in the worker's cache
                            g.col2imAdd(dc, ld: p, dxs)
                        }
                    }
                }
            }
            for worker in 0..<(parameterGradients ? workers : 0) {
                let partial = pb.baseAddress! + worker * (o * k + o)
                if weightGradient {
                    if worker == 0 { dw.baseAddress!.update(from: partial, count: o * k) } else { Elementwise.add(partial, into: dw.baseAddress!, count: o * k) }
                }
                if biasGradient {
                    if worker == 0 { db.baseAddress!.update(from: partial + o * k, count: o) } else { Elementwise.add(partial + o * k, into: db.baseAddress!, count: o) }
                }
            }
        }}}}}}}}}}
        self.cols = cols
        columnGradient = dcols
        partialGradients = partials
        weight.gradient = weightGrad
        bias.gradient = biasGrad
        gradient = needsInputGradient ? Activation(shape: input.shape, data: dx) : Activation(shape: [0], data: [])
    }

    /// Backward through ``WinogradConvolution``, with the weights forward transformed.
    private mutating func backwardWinograd(_ gradient: inout Activation, input: Activation, geometry g: ConvGeometry, transformedWeights u: [Float],
                                           needsInputGradient: Bool, rectified: [Float]?) {
        let n = input.batchSize, o = outChannels, p = g.positions
        let wino = WinogradConvolution(outChannels: o, geometry: g)
        var scratch = Self.workspace(&cols, count: wino.scratchCount(samples: n))
        var partials = Self.workspace(&partialGradients, count: wino.partialCount(samples: n))
        var (weightGrad, biasGrad, dx) = takeGradientBuffers(inputCount: n * g.inputSize, needsInputGradient: needsInputGradient)
        precondition(rectified.map { $0.count == n * o * p } ?? true, "\(spec.typeName): rectified output does not match the gradient")
        let weightGradient = weight.requiresGradient, biasGradient = bias.requiresGradient
        input.data.withUnsafeBufferPointer { xb in
        gradient.data.withUnsafeMutableBufferPointer { dy in
        (rectified ?? []).withUnsafeBufferPointer { yb in
        u.withUnsafeBufferPointer { ub in
        scratch.withUnsafeMutableBufferPointer { sb in
        partials.withUnsafeMutableBufferPointer { pb in
        weightGrad.withUnsafeMutableBufferPointer { dw in
        biasGrad.withUnsafeMutableBufferPointer { db in
        dx.withUnsafeMutableBufferPointer { dxb in
            wino.backward(samples: n, x: xb.baseAddress!, dy: dy.baseAddress!, rectified: rectified != nil ? yb.baseAddress! : nil, u: ub.baseAddress!,
                          dw: weightGradient ? dw.baseAddress! : nil, db: biasGradient ? db.baseAddress! : nil,
                          dx: needsInputGradient ? dxb.baseAddress! : nil, partials: pb.baseAddress!, scratch: sb.baseAddress!)
        }}}}}}}}}
        cols = scratch
        partialGradients = partials
        weight.gradient = weightGrad
        bias.gradient = biasGrad
        gradient = needsInputGradient ? Activation(shape: input.shape, data: dx) : Activation(shape: [0], data: [])
    }

    /// The buffers backward fills: the parameters' gradients, taken out of them until backward puts them back, and
    /// the input gradient when needed (uninitialized: each sample is written by its worker).
    private mutating func takeGradientBuffers(inputCount: Int, needsInputGradient: Bool) -> (weight: [Float], bias: [Float], input: [Float]) {
        let buffers = (weight.gradient, bias.gradient, needsInputGradient ? [Float].uninitialized(inputCount) { _ in } : [])
        weight.gradient = []; bias.gradient = []
        return buffers
    }

    /// Takes a reusable workspace out of `stored`, grown to at least `count` floats (contents unspecified).
    private static func workspace(_ stored: inout [Float], count: Int) -> [Float] {
        var buffer = stored; stored = []
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
        return buffer
    }

    public mutating func releaseCaches() {
        input = nil; geometry = nil; rectifiedOutput = nil; transformedWeights = nil; cols = []; columnGradient = []; partialGradients = []
    }
}
