import MedPipeCore

/// Cuts a signal `(samples, channels)` into one sample per annotated beat: the window
/// `[r − before, r + after)` around each R-peak annotation `r`.
///
/// Labels are the beat's AAMI class (``AAMIClass``) or its raw symbol. Non-beat annotations are
/// ignored; beats whose window leaves the record, or (in AAMI mode) whose symbol has no class, are
/// dropped and counted by reason. Each beat keeps the record's group and names its beat number
/// (the index among the record's beat annotations) and R-peak sample in its source and metadata.
/// The dtype is kept.
public struct BeatSegmentation: Stage {
    public static let name = "beats"

    public enum Labels: String, Sendable, Codable {
        /// AAMI classes N, S, V, F, Q.
        case aami
        /// The raw MIT-BIH symbol.
        case symbol
    }

    public var before: Int
    public var after: Int
    public var labels: Labels

    public init(before: Int = 250, after: Int = 250, labels: Labels = .aami) throws {
        guard (0...OutputLimit.maximumValues).contains(before), (1...OutputLimit.maximumValues).contains(after) else {
            throw MedPipeError.invalidArgument(Self.name, "needs 0 ≤ before and 1 ≤ after, each at most \(OutputLimit.maximumValues) samples (got \(before), \(after))")
        }
        self.before = before
        self.after = after
        self.labels = labels
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("before", before)
        p.add("after", after)
        p.add("labels", labels.rawValue)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard (1...2).contains(shape.count) else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a signal (samples, channels), got shape \(shape)")
        }
        let n = shape[0], rowBytes = (shape.count == 2 ? shape[1] : 1) * sample.tensor.dtype.size
        let length = before + after
        var beats: [Sample] = []
        var dropped: [String: Int] = [:]
        var beatNumber = -1
        for annotation in sample.annotations where AAMIClass.beatSymbols.contains(annotation.symbol) {
            beatNumber += 1
            let label: String
            switch labels {
            case .symbol: label = annotation.symbol
            case .aami:
                guard let aami = AAMIClass(symbol: annotation.symbol) else {
                    dropped["beat symbol '\(annotation.symbol)' has no AAMI class", default: 0] += 1
                    continue
                }
                label = aami.rawValue
            }
            let start = annotation.sample - before
            guard start >= 0, start + length <= n else {
                dropped["window leaves the record", default: 0] += 1
                continue
            }
            let bytes = Array(sample.tensor.bytes[(start * rowBytes)..<((start + length) * rowBytes)])
            var shapeOut = shape
            shapeOut[0] = length
            var beat = Sample(tensor: Tensor(shape: shapeOut, dtype: sample.tensor.dtype, bytes: bytes),
                              geometry: sample.geometry, label: label, group: sample.group,
                              source: sample.source.narrowed(to: "beat", index: beatNumber), metadata: sample.metadata)
            beat.metadata["r_peak"] = .int(annotation.sample)
            beat.metadata["symbol"] = .string(annotation.symbol)
            beats.append(beat)
        }
        return StageOutput(beats, dropped: dropped)
    }
}
