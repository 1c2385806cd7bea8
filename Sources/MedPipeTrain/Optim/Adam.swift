import Foundation
import MedPipeCore

/// `torch.optim.Adam` (weight decay added to the gradient, L2 style) or, with `decoupled`,
/// `torch.optim.AdamW` (`p ·= 1 − lr·weight_decay` before the update).
/// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, `p −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)`.
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float
    public var weightDecay: Float
    public var decoupled: Bool
    private var moments: [String: (m: [Float], v: [Float])] = [:]
    private var t = 0

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay; self.decoupled = decoupled
    }

    /// AdamW with PyTorch's default weight decay of 0.01.
    public static func adamW(learningRate: Float = 1e-3, weightDecay: Float = 1e-2) -> Adam {
        Adam(learningRate: learningRate, weightDecay: weightDecay, decoupled: true)
    }

    public mutating func startStep() { t += 1 }

    public mutating func update(_ key: String, values w: UnsafeMutableBufferPointer<Float>, gradients g: UnsafeBufferPointer<Float>) {
        let kernel = Kernel(lr: learningRate, b1: beta1, b2: beta2, eps: eps, wd: weightDecay, decoupled: decoupled,
                            stepSize: learningRate / Float(1 - pow(Double(beta1), Double(t))),
                            bc2Sqrt: Float((1 - pow(Double(beta2), Double(t))).squareRoot()))
        var (m, v) = moments[key] ?? ([Float](repeating: 0, count: w.count), [Float](repeating: 0, count: w.count))
        moments[key] = nil   // keep the moments uniquely referenced while they are updated
        m.withUnsafeMutableBufferPointer { mb in
        v.withUnsafeMutableBufferPointer { vb in
            Parallel.forRanges(w.count, minimumPerWorker: Parallel.elementsPerWorker) { range in
                kernel.run(range, w.baseAddress!, g.baseAddress!, mb.baseAddress!, vb.baseAddress!)
            }
        }}
        moments[key] = (m, v)
    }

    /// One step's update, sixteen values at a time (the compiler leaves the scalar loop unvectorized: one
    /// `sqrtss` and one `divss` per value). Each lane's arithmetic is the formula's, operation for operation and
    /// in its order, so the values equal the scalar loop's; a run's last partial vector goes through the same code.
    private struct Kernel: Sendable {
        typealias V = SIMD16<Float>
        let lr: Float, b1: Float, b2: Float, eps: Float, wd: Float, decoupled: Bool, stepSize: Float, bc2Sqrt: Float

        @inline(__always)
        func apply(_ w: inout V, _ g: V, _ m: inout V, _ v: inout V) {
            var grad = g
            if wd != 0 {
                if decoupled { w *= 1 - lr * wd } else { grad += wd * w }
            }
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad * grad
            w -= stepSize * m / (v.squareRoot() / bc2Sqrt + eps)
        }

        func run(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                 _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>) {
            func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
            func store(_ x: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: V.self) }
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                var wi = load(w, i), mi = load(m, i), vi = load(v, i)
                apply(&wi, load(g, i), &mi, &vi)
                store(wi, w, i); store(mi, m, i); store(vi, v, i)
                i += 16
            }
            guard i < range.upperBound else { return }
            var wi = V(), gi = V(), mi = V(), vi = V()   // the tail, padded with zeros
            for lane in 0..<(range.upperBound - i) { wi[lane] = w[i + lane]; gi[lane] = g[i + lane]; mi[lane] = m[i + lane]; vi[lane] = v[i + lane] }
            apply(&wi, gi, &mi, &vi)
            for lane in 0..<(range.upperBound - i) { w[i + lane] = wi[lane]; m[i + lane] = mi[lane]; v[i + lane] = vi[lane] }
        }
    }
}
