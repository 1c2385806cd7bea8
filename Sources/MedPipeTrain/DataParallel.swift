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
/// weight, are summed over the ranks and the optimizer step is sharded over them (one reduce-scatter and one
/// allgather of a fused buffer per step, see ``step(_:optimizer:localLoss:share:)``), so every parameter gets the
/// update of the global batch's loss and the model equals the single-process one up to the order of float sums.
/// Dropout masks are those of the single-process run (`BatchSlice`). BatchNorm uses each rank's own batch
/// statistics (as DDP without SyncBatchNorm); rank 0's parameters and buffers are broadcast at the start and
/// after every epoch, which also removes any drift between ranks' sums. Validation is split over the ranks the
/// same way and its predictions gathered, so every rank takes the same best-model and early-stopping decisions.
struct DataParallel {
    let group: ProcessGroup
    /// The gradients and the loss of one step, then the new parameter values, packed for the collectives (`size`
    /// blocks), and this rank's block of summed gradients.
    private let fused = Buffer()

    private final class Buffer {
        var values: [Float] = []
        var block: [Float] = []
    }

    /// Data parallelism over `group`, or nil when there is no group or it has a single rank.
    init?(_ group: ProcessGroup?) {
        guard let group, group.size > 1 else { return nil }
        self.group = group
    }

    /// This rank's rows of a batch of `n`: contiguous, sizes differing by at most one between ranks.
    func rows(of n: Int) -> Range<Int> { (n * group.rank / group.size)..<(n * (group.rank + 1) / group.size) }

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
    /// returns that loss. `localLoss` is the slice's (weighted) mean loss and `share` its part of the batch's loss
    /// weight (rows, or class weights, over those of the batch).
    ///
    /// The parameters that require a gradient, flattened in order with the loss after them, form `size` blocks of
    /// equal length. Each rank scales its gradients by `share` and packs them; one reduce-scatter leaves each rank
    /// the sums of its own block; each rank steps the optimizer over that block only (keeping its state for that
    /// block only) and writes the new values into the packed buffer; one allgather gives every rank every block.
    /// The same traffic as one allreduce of the gradients, but 1/N of the optimizer's work per rank, and every
    /// element gets the update a single process gives it (the optimizers are elementwise).
    func step(_ model: inout Sequential, optimizer: inout any Optimizer, localLoss: Float, share: Double) -> Float {
        let scale = Float(share)
        var count = 1
        model.forEachParameter { _, p in if p.requiresGradient { count += p.count } }
        let blockLength = (count + group.size - 1) / group.size
        // The buffers live as long as the training run: no 5 MB allocation and page faults every step.
        if fused.values.count != blockLength * group.size {
            fused.values = LargeBuffer.zeros(count: blockLength * group.size)
            fused.block = LargeBuffer.zeros(count: blockLength)
        }
        var offset = 0
        fused.values.withUnsafeMutableBufferPointer { f in
            model.forEachParameter { _, p in
                guard p.requiresGradient else { return }
                p.gradient.withUnsafeBufferPointer { g in
                    let destination = f.baseAddress! + offset
                    for i in 0..<g.count { destination[i] = g[i] * scale }
                }
                offset += p.count
            }
            f[offset] = localLoss * scale
        }
        fused.values.withUnsafeBufferPointer { f in
            fused.block.withUnsafeMutableBufferPointer { b in group.reduceScatterSum(f, into: b) }
        }
        // This rank's block, [mine.lowerBound, mine.upperBound) of the flat parameters and loss.
        let mine = (blockLength * group.rank)..<(blockLength * (group.rank + 1))
        optimizer.startStep()
        offset = 0
        fused.values.withUnsafeMutableBufferPointer { f in
            fused.block.withUnsafeBufferPointer { b in
                model.forEachParameter { name, p in
                    guard p.requiresGradient else { return }
                    let part = (offset..<(offset + p.count)).clamped(to: mine)
                    if !part.isEmpty {
                        p.value.withUnsafeMutableBufferPointer { v in
                            let values = UnsafeMutableBufferPointer(rebasing: v[(part.lowerBound - offset)..<(part.upperBound - offset)])
                            optimizer.update(name, values: values, gradients: UnsafeBufferPointer(rebasing: b[(part.lowerBound - mine.lowerBound)..<(part.upperBound - mine.lowerBound)]))
                            (f.baseAddress! + part.lowerBound).update(from: values.baseAddress!, count: values.count)
                        }
                    }
                    offset += p.count
                }
                if mine.contains(offset) { f[offset] = b[offset - mine.lowerBound] }   // the summed loss
            }
            group.allGatherBlocks(f)
        }
        // Every other rank's blocks into the parameters (this rank's values are there already).
        offset = 0
        fused.values.withUnsafeBufferPointer { f in
            model.forEachParameter { _, p in
                guard p.requiresGradient else { return }
                let all = offset..<(offset + p.count), own = all.clamped(to: mine)
                p.value.withUnsafeMutableBufferPointer { v in
                    for part in own.isEmpty ? [all] : [all.lowerBound..<own.lowerBound, own.upperBound..<all.upperBound] where !part.isEmpty {
                        (v.baseAddress! + (part.lowerBound - offset)).update(from: f.baseAddress! + part.lowerBound, count: part.count)
                    }
                }
                offset += p.count
            }
        }
        return fused.values[offset]
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
