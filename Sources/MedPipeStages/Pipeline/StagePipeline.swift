import MedPipeCore

/// An ordered list of stages, run sample by sample.
///
/// Typical use, since the split is made on the samples the first stages produce (beats, slices,
/// rows) and fitted stages must see only the training split:
/// ```swift
/// let pipeline = StagePipeline([.beats(try BeatSegmentation()), .leadZScore(LeadZScore())])
/// let prepared = try pipeline.run(records, through: pipeline.fitBoundary)   // before any fitted stage
/// let split = try GroupedStratifiedSplit(train: 0.7, validation: 0.15, test: 0.15, seed: 7)
///     .assign(labels: prepared.samples.map(\.label), groups: prepared.samples.map(\.group))
/// let fitted = try pipeline.fit(split.indices(of: .train).map { prepared.samples[$0] }, from: pipeline.fitBoundary)
/// let final = try pipeline.run(prepared.samples, from: pipeline.fitBoundary, fitted: fitted)
/// ```
public struct StagePipeline: Sendable, Equatable, Codable {
    public var stages: [AnyStage]

    public init(_ stages: [AnyStage]) { self.stages = stages }

    /// Index of the first stage that needs fitted statistics (`stages.count` when none does).
    public var fitBoundary: Int { stages.firstIndex(where: \.needsFit) ?? stages.count }

    /// The canonical description of stages `range`, one per line: hashed into cache keys.
    public func canonicalDescription(_ range: Range<Int>? = nil) -> String {
        stages[range ?? stages.indices].map(\.canonicalDescription).joined(separator: "\n")
    }

    /// Fits every fitted stage from `start` on: training samples (already through the stages
    /// before `start`) pass through each stage in turn, and each fitted stage is fitted on what
    /// reaches it. Returns the statistics by stage index.
    public func fit(_ trainSamples: [Sample], from start: Int = 0) throws -> FittedPipeline {
        var samples = trainSamples
        var statistics: [FittedPipeline.Entry] = []
        for index in start..<stages.count {
            let stage = stages[index]
            let fitted = try stage.fit(samples)
            if let fitted { statistics.append(.init(stage: index, name: stage.name, statistics: fitted)) }
            if index + 1 < stages.count {
                var next: [Sample] = []
                for sample in samples { next += try stage.run(sample, fitted: fitted).samples }
                samples = next
            }
        }
        return FittedPipeline(entries: statistics)
    }

    /// Runs stages `start..<end` on every sample, collecting drop counts by stage and reason.
    public func run(_ samples: [Sample], from start: Int = 0, through end: Int? = nil,
                    fitted: FittedPipeline = FittedPipeline(entries: [])) throws -> PipelineOutput {
        var output = PipelineOutput(samples: [], dropped: [:])
        for sample in samples {
            let one = try run(sample, from: start, through: end, fitted: fitted)
            output.samples += one.samples
            output.dropped.merge(one.dropped, uniquingKeysWith: +)
        }
        return output
    }

    /// Runs stages `start..<end` on one sample.
    public func run(_ sample: Sample, from start: Int = 0, through end: Int? = nil,
                    fitted: FittedPipeline = FittedPipeline(entries: [])) throws -> PipelineOutput {
        var current = [sample]
        var dropped: [String: Int] = [:]
        for index in start..<(end ?? stages.count) {
            let stage = stages[index]
            var next: [Sample] = []
            for s in current {
                let out = try stage.run(s, fitted: fitted.statistics(forStage: index))
                next += out.samples
                for (reason, count) in out.dropped { dropped["\(stage.name): \(reason)", default: 0] += count }
            }
            current = next
        }
        return PipelineOutput(samples: current, dropped: dropped)
    }
}

/// The samples a pipeline produced and what its stages dropped (`"stage: reason" → count`).
public struct PipelineOutput: Sendable, Equatable {
    public var samples: [Sample]
    public var dropped: [String: Int]
}

/// Statistics of every fitted stage of a pipeline, by stage index: what the cache stores.
public struct FittedPipeline: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var stage: Int
        public var name: String
        public var statistics: FittedStatistics
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public func statistics(forStage index: Int) -> FittedStatistics? {
        entries.first { $0.stage == index }?.statistics
    }
}
