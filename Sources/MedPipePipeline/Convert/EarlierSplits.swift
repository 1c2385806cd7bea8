import MedPipeCache
import MedPipeStages

/// The split the last finished run gave each patient (group) of a cache, which the next run keeps: as an archive grows,
/// its patients stay in their splits and only the new ones are placed, so that no test patient of yesterday's cache is in
/// today's training split. Kept when the recipe declares the same split (``SplitSpec/canonicalText``, as the cache
/// records it) by patients or time blocks, and `--resplit` is not given; a cache converted afresh from the same sources
/// may then split differently, as a cache grown by other steps would.
struct EarlierSplits: Sendable {
    /// The split to keep, by group.
    let kept: [String: SplitName]
    /// Why a cache whose patients have splits is planned afresh, for the summary; nil when they are kept or have none.
    let replanned: String?

    /// Reads the cache's splits before the run changes any entry (a source edited since becomes new entries, which
    /// would have lost their patient's split by the end).
    init(_ writer: CacheWriter, split: SplitSpec, resplit: Bool) throws {
        guard split.keepsEarlierGroups else { (kept, replanned) = ([:], nil); return }
        let (declared, splits) = try writer.earlierSplits(declaredIn: SplitSpec.metaName)
        if splits.isEmpty {
            (kept, replanned) = ([:], nil)
        } else if resplit {
            (kept, replanned) = ([:], "every patient (group) placed afresh (--resplit): some may be in another split than the last run gave them")
        } else if declared != split.canonicalText {
            (kept, replanned) = ([:], "every patient (group) placed afresh: the cache does not record that its patients were placed by this split declaration (\(split.canonicalText)); some may be in another split than the last run gave them")
        } else {
            (kept, replanned) = (splits.compactMapValues { SplitName(rawValue: $0) }, nil)
        }
    }

    /// What the summary says of the split's history: planned afresh, or how many patients kept their split beside how many
    /// were placed; nil when there is nothing to say (a first run, or no new patient).
    func note(_ assignment: SplitAssignment) -> String? {
        if let replanned { return replanned }
        guard assignment.keptGroups > 0, assignment.placedGroups > 0 else { return nil }
        return "\(assignment.keptGroups) patients (groups) kept the split the last run gave them and \(assignment.placedGroups) new were placed towards the ratios (--resplit places every patient afresh)"
    }
}
