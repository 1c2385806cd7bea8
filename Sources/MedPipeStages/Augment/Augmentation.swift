import MedPipeCore

/// Data augmentation: random transforms applied in order to each training sample as it is batched,
/// never to validation or test samples and never cached.
///
/// Every draw comes from a generator seeded by the run's seed, the epoch and the sample's position in
/// that epoch's order, so a run is reproducible, every epoch sees new variants, and the result does not
/// depend on how samples are spread over threads.
public struct Augmentation: Sendable, Equatable {
    public var transforms: [RandomTransform]

    public init(_ transforms: [RandomTransform]) { self.transforms = transforms }

    /// Checks every transform fits samples of channels-first `shape`.
    public func validate(for shape: [Int], subject: String) throws {
        for transform in transforms { try transform.validate(for: shape, subject: subject) }
    }

    /// Transforms one sample of channels-first `shape` in place: the variant for `seed`, `epoch` and the
    /// sample's `position` in that epoch.
    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: [Int], seed: UInt64, epoch: Int, position: Int) {
        var rng = Self.generator(seed: seed, epoch: epoch, position: position)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: sample.count) { scratch in
            for transform in transforms { transform.apply(sample, shape: shape, scratch: scratch, rng: &rng) }
        }
    }

    /// The generator of one sample's draws: each of seed, epoch and position is mixed through a generator
    /// in turn.
    static func generator(seed: UInt64, epoch: Int, position: Int) -> SeededGenerator {
        var a = SeededGenerator(seed: seed ^ 0xA06_3E47)
        var b = SeededGenerator(seed: a.next() ^ UInt64(truncatingIfNeeded: epoch))
        return SeededGenerator(seed: b.next() ^ UInt64(truncatingIfNeeded: position))
    }
}
