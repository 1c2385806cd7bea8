import MedPipeCore

/// `Dropout(p)`, inverted: in training each value is kept with probability 1−p and scaled by 1/(1−p)
/// (mask drawn from the layer's own seeded stream); in evaluation it is the identity. Any shape.
public struct Dropout: Layer {
    public let p: Double
    private var rng: SeededGenerator
    private var mask: [Float] = []   // empty after an evaluation-mode forward
    /// The rows of the global batch that the next training forward holds (data-parallel training).
    var batchSlice = BatchSlice.whole
    /// The jumps of the stream past other ranks' rows, by their length (the same from one step to the next).
    private var jumps: [Int: SeededGenerator.Jump] = [:]

    public init(p: Double, seed: UInt64) {
        self.p = p
        rng = SeededGenerator(seed: seed)
    }

    public var spec: LayerSpec { .dropout(p: p) }

    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public mutating func forward(_ x: inout Activation, training: Bool) {
        guard training, p > 0 else { mask = []; return }
        let scale = Float(1 / (1 - p)), threshold = Float(p), count = x.data.count
        var rng = self.rng
        // The stream skips the masks of other ranks' rows, so each sample's mask is the single-process one.
        let sampleSize = x.batchSize > 0 ? count / x.batchSize : 0
        rng.advance(by: jump(batchSlice.before * sampleSize))
        // Each worker draws its contiguous part of the mask from the stream advanced to the part's start,
        // so the mask is the one a single thread draws.
        let workers = Parallel.workers(for: count, minimumPerWorker: Parallel.elementsPerWorker)
        let starts = (0..<workers).map { w in
            var start = rng
            start.advance(by: jump(Parallel.range(w, of: workers, covering: count).lowerBound))
            return start
        }
        mask = x.data.withUnsafeMutableBufferPointer { v in
            [Float].uninitialized(count) { m in
                Parallel.forWorkers(count, minimumPerWorker: Parallel.elementsPerWorker) { w, range in
                    var stream = starts[w]
                    for i in range {
                        m[i] = stream.nextUnitFloat() >= threshold ? scale : 0
                        v[i] *= m[i]
                    }
                }
            }
        }
        rng.advance(by: jump(count + batchSlice.after * sampleSize))
        self.rng = rng
    }

    /// The jump of `count` outputs, computed at its first use.
    private mutating func jump(_ count: Int) -> SeededGenerator.Jump {
        if let jump = jumps[count] { return jump }
        let jump = SeededGenerator.Jump(count: count)
        jumps[count] = jump
        return jump
    }

    public mutating func backward(_ gradient: inout Activation, needsInputGradient: Bool) {
        guard !mask.isEmpty else { return }
        precondition(mask.count == gradient.data.count, "Dropout: gradient shape \(gradient.shape) does not match the mask")
        mask.withUnsafeBufferPointer { m in
            gradient.data.withUnsafeMutableBufferPointer { g in
                Parallel.forRanges(g.count, minimumPerWorker: Parallel.elementsPerWorker) { r in
                    for i in r { g[i] *= m[i] }
                }
            }
        }
    }

    public mutating func releaseCaches() { mask = [] }
}
