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
/// allgather's messages per step, between the parameter arrays, see ``step(_:optimizer:localLoss:labels:loss:)``), so
/// every parameter gets the update of the global batch's loss and the model equals the single-process one up to
/// the order of float sums.
/// Dropout masks are those of the single-process run (`BatchSlice`). BatchNorm uses each rank's own batch
/// statistics (as DDP without SyncBatchNorm); rank 0's parameters and buffers are broadcast at the start and
/// after every epoch, which also removes any drift between ranks' sums. Validation is split over the ranks the
/// same way and its predictions gathered, so every rank takes the same best-model and early-stopping decisions.
struct DataParallel {
    let group: ProcessGroup
    /// The arrays a step reuses, or whose sends may still be pending when it returns.
    private let buffers = Buffers()

    private final class Buffers {
        /// The other ranks' gradients of this rank's block.
        var received: [Float] = []
        /// One chunk of this rank's summed gradients.
        var chunk = [Float](repeating: 0, count: DataParallel.chunkLength)
        /// Every rank's inputs and scaled output gradients of the shared Linear layers (``SharedLinear``).
        var gathered: [Float] = []
        /// The loss's term of this rank's slice and the batch's loss: the flat vector's last element (gradient and
        /// value), kept here, as a send may still be pending when ``step(_:optimizer:localLoss:labels:loss:)`` returns.
        var loss: [Float] = [0, 0]
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
    private func shares(of labels: [Int], loss: CrossEntropyLoss) -> [Float] {
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

    /// Readies `model` for this rank's slice of `global`, which it returns: dropout's `BatchSlice`, and the `Linear`
    /// layers whose weight gradients the ranks compute together in ``step(_:optimizer:localLoss:labels:loss:)``: those
    /// where every rank's inputs and output gradients (rows × (in + out) floats) are fewer than the weight's gradient
    /// (in × out), as mnist-cnn's 9216 × 128 layer for batches below 125.
    func prepare(_ model: inout Sequential, for global: LabeledBatch) -> LabeledBatch {
        let part = slice(global)
        model.setBatchSlice(part.slice)
        let rows = global.labels.count
        model.updateLinearLayers { _, linear in
            linear.defersWeightGradient = linear.weight.requiresGradient
                && rows * (linear.inFeatures + linear.outFeatures) < linear.inFeatures * linear.outFeatures
        }
        return part.batch
    }

    /// One optimizer step with the gradients of the global batch's loss, sharded over the ranks (as ZeRO stage 1);
    /// returns that loss. `localLoss` is this rank's slice's (weighted) mean loss, `labels` the global batch's, for
    /// which ``prepare(_:for:)`` readied the model.
    ///
    /// The parameters that require a gradient, flattened in order with the loss after them, form `size` blocks of
    /// equal length. Each rank receives every other rank's gradients of its own block (a reduce-scatter's traffic,
    /// straight from their gradient arrays), sums them with its own, each scaled by its rank's share of the batch's
    /// loss weight, in rank order, and steps the optimizer over its block only (keeping its state for that block
    /// only), a chunk at a time; then each rank receives every other block's new values straight into its parameters
    /// (an allgather's). The traffic of one allreduce, with no packing, and 1/N of the summing and the optimizer's
    /// work per rank; every element gets the update a single process gives it (the optimizers are elementwise).
    /// The weight gradients of the shared `Linear` layers are not exchanged: instead each rank whose block holds part
    /// of such a weight receives the other ranks' inputs and scaled output gradients of the layer and computes the
    /// rows of the weight's gradient in its block over the whole batch, as a single process computes them (one
    /// matrix product each, a rank's rows of the 9216 × 128 weight over 32 samples instead of all rows over 16).
    func step(_ model: inout Sequential, optimizer: inout any Optimizer, localLoss: Float, labels: [Int], loss lossFunction: CrossEntropyLoss) -> Float {
        let rank = group.rank, size = group.size, n = labels.count
        let shares = shares(of: labels, loss: lossFunction)
        let shared = gatherOwnRows(&model, rows: n, scale: shares[rank])
        buffers.loss[0] = localLoss
        return withParameterBuffers(&model) { parameters in
            buffers.loss.withUnsafeMutableBufferPointer { lossBuffer in
            buffers.gathered.withUnsafeMutableBufferPointer { gathered in
                let lossTerm = lossBuffer.baseAddress!, loss = lossTerm + 1
                // The flat layout: every parameter, then the loss (its value being the summed loss).
                var segments: [Segment] = []
                var count = 0
                for p in parameters {
                    segments.append(Segment(key: p.name, values: p.values.baseAddress!, gradients: p.gradients.baseAddress!,
                                            range: count..<(count + p.values.count), shared: shared.first { $0.weight == p.name }))
                    count += p.values.count
                }
                segments.append(Segment(key: nil, values: loss, gradients: lossTerm, range: count..<(count + 1), shared: nil))
                count += 1
                let blockLength = (count + size - 1) / size
                func block(_ r: Int) -> Range<Int> { min(blockLength * r, count)..<min(blockLength * (r + 1), count) }
                let mine = block(rank)
                /// Messages for `part` of each of `segments`, in order, with every other rank: for its `block`.
                func messages(_ segments: [Segment], _ part: (Int) -> Range<Int>,
                              _ message: (Segment, Range<Int>, Int) -> ProcessGroup.Message) -> [ProcessGroup.Message] {
                    (0..<size).filter { $0 != rank }.flatMap { peer in
                        segments.compactMap { s in
                            let overlap = s.range.clamped(to: part(peer))
                            return overlap.isEmpty ? nil : message(s, overlap, peer)
                        }
                    }
                }
                /// The shared layers' rows of every other rank whose block (`receive`) or this rank's block (send) holds
                /// part of the layer's weight: inputs, then output gradients, layer by layer.
                func sharedRows() -> [ProcessGroup.Message] {
                    (0..<size).filter { $0 != rank }.flatMap { peer in
                        segments.flatMap { s -> [ProcessGroup.Message] in
                            guard let l = s.shared else { return [] }
                            let inputs = gathered.baseAddress! + l.offset, outputGradients = inputs + n * l.inFeatures
                            var out: [ProcessGroup.Message] = []
                            let theirs = rows(of: n, rank: peer), ours = rows(of: n)
                            if !s.range.clamped(to: mine).isEmpty && !theirs.isEmpty {
                                out += [.receive(inputs + theirs.lowerBound * l.inFeatures, count: theirs.count * l.inFeatures, from: peer),
                                        .receive(outputGradients + theirs.lowerBound * l.outFeatures, count: theirs.count * l.outFeatures, from: peer)]
                            }
                            if !s.range.clamped(to: block(peer)).isEmpty && !ours.isEmpty {
                                out += [.send(inputs + ours.lowerBound * l.inFeatures, count: ours.count * l.inFeatures, to: peer),
                                        .send(outputGradients + ours.lowerBound * l.outFeatures, count: ours.count * l.outFeatures, to: peer)]
                            }
                            return out
                        }
                    }
                }
                let exchanged = segments.filter { $0.shared == nil }
                // Other ranks' gradients of this rank's block into `received`, rank by rank (this rank's own excluded).
                if buffers.received.count != blockLength * (size - 1) { buffers.received = LargeBuffer.zeros(count: blockLength * (size - 1)) }
                buffers.received.withUnsafeMutableBufferPointer { received in
                    func slot(_ peer: Int) -> UnsafeMutablePointer<Float> { received.baseAddress! + (peer < rank ? peer : peer - 1) * blockLength }
                    group.transfer(messages(exchanged, { _ in mine }) { s, part, peer in
                        .receive(slot(peer) + (part.lowerBound - mine.lowerBound), count: part.count, from: peer)
                    } + messages(exchanged, block) { s, part, peer in
                        .send(s.gradients + (part.lowerBound - s.range.lowerBound), count: part.count, to: peer)
                    } + sharedRows())
                    // The shared weights' gradient rows in this rank's block, over the whole batch.
                    for s in segments {
                        guard let l = s.shared else { continue }
                        let part = s.range.clamped(to: mine)
                        guard !part.isEmpty else { continue }
                        let first = (part.lowerBound - s.range.lowerBound) / l.inFeatures
                        let end = (part.upperBound - s.range.lowerBound + l.inFeatures - 1) / l.inFeatures
                        let inputs = gathered.baseAddress! + l.offset
                        Linear.weightGradient(rows: first..<end, samples: n, inFeatures: l.inFeatures, outFeatures: l.outFeatures,
                                              input: inputs, outputGradient: inputs + n * l.inFeatures, into: s.gradients + first * l.inFeatures)
                    }
                    optimizer.startStep()
                    buffers.chunk.withUnsafeMutableBufferPointer { chunk in
                        for s in segments {
                            let part = s.range.clamped(to: mine)
                            for start in stride(from: part.lowerBound, to: part.upperBound, by: Self.chunkLength) {
                                let n = min(Self.chunkLength, part.upperBound - start)
                                var sum = UnsafePointer(s.gradients + (start - s.range.lowerBound))   // a shared weight's: already the batch's
                                if s.shared == nil {
                                    for r in 0..<size {
                                        let terms = r == rank ? sum : UnsafePointer(slot(r) + (start - mine.lowerBound))
                                        let scale = shares[r], out = chunk.baseAddress!
                                        if r == 0 { for i in 0..<n { out[i] = terms[i] * scale } }
                                        else { for i in 0..<n { out[i] += terms[i] * scale } }
                                    }
                                    sum = UnsafePointer(chunk.baseAddress!)
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
                group.transfer(messages(segments, block) { s, part, peer in
                    .receive(s.values + (part.lowerBound - s.range.lowerBound), count: part.count, from: peer)
                } + messages(segments, { _ in mine }) { s, part, peer in
                    .send(s.values + (part.lowerBound - s.range.lowerBound), count: part.count, to: peer)
                })
                return loss.pointee
            }}
        }
    }

    /// A `Linear` layer whose weight gradient the ranks compute together (``prepare(_:for:)``): its weight's name,
    /// its shape, and where its rows lie in `Buffers.gathered`: every rank's inputs `[N, in]` from `offset`, then
    /// their output gradients `[N, out]`, each scaled by its rank's share of the batch's loss weight.
    private struct SharedLinear {
        var weight: String
        var inFeatures: Int, outFeatures: Int
        var offset: Int
    }

    /// The shared `Linear` layers of this step (global batch of `n` rows), with this rank's inputs and output gradients
    /// (times `scale`) copied into their rows of `buffers.gathered`; ends the layers' deferral, so that the model
    /// computes its weight gradients itself again outside ``step(_:optimizer:localLoss:labels:loss:)``.
    private func gatherOwnRows(_ model: inout Sequential, rows n: Int, scale: Float) -> [SharedLinear] {
        let mine = rows(of: n)
        var shared: [(layer: SharedLinear, inputs: [Float], outputGradients: [Float])] = []
        var length = 0
        model.updateLinearLayers { i, linear in
            guard linear.defersWeightGradient else { return }
            shared.append((SharedLinear(weight: "\(i).weight", inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, offset: length),
                           mine.isEmpty ? [] : linear.input?.data ?? [], mine.isEmpty ? [] : linear.outputGradient?.data ?? []))
            length += n * (linear.inFeatures + linear.outFeatures)
            linear.defersWeightGradient = false
            linear.outputGradient = nil
        }
        if buffers.gathered.count < length { buffers.gathered = LargeBuffer.zeros(count: length) }
        buffers.gathered.withUnsafeMutableBufferPointer { gathered in
            for (l, inputs, outputGradients) in shared {
                precondition(inputs.count == mine.count * l.inFeatures && outputGradients.count == mine.count * l.outFeatures,
                             "Linear \(l.weight): \(inputs.count) inputs and \(outputGradients.count) output gradients for \(mine.count) rows")
                (gathered.baseAddress! + l.offset + mine.lowerBound * l.inFeatures).update(from: inputs, count: inputs.count)
                let scaled = gathered.baseAddress! + l.offset + n * l.inFeatures + mine.lowerBound * l.outFeatures
                for j in outputGradients.indices { scaled[j] = outputGradients[j] * scale }
            }
        }
        return shared.map(\.layer)
    }

    /// One parameter's, or the loss's, place in the flat vector that the ranks split into blocks.
    private struct Segment {
        /// The optimizer's key for the parameter; nil for the loss.
        var key: String?
        var values: UnsafeMutablePointer<Float>
        var gradients: UnsafeMutablePointer<Float>
        var range: Range<Int>
        /// The shared `Linear` layer whose weight this is, whose gradient is computed, not exchanged.
        var shared: SharedLinear?
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
