import MedPipeCore
import MedPipeData
import MedPipeMPI

/// Which rows of a global batch one rank holds: `before` rows precede them (on lower ranks), `after` follow.
/// Dropout draws (and discards) the masks of the other rows, so that every sample gets the mask a
/// single-process run gives it.
public struct BatchSlice: Sendable, Equatable {
    public var before: Int, after: Int
    /// The whole batch: no other rank.
    public static let whole = BatchSlice(before: 0, after: 0)
}

/// Data-parallel training over the ranks of an MPI job, as PyTorch's DistributedDataParallel.
///
/// Every rank reads the same global batches (same source, seed and epoch order) and trains on its contiguous
/// slice of each; after the backward pass the gradients, each scaled by its slice's share of the batch's loss
/// weight, are summed over the ranks and the optimizer step is sharded over them (a reduce-scatter's and an
/// allgather's messages per step, between the parameter arrays, see ``step(_:optimizer:localLoss:shares:)``), so
/// every parameter gets the update of the global batch's loss and the model equals the single-process one up to
/// the order of float sums.
/// Dropout masks are those of the single-process run (`BatchSlice`). BatchNorm uses each rank's own batch
/// statistics (as DDP without SyncBatchNorm); rank 0's parameters and buffers are broadcast at the start and
/// after every epoch, which also removes any drift between ranks' sums. Validation is split over the ranks the
/// same way and its predictions gathered, so every rank takes the same best-model and early-stopping decisions.
struct DataParallel {
    let group: ProcessGroup
    /// The other ranks' gradients of this rank's block, and one chunk of its summed gradients.
    private let buffers = Buffers()

    private final class Buffers {
        var received: [Float] = []
        var chunk = [Float](repeating: 0, count: DataParallel.chunkLength)
        /// The addresses of the parameter arrays already moved onto huge pages (``withParameterBuffers(_:_:)``).
        var onHugePages: Set<Int> = []
    }

    /// The block is summed and stepped this many elements at a time, so that each chunk of summed gradients is still
    /// in the cache when the optimizer reads it.
    static let chunkLength = 16_384

    /// Data parallelism over `group`, or nil when there is no group or it has a single rank.
    init?(_ group: ProcessGroup?) {
        guard let group, group.size > 1 else { return nil }
        self.group = group
    }

    /// The rows of a batch of `n` that `rank` (by default this one) holds: contiguous, sizes differing by at most
    /// one between ranks.
    func rows(of n: Int, rank: Int? = nil) -> Range<Int> {
        let r = rank ?? group.rank
        return (n * r / group.size)..<(n * (r + 1) / group.size)
    }

    /// Every rank's part of the loss weight of a global batch with `labels`: its rows' weight over the batch's.
    func shares(of labels: [Int], loss: CrossEntropyLoss) -> [Float] {
        let total = max(loss.weight(of: labels), .leastNonzeroMagnitude)
        return (0..<group.size).map { r in Float(loss.weight(of: Array(labels[rows(of: labels.count, rank: r)])) / total) }
    }

    /// This rank's slice of `batch` (possibly empty), and the matching `BatchSlice` for dropout.
    func slice(_ batch: LabeledBatch) -> (batch: LabeledBatch, slice: BatchSlice) {
        let n = batch.labels.count, rows = rows(of: n)
        let sampleSize = n == 0 ? 0 : batch.inputs.count / n
        var shape = batch.shape
        shape[0] = rows.count
        let part = LabeledBatch(inputs: Array(batch.inputs[(rows.lowerBound * sampleSize)..<(rows.upperBound * sampleSize)]),
                                shape: shape, labels: Array(batch.labels[rows]))
        return (part, BatchSlice(before: rows.lowerBound, after: n - rows.upperBound))
    }

    /// One optimizer step with the gradients of the global batch's loss, sharded over the ranks (as ZeRO stage 1);
    /// returns that loss. `localLoss` is this rank's slice's (weighted) mean loss and `shares[r]` rank r's part of the
    /// batch's loss weight (``shares(of:loss:)``).
    ///
    /// The parameters that require a gradient, flattened in order with the loss after them, form `size` blocks of
    /// equal length. Each rank receives every other rank's gradients of its own block (a reduce-scatter's traffic,
    /// straight from their gradient arrays), sums them with its own, each scaled by its rank's share, in rank order,
    /// and steps the optimizer over its block only (keeping its state for that block only), a chunk at a time; then
    /// each rank receives every other block's new values straight into its parameters (an allgather's). The traffic
    /// of one allreduce, with no packing, and 1/N of the summing and the optimizer's work per rank; every element
    /// gets the update a single process gives it (the optimizers are elementwise).
    func step(_ model: inout Sequential, optimizer: inout any Optimizer, localLoss: Float, shares: [Float]) -> Float {
        let rank = group.rank, size = group.size
        precondition(shares.count == size, "\(shares.count) shares for \(size) ranks")
        var lossTerm = localLoss, loss: Float = 0
        return withParameterBuffers(&model) { parameters in
            withUnsafeMutablePointer(to: &lossTerm) { lossTerm in
            withUnsafeMutablePointer(to: &loss) { loss in
                // The flat layout: every parameter, then the loss (its value being the summed loss).
                var segments: [Segment] = []
                var count = 0
                for p in parameters {
                    segments.append(Segment(key: p.name, values: p.values.baseAddress!, gradients: p.gradients.baseAddress!, range: count..<(count + p.values.count)))
                    count += p.values.count
                }
                segments.append(Segment(key: nil, values: loss, gradients: lossTerm, range: count..<(count + 1)))
                count += 1
                let blockLength = (count + size - 1) / size
                func block(_ r: Int) -> Range<Int> { min(blockLength * r, count)..<min(blockLength * (r + 1), count) }
                let mine = block(rank)
                /// Messages for `part` of every segment, in segment order, with every other rank: for its `block`.
                func messages(_ part: (Int) -> Range<Int>, _ message: (Segment, Range<Int>, Int) -> ProcessGroup.Message) -> [ProcessGroup.Message] {
                    (0..<size).filter { $0 != rank }.flatMap { peer in
                        segments.compactMap { s in
                            let overlap = s.range.clamped(to: part(peer))
                            return overlap.isEmpty ? nil : message(s, overlap, peer)
                        }
                    }
                }
                // Other ranks' gradients of this rank's block into `received`, rank by rank (this rank's own excluded).
                if buffers.received.count != blockLength * (size - 1) { buffers.received = LargeBuffer.zeros(count: blockLength * (size - 1)) }
                buffers.received.withUnsafeMutableBufferPointer { received in
                    func slot(_ peer: Int) -> UnsafeMutablePointer<Float> { received.baseAddress! + (peer < rank ? peer : peer - 1) * blockLength }
                    group.transfer(messages({ _ in mine }) { s, part, peer in
                        .receive(slot(peer) + (part.lowerBound - mine.lowerBound), count: part.count, from: peer)
                    } + messages(block) { s, part, peer in
                        .send(s.gradients + (part.lowerBound - s.range.lowerBound), count: part.count, to: peer)
                    })
                    optimizer.startStep()
                    buffers.chunk.withUnsafeMutableBufferPointer { chunk in
                        for s in segments {
                            let part = s.range.clamped(to: mine)
                            for start in stride(from: part.lowerBound, to: part.upperBound, by: Self.chunkLength) {
                                let n = min(Self.chunkLength, part.upperBound - start), sum = chunk.baseAddress!
                                for r in 0..<size {
                                    let terms = r == rank ? UnsafePointer(s.gradients + (start - s.range.lowerBound))
                                                          : UnsafePointer(slot(r) + (start - mine.lowerBound))
                                    let scale = shares[r]
                                    if r == 0 { for i in 0..<n { sum[i] = terms[i] * scale } }
                                    else { for i in 0..<n { sum[i] += terms[i] * scale } }
                                }
                                let values = UnsafeMutableBufferPointer(start: s.values + (start - s.range.lowerBound), count: n)
                                if let key = s.key {
                                    optimizer.update("\(key) \(start)", values: values, gradients: UnsafeBufferPointer(start: sum, count: n))
                                } else {
                                    values[0] = sum[0]   // the loss
                                }
                            }
                        }
                    }
                }
                // This rank's block of new values to every other rank, theirs into the parameters (an allgather).
                group.transfer(messages(block) { s, part, peer in
                    .receive(s.values + (part.lowerBound - s.range.lowerBound), count: part.count, from: peer)
                } + messages({ _ in mine }) { s, part, peer in
                    .send(s.values + (part.lowerBound - s.range.lowerBound), count: part.count, to: peer)
                })
                return loss.pointee
            }}
        }
    }

    /// One parameter's, or the loss's, place in the flat vector that the ranks split into blocks.
    private struct Segment {
        /// The optimizer's key for the parameter; nil for the loss.
        var key: String?
        var values: UnsafeMutablePointer<Float>
        var gradients: UnsafeMutablePointer<Float>
        var range: Range<Int>
    }

    /// A parameter's values and gradients while ``withParameterBuffers(_:_:)`` holds them.
    private final class Held {
        let name: String
        var values: [Float] = [], gradients: [Float] = []
        init(_ name: String) { self.name = name }
    }

    /// Runs `body` with the values and gradients of `model`'s parameters that require a gradient, in order, under
    /// their names: moved out of the model for the call (so that all of them can be reached through pointers at
    /// once, for MPI's nonblocking transfers) and back into it after. A large array that is new (the first step,
    /// a state loaded, a copy made on write) is first copied onto huge pages, as MPI's single-copy transfers pin the
    /// pages of every message (in the profile of two ranks, pinning 4 KiB pages took 2.5% of the time).
    private func withParameterBuffers<R>(
        _ model: inout Sequential,
        _ body: ([(name: String, values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>)]) -> R
    ) -> R {
        var held: [Held] = []
        model.forEachParameter { name, p in
            guard p.requiresGradient else { return }
            let h = Held(name)
            swap(&h.values, &p.value); swap(&h.gradients, &p.gradient)
            for keyPath in [\Held.values, \Held.gradients] {
                let address = h[keyPath: keyPath].withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
                guard !buffers.onHugePages.contains(address) else { continue }
                h[keyPath: keyPath] = LargeBuffer.copy(of: h[keyPath: keyPath])
                buffers.onHugePages.insert(h[keyPath: keyPath].withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })
            }
            held.append(h)
        }
        defer {
            var i = 0
            model.forEachParameter { _, p in
                guard p.requiresGradient else { return }
                swap(&held[i].values, &p.value); swap(&held[i].gradients, &p.gradient)
                i += 1
            }
        }
        func nest(_ i: Int, _ buffers: [(name: String, values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>)]) -> R {
            guard i < held.count else { return body(buffers) }
            let h = held[i]
            return h.values.withUnsafeMutableBufferPointer { v in
                h.gradients.withUnsafeMutableBufferPointer { g in nest(i + 1, buffers + [(h.name, v, g)]) }
            }
        }
        return nest(0, [])
    }

    /// Makes every rank's parameters and buffers rank 0's (one broadcast of the whole state).
    func broadcastState(_ model: inout Sequential) throws {
        let state = model.stateDict()
        var bytes = state.flatMap(\.tensor.bytes)
        group.broadcast(&bytes)
        var tensors: [String: Tensor] = [:]
        var offset = 0
        for (name, t) in state {
            tensors[name] = Tensor(shape: t.shape, dtype: t.dtype, bytes: Array(bytes[offset..<(offset + t.bytes.count)]))
            offset += t.bytes.count
        }
        try model.loadStateDict(tensors, subject: "rank 0's model")
    }

    /// Every rank's values, in rank order.
    func gather<T: BitwiseCopyable>(_ values: [T]) -> [T] { group.allGather(values) }

    /// Rank 0's `value`, on every rank: an allreduce's sum may differ in its last bits between ranks (with more than
    /// two), and every rank must take the same decisions from it.
    func rankZeros(_ value: Double) -> Double {
        var v = [value]
        group.broadcast(&v)
        return v[0]
    }
}

extension CrossEntropyLoss {
    /// The loss weight of `labels`: their class weights' sum, or their count without class weights.
    func weight(of labels: [Int]) -> Double {
        labels.reduce(0.0) { $0 + Double(classWeights?[$1] ?? 1) }
    }
}
