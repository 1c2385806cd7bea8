import MedPipeStages

/// What a `convert` did, for the terminal summary and for tests.
public struct ConvertSummary: Sendable {
    public var cache: String
    /// Sources in the recipe.
    public var sources: Int
    /// Sources already in the cache with the same key (no work done).
    public var reused: Int
    /// Sources read and processed in this run.
    public var computed: Int
    /// Sources that failed in this run, or unchanged since an earlier run rejected them, with the
    /// reason (path shown here, never stored in the cache), in plan order.
    public var rejected: [(source: String, reason: String)]
    /// The readers' warnings (problems that did not stop a read: a file of a series skipped, a tolerated header
    /// quirk) of the sources read in this run, with their source's path, in plan order; a source reused from the
    /// cache is not read again, so its warnings were reported by the run that read it.
    public var warnings: [(source: String, warning: String)]
    /// Units removed because the recipe no longer produces them.
    public var removed: Int
    /// Entries in the cache after the run.
    public var entries: Int
    /// Class counts per split before and after rebalancing.
    public var balance: BalanceReport
    /// Parts dropped by stages, by `stage: reason` (beats too near the record's ends, rows without a label).
    public var dropped: [String: Int]
    /// Problems the split reported (ratios far from the targets).
    public var splitIssues: [String]
    /// Whether the patients of the last run kept their splits (how many, beside the new ones placed), or why they were
    /// placed afresh; nil for a first run or one without new patients.
    public var splitHistory: String?
}
