import Foundation

/// Softmax cross-entropy on logits `[N, K]` with integer labels, as `torch.nn.CrossEntropyLoss`:
/// mean over the batch, or with class weights w the weighted mean Σ w[yᵢ]·ℓᵢ / Σ w[yᵢ].
public struct CrossEntropyLoss: Sendable {
    /// Optional weight per class (PyTorch's `weight=`).
    public var classWeights: [Float]?

    public init(classWeights: [Float]? = nil) { self.classWeights = classWeights }

    /// The loss and its gradient with respect to the logits. Computed in Double with log-sum-exp.
    public func callAsFunction(_ logits: Activation, labels: [Int]) -> (loss: Float, gradient: Activation) {
        precondition(logits.shape.count == 2 && logits.shape[0] == labels.count, "cross-entropy: logits \(logits.shape) for \(labels.count) labels")
        let n = logits.shape[0], k = logits.shape[1]
        if let classWeights { precondition(classWeights.count == k, "cross-entropy: \(classWeights.count) class weights for \(k) classes") }
        var grad = [Float](repeating: 0, count: n * k)
        var total = 0.0, weightSum = 0.0
        var p = [Double](repeating: 0, count: k)
        logits.data.withUnsafeBufferPointer { z in
            for i in 0..<n {
                let y = labels[i]
                precondition((0..<k).contains(y), "cross-entropy: label \(y) outside 0..<\(k)")
                let row = z.baseAddress! + i * k
                var mx = -Double.infinity
                for j in 0..<k { mx = max(mx, Double(row[j])) }
                var sum = 0.0
                for j in 0..<k { p[j] = exp(Double(row[j]) - mx); sum += p[j] }
                let w = Double(classWeights?[y] ?? 1)
                total += w * (log(sum) + mx - Double(row[y]))
                weightSum += w
                for j in 0..<k { grad[i * k + j] = Float(w * (p[j] / sum - (j == y ? 1 : 0))) }
            }
        }
        let scale = weightSum > 0 ? 1 / weightSum : 0
        for i in grad.indices { grad[i] = Float(Double(grad[i]) * scale) }
        return (Float(total * scale), Activation(shape: logits.shape, data: grad))
    }
}

/// Softmax of logits `[N, K]`, row by row.
public func softmax(_ logits: Activation) -> [Float] {
    let n = logits.shape[0], k = logits.shape[1]
    var out = [Float](repeating: 0, count: n * k)
    for i in 0..<n {
        var mx = -Float.infinity
        for j in 0..<k { mx = max(mx, logits.data[i * k + j]) }
        var sum: Float = 0
        for j in 0..<k { let e = expf(logits.data[i * k + j] - mx); out[i * k + j] = e; sum += e }
        for j in 0..<k { out[i * k + j] /= sum }
    }
    return out
}
