import MedPipeCore

extension FittedPipeline {
    /// Why these statistics cannot be applied by `pipeline`'s stages, or nil when they can: each stage that needs
    /// fitting has one entry, at its index, of its own kind, with usable values (``FittedStatistics/problem``), and no
    /// entry names another stage. What ``StagePipeline/fit(_:from:)`` writes always fits its pipeline; statistics taken
    /// from elsewhere (`convert --fit-from` a cache edited or damaged) may not, and applied they gave NaN or infinite
    /// samples, or samples left unscaled, without a word.
    public func problem(for pipeline: StagePipeline) -> String? {
        for entry in entries where !pipeline.stages.indices.contains(entry.stage) || !pipeline.stages[entry.stage].needsFit {
            return "entry '\(entry.name)' is for stage \(entry.stage + 1), which is no fitted stage of the \(pipeline.stages.count) stage(s)"
        }
        for (index, stage) in pipeline.stages.enumerated() where stage.needsFit {
            let found = entries.filter { $0.stage == index }
            guard found.count == 1, let entry = found.first else {
                return "stage \(index + 1) (\(stage.name)) has \(found.isEmpty ? "no statistics" : "\(found.count) sets of statistics"), not one"
            }
            if let other = [entry.name, entry.statistics.stageName].first(where: { $0 != stage.name }) {
                return "stage \(index + 1) (\(stage.name)) has statistics of '\(other)'"
            }
            if let problem = entry.statistics.problem { return "stage \(index + 1) (\(stage.name)): \(problem)" }
        }
        return nil
    }

    /// Fails unless `pipeline`'s stages can apply these statistics (``problem(for:)``).
    /// - Throws: `.malformed` naming `subject` (the cache or model they were read from) and `place` (`meta 'fitted'`).
    public func requireApplicable(by pipeline: StagePipeline, subject: String, place: String) throws {
        if let problem = problem(for: pipeline) {
            throw MedPipeError.malformed(subject, "its fitted statistics (\(place)) cannot be applied: \(problem)")
        }
    }
}

extension FittedStatistics {
    /// The name of the stage that fits such statistics.
    public var stageName: String {
        switch self {
        case .datasetZScore: DatasetZScore.name
        case .impute: Impute.name
        case .standardize: Standardize.name
        case .oneHot: OneHot.name
        }
    }

    /// Why these values cannot be applied, or nil: a mean, scale, fill value or category that is not a finite number,
    /// a scale that is not positive (a standard deviation below 0: dataset-zscore applies one of 0 as 1, as it fits
    /// it for constant values), a column with a mean but no scale, or a category listed twice.
    public var problem: String? {
        func notFinite(_ values: [String: Double], _ what: String) -> String? {
            values.sorted { $0.key < $1.key }.first { !$0.value.isFinite }.map { "the \(what) of column '\($0.key)' is \($0.value)" }
        }
        switch self {
        case .datasetZScore(let s):
            if !s.mean.isFinite || !s.std.isFinite || s.std < 0 { return "mean \(s.mean) and standard deviation \(s.std) are no finite mean and std ≥ 0" }
            if s.count < 1 { return "fitted over \(s.count) values" }
        case .impute(let s):
            return notFinite(s.values, "fill value")
        case .standardize(let s):
            if let problem = notFinite(s.mean, "mean") ?? notFinite(s.scale, "scale") { return problem }
            if let column = s.scale.sorted(by: { $0.key < $1.key }).first(where: { $0.value <= 0 }) {
                return "the scale of column '\(column.key)' is \(column.value), not positive"
            }
            if let column = Set(s.mean.keys).symmetricDifference(s.scale.keys).sorted().first {
                return "column '\(column)' has a \(s.mean[column] == nil ? "scale" : "mean") but no \(s.mean[column] == nil ? "mean" : "scale")"
            }
        case .oneHot(let s):
            for (column, categories) in s.categories.sorted(by: { $0.key < $1.key }) {
                if let bad = categories.first(where: { !$0.isFinite }) { return "column '\(column)' has the category \(bad)" }
                if Set(categories).count != categories.count { return "column '\(column)' lists a category twice" }
            }
        }
        return nil
    }
}
