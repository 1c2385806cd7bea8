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
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = eps, wd = weightDecay, decoupled = decoupled
        let stepSize = lr / Float(1 - pow(Double(b1), Double(t)))
        let bc2Sqrt = Float((1 - pow(Double(b2), Double(t))).squareRoot())
        var (m, v) = moments[key] ?? ([Float](repeating: 0, count: w.count), [Float](repeating: 0, count: w.count))
        moments[key] = nil   // keep the moments uniquely referenced while they are updated
        m.withUnsafeMutableBufferPointer { mb in
        v.withUnsafeMutableBufferPointer { vb in
            Parallel.forRanges(w.count, minimumPerWorker: Parallel.elementsPerWorker) { range in
            for i in range {
                var grad = g[i]
                if wd != 0 {
                    if decoupled { w[i] *= 1 - lr * wd } else { grad += wd * w[i] }
                }
                mb[i] = b1 * mb[i] + (1 - b1) * grad
                vb[i] = b2 * vb[i] + (1 - b2) * grad * grad
                w[i] -= stepSize * mb[i] / (vb[i].squareRoot() / bc2Sqrt + eps)
            }
            }
        }}
        moments[key] = (m, v)
    }
}
