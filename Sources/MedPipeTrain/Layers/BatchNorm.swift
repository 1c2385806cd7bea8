import MedPipeCore

/// `BatchNorm1d` / `BatchNorm2d` / `BatchNorm3d`: per-channel normalization with affine weight and bias.
///
/// Shapes: `[N, C]` or `[N, C, L]` (1d), `[N, C, H, W]` (2d), `[N, C, D, H, W]` (3d), unchanged by the layer;
/// weight, bias, running mean and running variance `[C]`. Training mode normalizes with the batch's
/// mean and biased variance over N and the spatial axes, and updates the running statistics as PyTorch
/// (`running = (1 − momentum)·running + momentum·batch`, with the unbiased variance); evaluation mode uses
/// the running statistics.
public struct BatchNorm: Layer {
    public let rank: Int, features: Int
    public let eps: Double, momentum: Double
    /// γ, `[C]`, initialized to 1.
    public var weight: Parameter
    /// β, `[C]`, initialized to 0.
    public var bias: Parameter
    /// Running mean, `[C]`, initialized to 0.
    public var runningMean: [Float]
    /// Running (unbiased) variance, `[C]`, initialized to 1.
    public var runningVar: [Float]
    /// Training-mode forward passes so far (PyTorch's `num_batches_tracked`).
    public var batchesTracked: Int64 = 0

    private var normalized: [Float] = []   // x̂, the input's shape
    private var invStd: [Float] = []        // per channel, of the statistics used
    private var usedBatchStatistics = false
    private var shape: [Int] = []

    public init(rank: Int, features: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        self.rank = rank; self.features = features; self.eps = eps; self.momentum = momentum
        weight = Parameter(shape: [features], value: [Float](repeating: 1, count: features))
        bias = Parameter(shape: [features], value: [Float](repeating: 0, count: features))
        runningMean = [Float](repeating: 0, count: features)
        runningVar = [Float](repeating: 1, count: features)
    }

    public var spec: LayerSpec { .batchNorm(rank: rank, features: features, eps: eps, momentum: momentum) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        let ok = rank == 1 ? (input.count == 1 || input.count == 2) : input.count == rank + 1
        guard ok, input.first == features else {
            throw MedPipeError.invalidArgument(spec.typeName, "expects samples of shape (\(features), \(rank == 1 ? "[L]" : "\(rank) spatial axes")), got \(input)")
        }
        return input
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        precondition(x.shape.count >= 2 && x.shape[1] == features, "\(spec.typeName)(\(features)): input \(x.shape)")
        let n = x.batchSize, c = features, s = x.sampleSize / c, m = n * s
        let momentum = Float(self.momentum), eps = Float(self.eps)
        var mean = [Float](repeating: 0, count: c)
        var inv = [Float](repeating: 0, count: c)
        // Statistics per channel, the channels split over the workers.
        x.data.withUnsafeBufferPointer { xb in
        mean.withUnsafeMutableBufferPointer { mean in
        inv.withUnsafeMutableBufferPointer { inv in
        runningMean.withUnsafeMutableBufferPointer { runningMean in
        runningVar.withUnsafeMutableBufferPointer { runningVar in
            Parallel.forRanges(c) { channels in
                for ch in channels {
                    guard training else {
                        mean[ch] = runningMean[ch]
                        inv[ch] = 1 / (runningVar[ch] + eps).squareRoot()
                        continue
                    }
                    var sum = 0.0, sumSq = 0.0
                    for b in 0..<n {
                        let p = xb.baseAddress! + (b * c + ch) * s
                        sum += Double(Elementwise.sum(p, count: s))
                    }
                    let mu = sum / Double(m)
                    for b in 0..<n {
                        let p = xb.baseAddress! + (b * c + ch) * s
                        sumSq += Double(Elementwise.sumOfSquares(p, around: Float(mu), count: s))
                    }
                    let variance = sumSq / Double(m)
                    mean[ch] = Float(mu)
                    inv[ch] = Float(1 / (variance + self.eps).squareRoot())
                    let unbiased = m > 1 ? variance * Double(m) / Double(m - 1) : variance
                    runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * Float(mu)
                    runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * Float(unbiased)
                }
            }
        }}}}}
        if training { batchesTracked += 1 }
        var normalized = self.normalized
        self.normalized = []   // uniquely referenced while it is overwritten, not copied first
        if normalized.count != x.data.count { normalized = [Float](repeating: 0, count: x.data.count) }
        // x̂ and the output, the samples split over the workers.
        normalized.withUnsafeMutableBufferPointer { xh in
        x.data.withUnsafeMutableBufferPointer { v in
        mean.withUnsafeBufferPointer { mean in
        inv.withUnsafeBufferPointer { inv in
        weight.value.withUnsafeBufferPointer { gamma in
        bias.value.withUnsafeBufferPointer { beta in
            Parallel.forRanges(n) { samples in
                for b in samples {
                    for ch in 0..<c {
                        let base = (b * c + ch) * s
                        let mu = mean[ch], iv = inv[ch], g = gamma[ch], be = beta[ch]
                        for i in base..<(base + s) {
                            let h = (v[i] - mu) * iv
                            xh[i] = h
                            v[i] = h * g + be
                        }
                    }
                }
            }
        }}}}}}
        self.normalized = normalized
        invStd = inv
        usedBatchStatistics = training
        shape = x.shape
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        precondition(gradient.shape == shape, "\(spec.typeName): gradient shape \(gradient.shape), expected \(shape)")
        let n = shape[0], c = features, s = normalized.count / (n * c), m = Float(n * s)
        var dGamma = [Float](repeating: 0, count: c), dBeta = [Float](repeating: 0, count: c)
        normalized.withUnsafeBufferPointer { xh in
        gradient.data.withUnsafeMutableBufferPointer { g in
        dGamma.withUnsafeMutableBufferPointer { dGamma in
        dBeta.withUnsafeMutableBufferPointer { dBeta in
        weight.value.withUnsafeBufferPointer { gamma in
        invStd.withUnsafeBufferPointer { invStd in
            // Σdy and Σdy·x̂ per channel, the channels split over the workers.
            Parallel.forRanges(c) { channels in
                for ch in channels {
                    for b in 0..<n {
                        let base = (b * c + ch) * s
                        let (sg, sgx) = Elementwise.sumAndDot(g.baseAddress! + base, xh.baseAddress! + base, count: s)
                        dBeta[ch] += sg; dGamma[ch] += sgx
                    }
                }
            }
            guard needsInputGradient else { return }
            // dx, the samples split over the workers.
            Parallel.forRanges(n) { samples in
                for b in samples {
                    for ch in 0..<c {
                        let base = (b * c + ch) * s
                        let k = gamma[ch] * invStd[ch]
                        if usedBatchStatistics {
                            // dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂))
                            let a = dBeta[ch] / m, bb = dGamma[ch] / m
                            for i in base..<(base + s) { g[i] = k * (g[i] - a - xh[i] * bb) }
                        } else {
                            for i in base..<(base + s) { g[i] *= k }
                        }
                    }
                }
            }
        }}}}}}
        if weight.requiresGradient { weight.gradient = dGamma }
        if bias.requiresGradient { bias.gradient = dBeta }
    }

    public mutating func forEachParameter(_ body: (String, inout Parameter) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    public func state() -> [(name: String, tensor: Tensor)] {
        [("weight", weight.tensor), ("bias", bias.tensor),
         ("running_mean", Tensor(shape: [features], values: runningMean)),
         ("running_var", Tensor(shape: [features], values: runningVar)),
         ("num_batches_tracked", Tensor(shape: [], values: [batchesTracked]))]
    }

    public mutating func loadState(_ tensors: [String: Tensor], subject: String) throws {
        try weight.load("weight", from: tensors, subject: subject)
        try bias.load("bias", from: tensors, subject: subject)
        var mean = Parameter(shape: [features], value: runningMean)
        try mean.load("running_mean", from: tensors, subject: subject)
        var variance = Parameter(shape: [features], value: runningVar)
        try variance.load("running_var", from: tensors, subject: subject)
        runningMean = mean.value
        runningVar = variance.value
        if let t = tensors["num_batches_tracked"] {
            guard t.count == 1, t.dtype == .int64 else {
                throw MedPipeError.malformed(subject, "num_batches_tracked must be one int64, found \(t.dtype) \(t.shape)")
            }
            batchesTracked = t.values(as: Int64.self)[0]
        }
    }

    public mutating func releaseCaches() { normalized = []; invStd = []; shape = [] }
}
