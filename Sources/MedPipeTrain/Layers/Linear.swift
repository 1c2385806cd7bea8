import MedPipeCore

/// `Linear(in, out)`: `y = x · Wᵀ + b` through `cblas_sgemm`.
///
/// Shapes: input `[N, in]`; weight `[out, in]`; bias `[out]`; output `[N, out]`.
public struct Linear: WeightedLayer {
    public let inFeatures: Int, outFeatures: Int
    /// `[out, in]`.
    public var weight: Parameter
    /// `[out]`.
    public var bias: Parameter
    /// The input of the last forward.
    private(set) var input: Activation?
    /// Set by data-parallel training for one step (`DataParallel`): backward keeps its output gradient in
    /// `outputGradient` instead of computing the weight's gradient, which the ranks then compute together.
    var defersWeightGradient = false
    /// The last backward's output gradient, while `defersWeightGradient` is set.
    var outputGradient: Activation?

    public init(inFeatures: Int, outFeatures: Int, rng: inout SeededGenerator) {
        var drawn: SeededGenerator? = rng
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, rng: &drawn)
        rng = drawn!
    }

    /// PyTorch's initialization drawn from `rng`, or zeros without one (``Parameter/init(shape:uniformBound:rng:)``).
    init(inFeatures: Int, outFeatures: Int, rng: inout SeededGenerator?) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = Float(1 / Double(inFeatures).squareRoot())
        weight = Parameter(shape: [outFeatures, inFeatures], uniformBound: bound, rng: &rng)
        bias = Parameter(shape: [outFeatures], uniformBound: bound, rng: &rng)
    }

    public var spec: LayerSpec { .linear(inFeatures: inFeatures, outFeatures: outFeatures) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input == [inFeatures] else {
            throw MedPipeError.invalidArgument("Linear", "expects samples of \(inFeatures) features, got shape \(input) (add a Flatten or fix in_features)")
        }
        return [outFeatures]
    }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        precondition(x.shape.count == 2 && x.shape[1] == inFeatures, "Linear(\(inFeatures)→\(outFeatures)): input \(x.shape)")
        let n = x.batchSize, i = inFeatures, o = outFeatures
        let y = [Float].uninitialized(n * o) { y in
            x.data.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { w in
            bias.value.withUnsafeBufferPointer { b in
                for r in 0..<n { (y + r * o).update(from: b.baseAddress!, count: o) }
                BLAS.sgemm(transA: false, transB: true, m: n, n: o, k: i, a: xb.baseAddress!, lda: i,
                           b: w.baseAddress!, ldb: i, beta: 1, c: y, ldc: o)
            }}}
        }
        input = x
        x = Activation(shape: [n, o], data: y)
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        guard let input else { preconditionFailure("Linear: backward before forward") }
        let n = input.batchSize, i = inFeatures, o = outFeatures
        precondition(gradient.shape == [n, o], "Linear: gradient shape \(gradient.shape), expected \([n, o])")
        var dx: [Float] = []
        gradient.data.withUnsafeBufferPointer { dy in
            if weight.requiresGradient && defersWeightGradient {
                outputGradient = gradient
            } else if weight.requiresGradient {
                input.data.withUnsafeBufferPointer { xb in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        Self.weightGradient(rows: 0..<o, samples: n, inFeatures: i, outFeatures: o, input: xb.baseAddress!, outputGradient: dy.baseAddress!, into: dw.baseAddress!)
                    }
                }
            }
            if bias.requiresGradient {
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for c in 0..<o { db[c] = 0 }
                    for r in 0..<n { for c in 0..<o { db[c] += dy[r * o + c] } }
                }
            }
            if needsInputGradient {
                dx = [Float].uninitialized(n * i) { dxp in
                    weight.value.withUnsafeBufferPointer { w in
                        // dx [N, in] = dy [N, out] · W [out, in]
                        BLAS.sgemm(transA: false, transB: false, m: n, n: i, k: o, a: dy.baseAddress!, lda: o,
                                   b: w.baseAddress!, ldb: i, beta: 0, c: dxp, ldc: i)
                    }
                }
            }
        }
        gradient = needsInputGradient ? Activation(shape: [n, i], data: dx) : Activation(shape: [0], data: [])
    }

    /// Rows `rows` of the weight's gradient, dW [rows, in] = dyᵀ [rows, N] · x [N, in], into `dw` (row `rows.lowerBound`
    /// first), from `samples` (N) rows of inputs `x` [N, in] and output gradients `dy` [N, out].
    static func weightGradient(rows: Range<Int>, samples: Int, inFeatures: Int, outFeatures: Int, input x: UnsafePointer<Float>,
                               outputGradient dy: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        BLAS.sgemm(transA: true, transB: false, m: rows.count, n: inFeatures, k: samples, a: dy + rows.lowerBound, lda: outFeatures,
                   b: x, ldb: inFeatures, beta: 0, c: dw, ldc: inFeatures)
    }

    public mutating func releaseCaches() { input = nil; outputGradient = nil }
}
