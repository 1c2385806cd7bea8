import MedPipeCache

/// What reading and processing one source gave: its unit (a ``CacheUnit`` of tensors, or the ``StoredUnit`` of
/// manifest rows once they are in a shard), the parts the stages dropped (by `stage: reason`: beats too near
/// the record's ends, rows without a label), and the readers' warnings (problems that did not stop the read: a
/// file of a series skipped, a tolerated header quirk), which `convert` reports as it reports rejections.
struct ProcessedSource<Unit: Sendable>: Sendable {
    var unit: Unit
    var dropped: [String: Int]
    var warnings: [String]

    /// The same notes with another form of the unit.
    func with<Other>(_ unit: Other) -> ProcessedSource<Other> {
        ProcessedSource<Other>(unit: unit, dropped: dropped, warnings: warnings)
    }
}
