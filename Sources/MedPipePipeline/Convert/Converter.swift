import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// Runs a recipe into a dataset cache: read, de-identify, run the stateless stages, cache, split by
/// patient, fit statistics on the training split, and plan the rebalancing.
///
/// Incremental: each source becomes one cache unit whose key hashes the source bytes, the reader, the
/// label rule, the stages before the first fitted one and the pseudonym key; a unit already in the
/// cache is not recomputed. Crash-safe: units are committed whole (see ``CacheWriter``), and the split,
/// plans and fitted statistics are written in one final transaction.
public struct Converter: Sendable {
    /// Version of the reading and de-identification code; part of every unit key. 2: DICOM samples that may hold
    /// burned-in text carry ``DICOMBurnedInText/metadataKey``, which units written before it lack. 3: WFDB signal
    /// descriptions that are not plain signal names become neutral names (``WFDBSignalName``). 4: WFDB samples carry their
    /// leads' units and the ADC scale of their digital values (``SignalUnits``), which `export --format wfdb` writes. 5: a WFDB
    /// record's invalid samples are NaN (``ReadOptions/forStages``), not its format's sentinel value. Since 5, a change to
    /// one format's reader bumps that format's version instead (``formatReaderVersions``).
    public static let readerVersion = "medpipe-formats 5"

    /// Each format's reader version past ``readerVersion``, part of the unit keys of that format's sources only, so that
    /// a change to one reader converts its sources again and keeps the other formats' units. DICOM 2: an enhanced
    /// multi-frame image takes its geometry and its rescale from its functional groups.
    static let formatReaderVersions: [FormatKind: String] = [.dicom: "dicom 2", .dicomSeries: "dicom 2"]

    /// The reader versions in the unit key of a source of format `kind` (nil: not detected).
    static func readerVersions(of kind: FormatKind?) -> [String] {
        [readerVersion] + (kind.flatMap { formatReaderVersions[$0] }.map { [$0] } ?? [])
    }

    public let recipe: Recipe
    public let pipeline: StagePipeline
    public let pseudonyms: Pseudonyms
    /// Sidecar label tables, read once for the run.
    let sidecars = SidecarLabels()

    /// Builds the stages the recipe declares (errors name the recipe line).
    public init(recipe: Recipe, pseudonyms: Pseudonyms) throws {
        self.recipe = recipe
        self.pipeline = StagePipeline(try recipe.stages.map { try StageFactory.make($0, file: recipe.file) })
        self.pseudonyms = pseudonyms
    }

    /// One source path of the recipe with the key of what it becomes.
    struct WorkItem: Sendable {
        var path: String
        var spec: SourceSpec
        var key: String
        /// Set when the item is one image of a PNG class-folder set (each image is a unit of its own).
        var image: PNGFolderReader.Image?
        /// Set when the item is one series of a DICOM folder (each series is a unit of its own).
        var series: DICOMSeriesReader.SeriesFiles?
    }

    public func run(_ options: ConvertOptions = ConvertOptions()) async throws -> ConvertSummary {
        var run = try Run(self, options)
        try await withThrowingTaskGroup(of: (WorkItem, Result<ProcessedSource<CacheUnit>, MedPipeError>).self) { group in
            var next = run.pending.makeIterator()
            for _ in 0..<options.jobs {
                guard let item = next.next() else { break }
                group.addTask { (item, Result(catching: { () throws(MedPipeError) in try process(item) })) }
            }
            while let (item, result) = try await group.next() {
                do {
                    try run.record(item, result)
                } catch {
                    group.cancelAll()
                    throw error
                }
                if let item = next.next() {
                    group.addTask { (item, Result(catching: { () throws(MedPipeError) in try process(item) })) }
                }
            }
        }
        return try run.finish()
    }

    /// One run's writer, plan and running totals: what both a single process and rank 0 of an MPI job keep.
    struct Run {
        let converter: Converter
        let options: ConvertOptions
        let cacheDirectory: String
        let fitted: FittedPipeline?
        let writer: CacheWriter
        /// Each patient's split from the last finished run, read before this run changes any entry.
        let earlierSplits: EarlierSplits
        let work: [WorkItem]
        let unreadable: [(source: String, reason: String)]
        /// Warnings of planning (files of a PNG folder left out, sources with the same data as an earlier one), by
        /// source path, in plan order.
        let planWarnings: [(source: String, warning: String)]
        /// The work items whose unit is not in the cache yet.
        let pending: [WorkItem]
        var progress: ConvertProgress
        var reasons: [String: String] = [:]
        var dropped: [String: Int] = [:]
        /// The readers' warnings of the sources processed in this run, by unit key.
        var warnings: [String: [String]] = [:]

        /// Opens the cache for writing (for `ranks` ranks that write shards of their own, see ``CacheWriter``)
        /// and plans the work.
        init(_ converter: Converter, _ options: ConvertOptions, ranks: Int = 1) throws {
            self.converter = converter
            self.options = options
            cacheDirectory = options.cache ?? converter.recipe.cache
            fitted = try options.fitFrom.map(converter.fittedStatistics(from:))
            try converter.refuseCache(cacheDirectory)
            let writer = try CacheWriter(directory: cacheDirectory, ranks: ranks)
            self.writer = writer
            earlierSplits = try EarlierSplits(writer, split: converter.recipe.split, resplit: options.resplit)
            let states = try writer.sourceFileStates(name: converter.sourceFileName, trusted: !options.rehash)
            (work, unreadable, planWarnings) = try converter.plan(strict: options.strict, states: states, reading: options.planning)
            try writer.save(states)
            pending = work.filter { !writer.contains($0.key) }
            progress = ConvertProgress(done: work.count - pending.count + unreadable.count, total: work.count + unreadable.count,
                                       reused: work.count - pending.count, rejected: unreadable.count, current: "")
        }

        /// Stores one processed source: its unit (tensors appended to the writer's shard), or its rejection.
        mutating func record(_ item: WorkItem, _ result: Result<ProcessedSource<CacheUnit>, MedPipeError>) throws {
            switch result {
            case .success(let processed): try record(item, .success(processed.with(try writer.store(processed.unit))))
            case .failure(let error): try record(item, Result<ProcessedSource<StoredUnit>, MedPipeError>.failure(error))
            }
        }

        /// Records one processed source: its unit, whose tensors are stored already, or (unless strict, which
        /// throws) its rejection.
        mutating func record(_ item: WorkItem, _ result: Result<ProcessedSource<StoredUnit>, MedPipeError>) throws {
            switch result {
            case .success(let processed):
                try writer.add(stored: processed.unit)
                dropped.merge(processed.dropped, uniquingKeysWith: +)
                if !processed.warnings.isEmpty { warnings[item.key] = processed.warnings }
            case .failure(let error):
                if options.strict { throw error }
                reasons[item.key] = Converter.reason(error, path: item.path)
                try writer.reject(unitKey: item.key, source: converter.pseudonyms.make("source:" + item.path), reason: error.message)
                progress.rejected += 1
            }
            progress.done += 1
            progress.current = item.path
            options.progress?(progress)
        }

        /// Removes stale units, splits, fits and plans the rebalancing, and sums up the run.
        func finish() throws -> ConvertSummary {
            let removed = try writer.removeUnits(notIn: Set(work.map(\.key)))
            // Entries are ordered by the place of their source in the plan, not by when a worker finished.
            let positions = Dictionary(work.enumerated().map { ($1.key, $0) }, uniquingKeysWith: min)
            // Sources rejected in this run, or unchanged since an earlier run rejected them, in plan order.
            let stored = try writer.rejectedReasons()
            let rejected = unreadable + work.compactMap { item in (reasons[item.key] ?? stored[item.key]).map { (item.path, $0) } }
            // The units' samples are freed, on the workers' threads: the split step, which reads every entry, takes their
            // pages instead of fresh ones.
            FreedMemory.release()
            let paths = Dictionary(work.map { ($0.key, $0.path) }, uniquingKeysWith: { first, _ in first })
            let finish = try converter.finalize(writer, positions: positions, paths: paths, fitted: fitted, earlier: earlierSplits,
                                              rejected: rejected, dropped: dropped)
            let readerWarnings = work.flatMap { item in (warnings[item.key] ?? []).map { (item.path, Converter.warning($0, path: item.path)) } }
            return ConvertSummary(cache: cacheDirectory, sources: work.count + unreadable.count, reused: work.count - pending.count,
                                  computed: pending.count - reasons.count, rejected: rejected,
                                  warnings: planWarnings + readerWarnings + finish.warnings.map { (converter.recipe.file, $0) },
                                  removed: removed, entries: finish.entries, balance: finish.report, dropped: dropped, splitIssues: finish.issues,
                                  splitHistory: finish.splitHistory)
        }
    }

    /// The fitted statistics of another cache, which must have been made by the same stages (their `beats` stages
    /// may take R peaks from another source: a training cache's annotated beats, new patients' detected ones), and
    /// which those stages must be able to apply (``FittedPipeline/problem(for:)``).
    func fittedStatistics(from directory: String) throws -> FittedPipeline {
        let other = try DatasetCache(directory: directory)
        guard let pipelineText = try other.meta("pipeline"), let fittedText = try other.meta("fitted") else {
            throw MedPipeError.invalidArgument(directory, "has no finished convert run to take fitted statistics from")
        }
        let theirs = try JSONCoding.decode(StagePipeline.self, from: pipelineText, subject: directory, "the cache's stages (meta 'pipeline')")
        guard theirs.withPeaks(from: .annotations) == pipeline.withPeaks(from: .annotations) else {
            let ours = pipeline.stages.map(\.canonicalDescription), their = theirs.stages.map(\.canonicalDescription)
            let first: Int = (0..<max(ours.count, their.count)).first { (i: Int) -> Bool in i >= ours.count || i >= their.count || ours[i] != their[i] } ?? 0
            let describe = { (list: [String]) -> String in first < list.count ? list[first] : "no stage" }
            let stage: Int = first + 1, there: String = describe(their), here: String = describe(ours)
            throw MedPipeError.invalidArgument(directory, "was made by other stages than \(recipe.file) (stage \(stage): \(there) there, \(here) here): its fitted statistics do not apply")
        }
        let fitted = try JSONCoding.decode(FittedPipeline.self, from: fittedText, subject: directory, "the cache's fitted statistics (meta 'fitted')")
        try fitted.requireApplicable(by: pipeline, subject: directory, place: "meta 'fitted'")
        return fitted
    }

    /// Every source path with its unit key, in recipe order (paths sorted within a source), the files that could
    /// not even be read to compute their key (they are rejected without a unit), and warnings of what was left out
    /// of the plan: files of PNG class folders whose names are not UTF-8 (by folder), and sources that hold the
    /// same data as an earlier one (one unit each key).
    /// - Parameters:
    ///   - strict: throw at the first unreadable file instead.
    ///   - states: what earlier runs recorded of each source file: a file unchanged since is not read again.
    ///   - reading: called for each file read (hashed, or parsed to list a DICOM folder's series).
    func plan(strict: Bool = false, states: SourceFileStates? = nil, reading: (@Sendable () -> Void)? = nil) throws
        -> (items: [WorkItem], unreadable: [(source: String, reason: String)], warnings: [(source: String, warning: String)]) {
        let stages = pipeline.stages[..<pipeline.fitBoundary].map(\.canonicalDescription)
        var items: [WorkItem] = []
        var unreadable: [(source: String, reason: String)] = []
        var warnings: [(source: String, warning: String)] = []
        /// The first path planned under each key: a later source with the same key (the same file listed twice, or
        /// a copy of it) is planned once, under its first path, and named in a warning.
        var planned: [String: String] = [:]
        func plan(_ item: WorkItem) {
            if let first = planned[item.key] {
                warnings.append((item.path, first == item.path ? "is listed more than once in the recipe: converted once"
                                                               : "holds the same data as \(first): converted once, as that source"))
            } else {
                planned[item.key] = item.path
                items.append(item)
            }
        }
        func attempt<T>(_ path: String, _ compute: () throws -> T) throws -> T? {
            do {
                return try compute()
            } catch let error as MedPipeError where !strict {
                unreadable.append((path, Self.reason(error, path: path)))
                return nil
            }
        }
        for spec in recipe.sources {
            // The label files' contents are part of every unit's key: edited labels give the units their new labels.
            var labelsHash = try spec.labelsFile.map { "+" + (try ContentHash.ofFile($0, states: states)) } ?? ""
            if case .sidecar(let file, _, _) = spec.label { labelsHash += "+sidecar " + (try ContentHash.ofFile(file, states: states)) }
            for path in spec.paths {
                let kind = spec.format ?? (try? FormatKind.detect(path))
                var reader = Self.readerVersions(of: kind) + [spec.format?.rawValue ?? "detect", "label \(spec.label)",
                              "table \(recipe.table.map { "\($0)" } ?? "-")", "pseudonyms \(pseudonyms.fingerprint)",
                              recipe.split.grouping == .timeBlock ? "time-blocks \(recipe.split.blocks)" : "groups"]
                // Tables read before the delimiter was detected (a semicolon file was one text column) are read again.
                if kind == .csv { reader.append("delimiter detected") }
                if kind == .pngFolder {
                    // One unit per image: a changed, added or removed image recomputes only itself.
                    let listing = try PNGFolderReader().list(path)
                    warnings += listing.warnings.map { (path, $0) }
                    for (image, digest) in zip(listing.images, ContentHash.ofFiles(listing.images.map(\.path), states: states, progress: reading)) {
                        guard let sourceHash = try attempt(image.path, { try digest.get() }) else { continue }
                        let key = UnitKey.make(sourceHash: sourceHash + labelsHash,
                                               reader: (reader + ["image \(image.relativePath)"]).joined(separator: "; "), stages: stages)
                        plan(WorkItem(path: image.path, spec: spec, key: key, image: image))
                    }
                    continue
                }
                if kind == .dicomSeries {
                    // One unit per series: a changed file recomputes only its series, and an archive's series are read
                    // (and shared among MPI ranks) one at a time, not as one set of volumes.
                    guard let listing = try attempt(path, { try DICOMSeriesReader().list(path, memo: states.map { SeriesListingMemo(states: $0, pseudonyms: pseudonyms) },
                                                                                     progress: reading) }) else { continue }
                    let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                    for var series in listing {
                        // A file that is not DICOM or is malformed is a source rejected on its own, as a listed file
                        // is: it was a warning on the first series, and the run succeeded.
                        for file in series.unreadable {
                            if strict { throw MedPipeError.malformed(file.path, file.reason) }
                            unreadable.append((file.path, file.reason))
                        }
                        series.unreadable = []
                        let names = series.files.map { String($0.dropFirst(root.count + 1)) }
                        guard let sourceHash = try attempt(series.folder, { try ContentHash.ofFiles(series.files, named: names, states: states) }) else { continue }
                        let key = UnitKey.make(sourceHash: sourceHash + labelsHash, reader: (reader + ["series of \(names[0])"]).joined(separator: "; "), stages: stages)
                        plan(WorkItem(path: series.folder, spec: spec, key: key, series: series))
                    }
                    continue
                }
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                guard let sourceHash = try attempt(path, {
                    if isDirectory.boolValue { return try ContentHash.ofDirectory(path, states: states, progress: reading) }
                    return try Self.sourceHash(path, kind: kind, states: states, progress: reading)
                }) else { continue }
                plan(WorkItem(path: path, spec: spec, key: UnitKey.make(sourceHash: sourceHash + labelsHash, reader: reader.joined(separator: "; "), stages: stages)))
            }
        }
        return (items, unreadable, warnings)
    }

    /// The content hash of a file source: of the file, or, for a source that reads other files beside it (a WFDB
    /// record's signal and annotation files, the `.img` of a NIfTI pair), of each of them by name, so that an edited
    /// signal, annotation or image file is read again.
    static func sourceHash(_ path: String, kind: FormatKind?, states: SourceFileStates? = nil,
                           progress: (@Sendable () -> Void)? = nil) throws -> String {
        let files = switch kind {
        case .wfdb?: try WFDBReader.files(of: path)
        case .nifti?: NIfTIReader.files(of: path)
        default: [path]
        }
        guard files.count > 1 else { return try ContentHash.ofFile(path, states: states, progress: progress) }
        return try ContentHash.ofFiles(files, named: files.map { ($0 as NSString).lastPathComponent }, states: states, progress: progress)
    }

    /// The name under which ``SourceFileStates`` stores a source file's state: a keyed pseudonym of its path.
    var sourceFileName: @Sendable (String) -> String {
        let pseudonyms = pseudonyms
        return { pseudonyms.make("source file:" + $0) }
    }

    /// Refuses a cache folder that lies inside a folder source (a DICOM series, a PNG class folder): the cache's
    /// own files would be read as the source's, and the source would change, and be converted again, at every run.
    func refuseCache(_ directory: String) throws {
        // The cache folder may not exist yet: its deepest existing folder, resolved, and the names below it.
        var existing = URL(fileURLWithPath: directory), below: [String] = []
        while FileBytes.canonicalPath(existing.path) == nil, existing.path != "/" {
            below.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        guard let base = FileBytes.canonicalPath(existing.path) else { return }
        let cache = ([base == "/" ? "" : base] + below).joined(separator: "/")
        for path in recipe.sources.flatMap(\.paths) where !FileBytes.isRegularFile(path) {
            guard let folder = FileBytes.canonicalPath(path), FileBytes.canonical(cache, isWithin: folder) else { continue }
            throw MedPipeError.invalidArgument(directory, "lies inside the source folder \(path): the cache's files would be read as the source's; put the cache outside it")
        }
    }

    /// What the summary says about a rejected source: the message, after the file it names when that
    /// is another file than the source (a WFDB record's signal file, a series' slice).
    static func reason(_ error: MedPipeError, path: String) -> String {
        error.subject == path ? error.message : error.description
    }

    /// A reader's warning about the source at `path`, as it is told after that path (`convert`'s summary, `predict`):
    /// the text without a leading `path: ` when it names the source itself (as WFDB header warnings do).
    public static func warning(_ text: String, path: String) -> String {
        text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    /// `error` naming the source it came from: errors that name a file of the source (the source
    /// itself, a file in its folder) stay as they are; others (a stage's, a sidecar's) are prefixed
    /// with the source's path, so that every rejection names its file: `PATH: stage: problem`, the path
    /// not told twice when the message began with it (a stage names the sample it met, `predict`'s the file).
    static func naming(_ path: String, _ error: MedPipeError) -> MedPipeError {
        var isDirectory: ObjCBool = false
        let source = URL(fileURLWithPath: path).standardizedFileURL
        let folder = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? source.path : source.deletingLastPathComponent().path
        // Paths are compared absolute: a relative input's files are named relative too (`./1003.dat`, `1003.atr` beside
        // `1003.hea`). A subject without a slash that names no file is no path (a stage's name, `bandpass`).
        let isPath = error.subject.contains("/") || FileManager.default.fileExists(atPath: error.subject)
        let isFileOfSource = isPath && URL(fileURLWithPath: error.subject).standardizedFileURL.path.hasPrefix(folder + "/")
        if error.subject == path || isFileOfSource { return error }
        return MedPipeError(error.kind, path, error.subject + ": " + warning(error.message, path: path))
    }

    /// Reads one source and runs the stages before the first fitted one.
    func process(_ item: WorkItem) throws(MedPipeError) -> ProcessedSource<CacheUnit> {
        do {
            let loaded = try SourceLoader(recipe: recipe, pseudonyms: pseudonyms, sidecars: sidecars).load(item.path, spec: item.spec, image: item.image, series: item.series)
            var output = try pipeline.run(loaded.samples, from: 0, through: pipeline.fitBoundary)
            if recipe.split.grouping == .timeBlock {
                let blocks = TimeBlocks.groups(output.samples, blocks: recipe.split.blocks)
                for i in output.samples.indices { output.samples[i].group = blocks[i] }
            }
            if let problem = output.samples.lazy.compactMap({ $0.label.flatMap(ClassLabel.problem) }).first {
                throw MedPipeError.malformed(item.path, problem)
            }
            let items = output.samples.map { sample in
                var metadata = sample.metadata
                if let part = sample.source.part { metadata["part"] = .string(part) }
                if let index = sample.source.index { metadata["index"] = .int(index) }
                return CacheItem(tensor: sample.tensor, label: sample.label, group: sample.group ?? pseudonyms.make(item.path),
                                 geometry: sample.geometry, metadata: metadata)
            }
            let source = pseudonyms.make("source:" + item.path)
            var warnings = loaded.warnings
            // Values a fitted stage fills when the cache is read (an `impute`) are no problem.
            if let bad = NonFiniteSamples(of: output.samples.count, where: {
                output.samples[$0].tensor.nonFiniteCount > 0 && !pipeline.fillsNonFinite(in: output.samples[$0], from: pipeline.fitBoundary)
            }) {
                warnings.append(bad.described(first: output.samples[bad.first].source.part(orSample: bad.first), consequence: "training and evaluation refuse them"))
            }
            return ProcessedSource(unit: CacheUnit(key: item.key, source: source, items: items), dropped: output.dropped, warnings: warnings)
        } catch let error as MedPipeError {
            throw Self.naming(item.path, error)
        } catch {
            throw MedPipeError.malformed(item.path, "\(error)")
        }
    }
}
