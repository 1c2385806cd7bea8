/// How `convert` runs: where the cache goes, how parallel, how strict, and how it reports progress.
public struct ConvertOptions: Sendable {
    /// Overrides the recipe's cache directory.
    public var cache: String?
    /// Sources read and processed at once (memory stays bounded by this many in flight).
    public var jobs: Int
    /// Stop at the first rejected source instead of recording it and going on.
    public var strict: Bool
    /// Another cache, made by the same stages, whose fitted statistics are applied instead of fitting
    /// them on this run's training split (new patients prepared exactly as the training data was).
    public var fitFrom: String?
    /// Read every source file again, rather than trusting what earlier runs recorded of the files unchanged since
    /// (``SourceFileStates``): for a file system whose times cannot be trusted.
    public var rehash: Bool
    /// Place every patient afresh instead of keeping the split the last run gave each (``EarlierSplits``).
    public var resplit: Bool
    /// Called after each source with the running totals.
    public var progress: (@Sendable (ConvertProgress) -> Void)?
    /// Called for each file read while the run plans its units, before the first source is processed: each file
    /// hashed, or parsed to list a DICOM folder's series (an archive's are hundreds of thousands). From any thread.
    public var planning: (@Sendable () -> Void)?

    public init(cache: String? = nil, jobs: Int = 2, strict: Bool = false, fitFrom: String? = nil, rehash: Bool = false, resplit: Bool = false,
                progress: (@Sendable (ConvertProgress) -> Void)? = nil, planning: (@Sendable () -> Void)? = nil) {
        self.cache = cache
        self.jobs = max(1, jobs)
        self.strict = strict
        self.fitFrom = fitFrom
        self.rehash = rehash
        self.resplit = resplit
        self.progress = progress
        self.planning = planning
    }
}

/// Running totals of a `convert`, reported after each source.
public struct ConvertProgress: Sendable {
    public var done: Int
    public var total: Int
    /// Sources whose unit was already in the cache.
    public var reused: Int
    public var rejected: Int
    /// The source just finished (its path, shown on the terminal only, never stored).
    public var current: String
}
