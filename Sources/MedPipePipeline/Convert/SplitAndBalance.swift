import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeStages

extension Converter {
    /// What the final step of a run wrote.
    struct Finish {
        var entries: Int
        var report: BalanceReport
        var issues: [String]
        /// What the split kept of the last run's (``EarlierSplits/note(_:)``).
        var splitHistory: String?
        /// What the recipe should know of the cache as a whole (``MixedFrequencies/warnings(_:)``, ``MixedScales/warnings(_:)``).
        var warnings: [String]
    }

    /// Splits every entry by group, fits the statistics on the training split, plans the rebalancing of
    /// the training split, and stores all of it with the recipe, the table input of a table's rows (``TableInput``) and
    /// the units' `positions` (which order the entries) in one transaction.
    /// - Parameters:
    ///   - paths: each unit's source path (by unit key), which errors name.
    ///   - fitted: statistics taken from another cache (`--fit-from`) instead of fitted here.
    ///   - earlier: the split each patient had after the last run, which the split keeps.
    ///   - rejected: the sources rejected, and `dropped` the parts the stages dropped: why a run with no entry
    ///     has none, said in its error (a split of nothing would otherwise be the complaint).
    func finalize(_ writer: CacheWriter, positions: [String: Int], paths: [String: String], fitted: FittedPipeline?,
                  earlier: EarlierSplits, rejected: [(source: String, reason: String)] = [], dropped: [String: Int] = [:]) throws -> Finish {
        // A stable order independent of which worker finished first; sorted in place, as the manifest's order (by id)
        // mostly is already, not copied.
        var entries = try writer.entries()
        entries.sort { ($0.unit, $0.item) < ($1.unit, $1.item) }
        guard !entries.isEmpty else {
            let why = if let first = rejected.first {
                "\(rejected.count == 1 ? "its source was" : "all \(rejected.count) sources were") rejected (\(first.source): \(first.reason)\(rejected.count > 1 ? "; and \(rejected.count - 1) more" : ""))"
            } else if !dropped.isEmpty {
                "the stages dropped every part (\(dropped.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")))"
            } else {
                "its sources hold no sample"
            }
            throw MedPipeError.malformed(recipe.file, "gives no sample to cache: \(why)")
        }
        try TableColumns.requireSame(entries, positions: positions, paths: paths, recipe: recipe.file)
        let labels = entries.map(\.label)
        let assignment = try split(entries, keeping: earlier.kept)
        if recipe.split.grouping != .sample || recipe.split.all != nil {
            let leaks = LeakCheck.leaks(groups: entries.map(\.group), splits: assignment.splits)
            guard leaks.isEmpty else {
                throw MedPipeError.invalidArgument(recipe.file, "patient leak across splits: \(leaks.map(\.description).joined(separator: "; "))")
            }
        }

        let trainIndices = assignment.indices(of: .train)
        let trainLabels = trainIndices.map { labels[$0] ?? "" }
        let plan: SamplingPlan
        switch recipe.balance {
        case .none: plan = .identity(count: trainIndices.count)
        case .oversample: plan = RandomOversampling(seed: recipe.split.seed).plan(labels: trainLabels)
        case .undersample: plan = RandomUndersampling(seed: recipe.split.seed).plan(labels: trainLabels)
        case .classWeights: plan = ClassWeights.plan(labels: trainLabels)
        case .smote:
            // Synthetic rows are made when training, from the fitted (imputed, standardized) rows: the
            // cache keeps only real rows, and convert's plan is every training entry once.
            plan = .identity(count: trainIndices.count)
        }
        let report = BalanceReport(labels: labels, assignment: assignment, trainPlan: plan)

        let fitted = try fitted ?? fit(entries: trainIndices.map { entries[$0] }, cache: writer.directory)
        var splits: [Int64: String] = [:]
        for (entry, split) in zip(entries, assignment.splits) { splits[entry.id] = split.rawValue }
        var plans: [String: [Int64]] = ["train": plan.indices.map { entries[trainIndices[$0]].id }]
        for split in [SplitName.validation, .test] {
            plans[split.rawValue] = assignment.indices(of: split).map { entries[$0].id }
        }
        var meta = [
            "recipe": recipe.textForCache { pseudonyms.make("recipe-file:" + $0) },
            "recipe_hash": ContentHash.of(Array(recipe.text.utf8)),
            "pipeline": try Self.json(pipeline),
            "fit_boundary": String(pipeline.fitBoundary),
            "fitted": try Self.json(fitted),
            "balance": recipe.balance.rawValue,
            "balance_report": try Self.json(report),
            "split_issues": try Self.json(assignment.issues),
            "split_grouping": recipe.split.grouping.rawValue,
            SplitSpec.metaName: recipe.split.canonicalText,
            // Which project key made the groups' pseudonyms (its fingerprint, not the key): a model's training patients
            // are compared with another cache's only when the same key made both (``TrainingGroups``).
            CacheDataset.pseudonymKeyMeta: pseudonyms.fingerprint,
            // How predict reads a table as the training rows were read; empty (not left from an earlier run) otherwise.
            "table": try TableInput(recipe: recipe, entries: entries).map(Self.json) ?? "",
        ]
        if let weights = plan.classWeights { meta["class_weights"] = try Self.json(weights) }
        try writer.finalize(splits: splits, plans: plans, meta: meta, positions: positions)
        return Finish(entries: entries.count, report: report, issues: assignment.issues, splitHistory: earlier.note(assignment), warnings: MixedFrequencies.warnings(entries) + MixedScales.warnings(entries))
    }

    /// The split of every entry, as the recipe's `split` declares, the groups in `kept` staying in theirs (``EarlierSplits``
    /// keeps none for a beat-level split); a beat-level split reports its leak as an issue.
    private func split(_ entries: [CacheEntry], keeping kept: [String: SplitName]) throws -> SplitAssignment {
        if let all = recipe.split.all { return SplitAssignment(splits: [SplitName](repeating: all, count: entries.count)) }
        switch recipe.split.grouping {
        case .given:
            return try GivenSplit.assign(entries.map { entry in
                guard case .string(let split)? = entry.metadata["split"] else { return "" }
                return split
            })
        case .patient, .timeBlock, .sample:
            let ratios = recipe.split.ratios
            let splitter = try GroupedStratifiedSplit(train: ratios["train"] ?? 0, validation: ratios["val"] ?? 0,
                                                      test: ratios["test"] ?? 0, seed: recipe.split.seed)
            let sampleLevel = recipe.split.grouping == .sample
            do {
                var assignment = try splitter.assign(labels: entries.map(\.label),
                                                     groups: sampleLevel ? entries.map { "entry \($0.id)" } : entries.map(\.group),
                                                     kept: kept)
                if sampleLevel { assignment.issues.insert(SplitSpec.sampleLevelWarning, at: 0) }
                return assignment
            } catch let error as MedPipeError {
                throw MedPipeError.invalidArgument("\(recipe.file): split", error.message)
            }
        }
    }

    /// Fits the fitted stages on the training entries (read back from the cache).
    private func fit(entries: [CacheEntry], cache: String) throws -> FittedPipeline {
        guard pipeline.fitBoundary < pipeline.stages.count else { return FittedPipeline(entries: []) }
        guard !entries.isEmpty else {
            let stage = pipeline.stages[pipeline.fitBoundary].name
            throw MedPipeError.invalidArgument(recipe.file, "stage '\(stage)' fits its statistics on the training split, which is empty; convert with --fit-from CACHE to take them from the cache the model was trained on")
        }
        let reader = try DatasetCache(directory: cache)
        let samples = try entries.map { entry in
            Sample(tensor: try reader.tensor(for: entry), geometry: entry.geometry, label: entry.label, group: entry.group,
                   source: SourceReference(record: entry.source, part: nil, index: entry.item), metadata: entry.metadata)
        }
        let fitted = try pipeline.fit(samples, from: pipeline.fitBoundary)
        // Statistics every command opening the cache would refuse (an infinite training value gives an infinite mean).
        if let problem = fitted.problem(for: pipeline) {
            throw MedPipeError.invalidArgument(recipe.file, "the statistics fitted on the training split cannot be applied: \(problem) (a training value is infinite, or a column has no finite value: correct the source)")
        }
        return fitted
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(value), as: UTF8.self)
    }
}
