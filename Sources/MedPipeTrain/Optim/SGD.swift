import MedPipeCore

/// `torch.optim.SGD`: `g = grad + weight_decay·p`; with momentum `buf = g` on the first step, then
/// `buf = momentum·buf + (1 − dampening)·g`; Nesterov uses `g + momentum·buf`; `p −= lr·update`.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool
    private var buffers: [String: [Float]] = [:]

    public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate; self.momentum = momentum; self.dampening = dampening
        self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public mutating func startStep() {}

    public mutating func update(_ key: String, values v: UnsafeMutableBufferPointer<Float>, gradients g: UnsafeBufferPointer<Float>) {
        let lr = learningRate, mu = momentum, damp = dampening, wd = weightDecay, nesterov = nesterov
        var buf = buffers[key] ?? []
        let first = buf.isEmpty
        if mu != 0 && first { buf = [Float](repeating: 0, count: v.count) }
        buffers[key] = nil   // keep the buffer uniquely referenced while it is updated
        buf.withUnsafeMutableBufferPointer { b in
            Parallel.forRanges(v.count, minimumPerWorker: Parallel.elementsPerWorker) { range in
            for i in range {
                var d = g[i]
                if wd != 0 { d += wd * v[i] }
                if mu != 0 {
                    b[i] = first ? d : mu * b[i] + (1 - damp) * d
                    d = nesterov ? d + mu * b[i] : b[i]
                }
                v[i] -= lr * d
            }
            }
        }
        if mu != 0 { buffers[key] = buf }
    }
}
