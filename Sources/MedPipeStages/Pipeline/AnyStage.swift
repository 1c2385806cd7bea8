import MedPipeCore

/// Any MedPipe stage, as one Codable, Equatable value: what a recipe's list of stages becomes.
public enum AnyStage: Sendable, Equatable, Codable {
    // Any sample
    case replaceNonFinite(ReplaceNonFinite)
    // Images and volumes
    case ctWindow(CTWindow)
    case percentileClip(PercentileClip)
    case minMax(MinMax)
    case zScore(ZScore)
    case datasetZScore(DatasetZScore)
    case resampleSpacing(ResampleSpacing)
    case resize(Resize)
    case cropOrPad(CropOrPad)
    case reorientRAS(ReorientRAS)
    case slices(SliceExtraction)
    // Signals
    case bandPass(BandPass)
    case highPass(HighPass)
    case lowPass(LowPass)
    case resampleSignal(SignalResample)
    case leadZScore(LeadZScore)
    case beats(BeatSegmentation)
    case windows(FixedWindows)
    case leads(SelectLeads)
    // Selection
    case keepLabels(KeepLabels)
    // Tables
    case rows(TableRows)
    case impute(Impute)
    case standardize(Standardize)
    case oneHot(OneHot)

    /// Every stage name, as recipes write them.
    public static let names: Set<String> = [
        CTWindow.name, PercentileClip.name, MinMax.name, ZScore.name, DatasetZScore.name, ResampleSpacing.name,
        Resize.name, CropOrPad.name, ReorientRAS.name, SliceExtraction.name, BandPass.name, HighPass.name,
        LowPass.name, SignalResample.name, LeadZScore.name, BeatSegmentation.name, FixedWindows.name,
        TableRows.name, Impute.name, Standardize.name, OneHot.name, SelectLeads.name, KeepLabels.name, ReplaceNonFinite.name,
    ]

    private var plain: (any Stage)? {
        switch self {
        case .replaceNonFinite(let s): s
        case .ctWindow(let s): s
        case .percentileClip(let s): s
        case .minMax(let s): s
        case .zScore(let s): s
        case .resampleSpacing(let s): s
        case .resize(let s): s
        case .cropOrPad(let s): s
        case .reorientRAS(let s): s
        case .slices(let s): s
        case .bandPass(let s): s
        case .highPass(let s): s
        case .lowPass(let s): s
        case .resampleSignal(let s): s
        case .leadZScore(let s): s
        case .beats(let s): s
        case .windows(let s): s
        case .leads(let s): s
        case .keepLabels(let s): s
        case .rows(let s): s
        case .datasetZScore, .impute, .standardize, .oneHot: nil
        }
    }

    private var fittedStage: (any FittedStage)? {
        switch self {
        case .datasetZScore(let s): s
        case .impute(let s): s
        case .standardize(let s): s
        case .oneHot(let s): s
        default: nil
        }
    }

    /// The stage's name.
    public var name: String { plain?.name ?? fittedStage!.name }

    /// `name{canonical parameters}`: what the cache hashes for this stage.
    public var canonicalDescription: String { plain?.canonicalDescription ?? fittedStage!.canonicalDescription }

    /// True when the stage needs statistics fitted on the training split.
    public var needsFit: Bool { fittedStage != nil }

    /// Fits the stage's statistics on training samples (nil for stages without statistics).
    public func fit(_ trainSamples: [Sample]) throws -> FittedStatistics? {
        switch self {
        case .datasetZScore(let s): .datasetZScore(try s.fit(trainSamples))
        case .impute(let s): .impute(try s.fit(trainSamples))
        case .standardize(let s): .standardize(try s.fit(trainSamples))
        case .oneHot(let s): .oneHot(try s.fit(trainSamples))
        default: nil
        }
    }

    /// Runs the stage on one sample; a fitted stage needs its statistics.
    public func run(_ sample: Sample, fitted: FittedStatistics?) throws -> StageOutput {
        if let plain { return try plain.run(sample) }
        switch (self, fitted) {
        case (.datasetZScore(let s), .datasetZScore(let f)?): return StageOutput([try s.apply(sample, fitted: f)])
        case (.impute(let s), .impute(let f)?): return StageOutput([try s.apply(sample, fitted: f)])
        case (.standardize(let s), .standardize(let f)?): return StageOutput([try s.apply(sample, fitted: f)])
        case (.oneHot(let s), .oneHot(let f)?): return StageOutput([try s.apply(sample, fitted: f)])
        default:
            throw MedPipeError.invalidArgument(name, "stage '\(name)' needs statistics fitted on the training split, and none (or another stage's) were given")
        }
    }
}

/// Statistics fitted on the training split by one stage; stored in the cache with the recipe.
public enum FittedStatistics: Sendable, Equatable, Codable {
    case datasetZScore(DatasetZScore.Statistics)
    case impute(Impute.Statistics)
    case standardize(Standardize.Statistics)
    case oneHot(OneHot.Statistics)
}
