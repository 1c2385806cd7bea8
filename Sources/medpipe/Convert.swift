import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeDeidentify
import MedPipeMPI
import MedPipePipeline
import MedPipeStages

/// `medpipe convert`: run a recipe into a dataset cache.
struct Convert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Run a recipe: read, de-identify, preprocess, split by patient, rebalance, and cache.",
        discussion: """
        Re-running an unchanged recipe does no work; changing one stage's parameters recomputes exactly \
        the sources it touches. A source file unchanged since the last run (same size, inode, modification \
        and change times) is not even read again: the cache remembers its content hash (and a DICOM file's \
        series) under a pseudonym of its path, so an archive run again after a few files were added reads \
        those few. --rehash reads every file again (for a file system whose times cannot be trusted). A crash or kill at any moment leaves a cache that `medpipe cache verify` \
        accepts and that the next convert completes, with its entries in the same order as an uninterrupted \
        run. A bad input is recorded as rejected (with the reason) and the run goes on, unless --strict; the \
        summary lists every rejected input with its path and reason (past \(SummaryList.shown), the first ones and a count \
        by reason; --list-rejected FILE writes them all), and the run then exits with status 1.

        A cache keeps its patients in their splits: when sources are added, each patient the last run placed \
        stays in its split and only the new ones are placed, towards the ratios, so that a model's test \
        patients never move into the next training split. The summary says how many kept their split. A \
        changed `split:` declaration, or --resplit, places every patient afresh, as a new cache would.

        Patient identifiers become keyed pseudonyms (HMAC-SHA256) under the project key, created on first \
        use with mode 0600 and never written to any output. The same key gives the same pseudonyms on any \
        machine; keep it safe, and another key gives unlinkable output.

        New patients are prepared exactly as the training data was with the same stages, the sources \
        swapped and `split: { all: test }`, converted with --fit-from the training cache: every fitted \
        stage (dataset-zscore, impute, standardize, one-hot) then applies the statistics fitted there \
        instead of fitting its own. A cache made by other stages is refused (where a beats stage takes its \
        R peaks from does not count: annotated training beats, new patients' detected ones).

        Under `mpirun -np N` (or `srun`) the ranks share the sources, balanced by size, and rank 0 writes \
        the cache, which equals a one-process run's; the cache directory must be on a file system every \
        rank sees (see the README's "Several processes").

        Examples (more recipes are in Fixtures/recipes/):
          medpipe convert Fixtures/recipes/heart.yaml --cache out/heart-cache
          medpipe convert new-patients.yaml --cache out/new-cache \\
              --fit-from out/heart-cache
        """
    )

    @Argument(help: ArgumentHelp("The recipe.", valueName: "RECIPE.yaml")) var recipe: String
    @Option(help: "Cache directory (overrides the recipe's `cache`): an existing cache, or a new or empty folder.") var cache: String?
    @Option(parsing: .unconditional, help: "Sources processed at once.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Stop at the first bad input instead of recording it as rejected.") var strict = false
    @Flag(help: "Read and hash every source file again, even those the cache records as unchanged since the last run.") var rehash = false
    @Flag(help: "Place every patient in a split afresh, as a new cache would, instead of keeping the split the last run gave each.") var resplit = false
    @Option(help: ArgumentHelp("Take the fitted statistics from this cache (made by the same stages) instead of fitting them.", valueName: "CACHE"))
    var fitFrom: String?
    @Option(help: ArgumentHelp("The project key for pseudonyms (default: $MEDPIPE_KEY or ~/.config/medpipe/project.key).", valueName: "FILE"))
    var key: String?
    @Option(help: ArgumentHelp("Write every rejected input (path: reason), one a line, to this file (the summary shows the first \(SummaryList.shown)).", valueName: "FILE"))
    var listRejected: String?
    @Option(help: ArgumentHelp("Write every reader warning of the sources read (path: warning), one a line, to this file (the summary shows the first \(SummaryList.shown)).", valueName: "FILE"))
    var listWarnings: String?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() async throws {
        let inputs = OutputPath.inputs(["the recipe": recipe, "--key": key]) + (fitFrom.map { [.init($0, "--fit-from", whole: true)] } ?? [])
        for list in [listRejected, listWarnings].compactMap({ $0 }) { try OutputPath.refuseOverwriting(list, inputs: inputs) }
        try OutputPath.refuseSharing([("--list-rejected", listRejected), ("--list-warnings", listWarnings)])
        if let cache { try OutputPath.refuseOverwriting(cache, inputs: inputs, isFolder: true) }
        if ProcessGroup.isLeader { for list in [listRejected, listWarnings].compactMap({ $0 }) { try OutputPath.prepare(list) } }
        let loaded = try Recipe.load(recipe, knownStages: StageFactory.names)
        // Under MPI, rank 0 creates a missing project key before the other ranks read it.
        let world = ProcessGroup.world
        if let world, world.rank > 0 { world.barrier() }
        let pseudonymizer = Pseudonymizer(key: try ProjectKey.loadOrCreate(ProjectKeyLocation.resolve(key)))
        if let world, world.rank == 0 { world.barrier() }
        let pseudonyms = Pseudonyms(fingerprint: pseudonymizer.fingerprint) { pseudonymizer.token($0, domain: .group) }
        let converter = try Converter(recipe: loaded, pseudonyms: pseudonyms)
        let bar = ProgressBar("convert")
        let options = ConvertOptions(cache: cache, jobs: jobs, strict: strict, fitFrom: fitFrom, rehash: rehash, resplit: resplit, progress: { progress in
            bar.update(done: progress.done, total: progress.total, note: URL(fileURLWithPath: progress.current).lastPathComponent)
        }, planning: { bar.tick("planning, files read:") })
        let summary: ConvertSummary
        if let world {
            guard let leaderSummary = try await converter.run(options, over: world) else { return }   // rank 0 reports
            summary = leaderSummary
        } else {
            summary = try await converter.run(options)
        }
        bar.finish()
        log(ConvertReport(summary).lines)
        if let listRejected { try SummaryList.write(summary.rejected.map { "\($0.source): \($0.reason)" }, to: listRejected) }
        if let listWarnings { try SummaryList.write(summary.warnings.map { "\($0.source): \($0.warning)" }, to: listWarnings) }
        guard summary.rejected.isEmpty else {
            let listed = summary.rejected.count > SummaryList.shown ? "the first \(SummaryList.shown) listed above" : "listed above"
            throw MedPipeError.malformed(recipe, "\(summary.rejected.count) of \(summary.sources) source(s) rejected (\(listed)); the cache holds the others")
        }
    }
}

/// Where the project key lives when `--key` is not given.
enum ProjectKeyLocation {
    static func resolve(_ option: String?) throws -> String {
        if let option { return option }
        if let environment = ProcessInfo.processInfo.environment["MEDPIPE_KEY"], !environment.isEmpty { return environment }
        let directory = FileManager.default.homeDirectoryForCurrentUser.path + "/.config/medpipe"
        try Folder.create(directory, what: "key directory", attributes: [.posixPermissions: 0o700])
        return directory + "/project.key"
    }
}

/// The end-of-run summary of `convert`.
struct ConvertReport {
    let summary: ConvertSummary
    init(_ summary: ConvertSummary) { self.summary = summary }

    /// The summary's lines, names and reasons as read (``log(_:)`` shows them).
    var lines: [String] {
        var lines = ["converted into \(summary.cache)",
                     "  sources: \(summary.sources) (\(summary.computed) processed, \(summary.reused) reused, \(summary.rejected.count) rejected, \(summary.removed) stale removed)",
                     "  entries: \(summary.entries)"]
        lines += summary.balance.description.split(separator: "\n").map { "  " + $0 }
        for (reason, count) in summary.dropped.sorted(by: { $0.key < $1.key }) { lines.append("  dropped: \(count) × \(reason)") }
        if let history = summary.splitHistory { lines.append("  split: \(history)") }
        for issue in summary.splitIssues { lines.append("  split: \(issue)") }
        lines += SummaryList.text(summary.warnings.map { "  warning: \($0.source): \($0.warning)" }, reasons: summary.warnings.map(\.warning),
                                  noun: "warnings", option: "--list-warnings FILE")
        lines += SummaryList.text(summary.rejected.map { "  rejected: \($0.source): \($0.reason)" }, reasons: summary.rejected.map(\.reason),
                                  noun: "rejected", option: "--list-rejected FILE")
        return lines
    }
}
