import MedPipeCore
import MedPipeStages

/// Builds concrete stages from recipe entries, with each stage's defaults and errors naming the line.
public enum StageFactory {
    /// The largest magnitude (HU) of a CT window's centre and half width: a CT stores values from −1024 (air) to a few
    /// 10^4 (metal), and a window of centre or width 1e308 was accepted, mapping every value to the same grey.
    static let hounsfieldLimit = 1e6
    /// The frequencies (Hz) a filter's cutoff or a resampling target may be: from 0.001 Hz (a cycle in 17 minutes) to
    /// 1 MHz; 1e308 Hz was accepted, and every signal then refused at its run.
    static let frequencies: ClosedRange<Double> = 0.001...1e6
    /// The voxel sizes (mm) `resample-spacing` may target: 0.1 µm to 10 m; 1e308 made one voxel of every volume.
    static let spacings: ClosedRange<Double> = 1e-4...1e4

    /// Every stage name a recipe may use.
    public static var names: Set<String> { AnyStage.names }

    /// The stage a recipe entry declares.
    public static func make(_ spec: StageSpec, file: String) throws -> AnyStage {
        var p = try RecipeReader(spec.parameters, file: file, what: "the parameters of '\(spec.name)'")
        let subject = "\(file):\(spec.line)"
        let stage: AnyStage
        do {
            switch spec.name {
            case CTWindow.name:
                if let preset = try p.string("preset") {
                    guard let value = CTWindow.Preset(rawValue: preset) else {
                        throw MedPipeError.invalidArgument(subject, "unknown CT window preset '\(preset)' (expected one of: \(CTWindow.Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    stage = .ctWindow(CTWindow(preset: value))
                } else {
                    guard let center = try p.double("center", of: spec.name, in: -hounsfieldLimit...hounsfieldLimit),
                          let width = try p.double("width", of: spec.name, in: 0...(2 * hounsfieldLimit), excludingLowerBound: true) else {
                        throw MedPipeError.invalidArgument(subject, "ct-window needs a preset or both center and width")
                    }
                    stage = .ctWindow(try CTWindow(center: center, width: width))
                }
            case PercentileClip.name:
                stage = .percentileClip(try PercentileClip(lower: try p.double("lower", of: spec.name, in: 0...100) ?? 0.5,
                                                           upper: try p.double("upper", of: spec.name, in: 0...100) ?? 99.5,
                                                           nonZeroOnly: try p.bool("nonzero-only") ?? false))
            case MinMax.name: stage = .minMax(MinMax())
            case ReplaceNonFinite.name: stage = .replaceNonFinite(try ReplaceNonFinite(value: try p.double("value") ?? 0))
            case ZScore.name:
                let over = try p.string("over") ?? "all"
                guard let region = NormalizationRegion(rawValue: over) else {
                    throw MedPipeError.invalidArgument(subject, "zscore 'over' must be all, nonzero or mask, not '\(over)'")
                }
                stage = .zScore(ZScore(region: region))
            case DatasetZScore.name: stage = .datasetZScore(DatasetZScore())
            case ResampleSpacing.name:
                guard let spacing = try p.doubles("spacing", of: spec.name, in: spacings) else { throw MedPipeError.invalidArgument(subject, "resample-spacing needs 'spacing' (mm per axis)") }
                stage = .resampleSpacing(try ResampleSpacing(spacing: spacing))
            case Resize.name:
                guard let rows = try p.int("rows"), let columns = try p.int("columns") else {
                    throw MedPipeError.invalidArgument(subject, "resize needs 'rows' and 'columns'")
                }
                stage = .resize(try Resize(rows: rows, columns: columns))
            case CropOrPad.name:
                guard let shape = try p.ints("shape") else { throw MedPipeError.invalidArgument(subject, "crop-or-pad needs 'shape'") }
                stage = .cropOrPad(try CropOrPad(shape: shape, padValue: try p.double("pad-value") ?? 0))
            case ReorientRAS.name: stage = .reorientRAS(ReorientRAS())
            case SliceExtraction.name:
                stage = .slices(try SliceExtraction(axis: try p.int("axis") ?? 0, skipConstant: try p.bool("skip-constant") ?? false))
            case BandPass.name:
                guard let low = try p.double("low", of: spec.name, in: frequencies), let high = try p.double("high", of: spec.name, in: frequencies) else {
                    throw MedPipeError.invalidArgument(subject, "bandpass needs 'low' and 'high' (Hz)")
                }
                stage = .bandPass(try BandPass(low: low, high: high, order: try p.int("order") ?? 2))
            case HighPass.name:
                guard let cutoff = try p.double("cutoff", of: spec.name, in: frequencies) else { throw MedPipeError.invalidArgument(subject, "highpass needs 'cutoff' (Hz)") }
                stage = .highPass(try HighPass(cutoff: cutoff, order: try p.int("order") ?? 2))
            case LowPass.name:
                guard let cutoff = try p.double("cutoff", of: spec.name, in: frequencies) else { throw MedPipeError.invalidArgument(subject, "lowpass needs 'cutoff' (Hz)") }
                stage = .lowPass(try LowPass(cutoff: cutoff, order: try p.int("order") ?? 4))
            case SignalResample.name:
                guard let frequency = try p.double("frequency", of: spec.name, in: frequencies) else { throw MedPipeError.invalidArgument(subject, "resample-signal needs 'frequency' (Hz)") }
                stage = .resampleSignal(try SignalResample(frequency: frequency))
            case LeadZScore.name: stage = .leadZScore(LeadZScore())
            case BeatSegmentation.name:
                let labels = try p.string("labels") ?? "aami"
                guard let value = BeatSegmentation.Labels(rawValue: labels) else {
                    throw MedPipeError.invalidArgument(subject, "beats 'labels' must be aami or symbol, not '\(labels)'")
                }
                let peaks = try p.string("peaks") ?? BeatSegmentation.Peaks.annotations.rawValue
                guard let peakSource = BeatSegmentation.Peaks(rawValue: peaks) else {
                    throw MedPipeError.invalidArgument(subject, "beats 'peaks' must be annotations or detect, not '\(peaks)'")
                }
                stage = .beats(try BeatSegmentation(before: try p.int("before") ?? 250, after: try p.int("after") ?? 250, labels: value,
                                                    rr: try p.bool("rr") ?? false, template: try p.bool("template") ?? false,
                                                    peaks: peakSource))
            case FixedWindows.name:
                guard let length = try p.int("length") else { throw MedPipeError.invalidArgument(subject, "windows needs 'length' (samples)") }
                stage = .windows(try FixedWindows(length: length, stride: try p.int("stride")))
            case SelectLeads.name:
                let leads = try p.ints("leads"), names = try p.strings("names")
                guard (leads == nil) != (names == nil) else {
                    throw MedPipeError.invalidArgument(subject, "leads needs 'leads' (channel indices) or 'names' (e.g. [MLII]), not both")
                }
                stage = .leads(try SelectLeads(leads: leads ?? [], names: names ?? []))
            case KeepLabels.name:
                guard let labels = try p.strings("labels") else { throw MedPipeError.invalidArgument(subject, "keep-labels needs 'labels'") }
                stage = .keepLabels(try KeepLabels(labels: labels))
            case TableRows.name:
                stage = .rows(TableRows(labelColumn: try p.string("label-column"), labelGreaterThan: try p.double("label-greater-than"),
                                        groupColumn: try p.string("group-column")))
            case Impute.name:
                let strategy = try p.string("strategy") ?? "median"
                guard let value = Impute.Strategy(rawValue: strategy) else {
                    throw MedPipeError.invalidArgument(subject, "impute 'strategy' must be median, mean or mode, not '\(strategy)'")
                }
                stage = .impute(Impute(strategy: value, columns: try p.strings("columns")))
            case Standardize.name: stage = .standardize(Standardize(columns: try p.strings("columns")))
            case OneHot.name:
                guard let columns = try p.strings("columns") else { throw MedPipeError.invalidArgument(subject, "one-hot needs 'columns'") }
                stage = .oneHot(try OneHot(columns: columns))
            default:
                throw MedPipeError.invalidArgument(subject, "unknown stage '\(spec.name)'")
            }
        } catch let error as MedPipeError where error.kind != .invalidArgument || !error.subject.hasPrefix(file) {
            // A stage's own validation names the stage, not the recipe: put the recipe line in front.
            throw MedPipeError.invalidArgument(subject, "\(spec.name): \(error.message)")
        }
        try p.finish()
        return stage
    }
}
