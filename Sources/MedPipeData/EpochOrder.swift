import MedPipeCore

/// The order in which one training epoch visits its samples: the pass's indices (a rebalancing plan's,
/// repeats and all) shuffled by the generator of `seed` on the sub-stream of `epoch` (from 0), so every
/// run with the same seed visits the same order. `medpipe cache order` prints it for a cache, and the
/// Python package reproduces it (`python/medpipe_cache/order.py`): changing it changes both.
public enum EpochOrder {
    public static func shuffled(_ indices: [Int], seed: UInt64, epoch: Int) -> [Int] {
        var order = indices
        var rng = SeededGenerator(seed: seed, stream: UInt64(epoch) &+ 0x5EED)
        order.shuffle(using: &rng)
        return order
    }

    /// The sample indices one pass over `split` visits: for training, `plan` (or each of the `count`
    /// samples once) ``shuffled(_:seed:epoch:)``; for validation and test, every sample in order.
    public static func pass(_ split: DataSplit, count: Int, plan: [Int]?, seed: UInt64, epoch: Int) -> [Int] {
        let pass = plan ?? Array(0..<count)
        return split == .train ? shuffled(pass, seed: seed, epoch: epoch) : pass
    }
}
