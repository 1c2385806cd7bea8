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
    private var input: Activation?

    public init(inFeatures: Int, outFeatures: Int, rng: inout SeededGenerator) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = Float(1 / Double(inFeatures).squareRoot())
        weight = Parameter(shape: [outFeatures, inFeatures], value: (0..<(outFeatures * inFeatures)).map { _ in rng.uniform(bound: bound) })
        bias = Parameter(shape: [outFeatures], value: (0..<outFeatures).map { _ in rng.uniform(bound: bound) })
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
            if weight.requiresGradient {
            input.data.withUnsafeBufferPointer { xb in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    // dW [out, in] = dyᵀ [out, N] · x [N, in]
                    BLAS.sgemm(transA: true, transB: false, m: o, n: i, k: n, a: dy.baseAddress!, lda: o,
                               b: xb.baseAddress!, ldb: i, beta: 0, c: dw.baseAddress!, ldc: i)
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

    public mutating func releaseCaches() { input = nil }
}
