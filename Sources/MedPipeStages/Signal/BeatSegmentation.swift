import MedPipeCore

/// Cuts a signal `(samples, channels)` into one sample per annotated beat: the window
/// `[r − before, r + after)` around each R-peak annotation `r`.
///
/// Labels are the beat's AAMI class (``AAMIClass``) or its raw symbol. A record without any beat annotation is an
/// error (it would give no sample without a word). Non-beat annotations are ignored; beats whose window leaves the record, or (in AAMI mode) whose symbol has no class, are
/// dropped and counted by reason. Each beat keeps the record's group and names its beat number
/// (the index among the record's beat annotations) and R-peak sample in its source and metadata.
/// The dtype is kept.
///
/// With `rr`, each window also carries the beat's rhythm (``RRFeatures``, computed over all the
/// record's beats): the window becomes float32 `(samples, leads + 5)`, the 5 extra channels holding
/// the feature ratios as constants, in the order of ``RRFeatures/names``, so a 1D CNN sees the waveform
/// and the rhythm together as `[leads + 5, samples]`. The metadata `rr_channels` (5) tells later stages
/// which channels are not leads (``LeadZScore`` leaves them as they are).
///
/// With `template`, each window also carries the record's typical beat (``BeatTemplate``, the median
/// of all its beat windows) as one more channel per lead, after the leads and before any RR channels:
/// `(samples, 2·leads [+ 5])`, so a model sees each beat beside its own patient's usual beat.
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
    /// Whether each window carries the beat's RR features as extra channels.
    public var rr: Bool
    /// Whether each window carries the record's median beat as extra channels.
    public var template: Bool

    public init(before: Int = 250, after: Int = 250, labels: Labels = .aami, rr: Bool = false, template: Bool = false) throws {
        guard (0...OutputLimit.maximumValues).contains(before), (1...OutputLimit.maximumValues).contains(after) else {
            throw MedPipeError.invalidArgument(Self.name, "needs 0 ≤ before and 1 ≤ after, each at most \(OutputLimit.maximumValues) samples (got \(before), \(after))")
        }
        self.before = before
        self.after = after
        self.labels = labels
        self.rr = rr
        self.template = template
    }

    /// The metadata key naming how many trailing channels are RR features rather than leads.
    public static let rrChannelsKey = "rr_channels"

    enum CodingKeys: String, CodingKey { case before, after, labels, rr, template }

    /// Decodes pipelines stored before `rr` and `template` existed (without the keys) as off.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(before: try c.decode(Int.self, forKey: .before), after: try c.decode(Int.self, forKey: .after),
                      labels: try c.decode(Labels.self, forKey: .labels), rr: try c.decodeIfPresent(Bool.self, forKey: .rr) ?? false,
                      template: try c.decodeIfPresent(Bool.self, forKey: .template) ?? false)
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("before", before)
        p.add("after", after)
        p.add("labels", labels.rawValue)
        // Only when on, so that the caches of recipes written before the option keep their keys.
        if rr { p.add("rr", true) }
        if template { p.add("template", true) }
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard (1...2).contains(shape.count) else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a signal (samples, channels), got shape \(shape)")
        }
        let n = shape[0], rowBytes = (shape.count == 2 ? shape[1] : 1) * sample.tensor.dtype.size
        let length = before + after
        let beatAnnotations = sample.annotations.filter { AAMIClass.beatSymbols.contains($0.symbol) }
        guard !beatAnnotations.isEmpty else {
            throw MedPipeError.malformed(Self.name, "\(sample.source): the record has no beat annotations; this stage cuts a window at each annotated R peak, read from the record's .atr file (MedPipe does not detect beats itself)")
        }
        var rhythm: [RRFeatures]?
        if rr {
            guard case .temporal(let frequency)? = sample.geometry, frequency > 0 else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): RR features need the signal's sampling frequency")
            }
            let peaks = beatAnnotations.map(\.sample)
            guard zip(peaks, peaks.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw MedPipeError.malformed(sample.source.description, "beat annotations are not in strictly increasing sample order")
            }
            guard let features = RRFeatures.record(peaks: peaks, frequency: frequency) else {
                return StageOutput([], dropped: ["fewer than 2 beats: no RR interval": beatAnnotations.count])
            }
            rhythm = features
        }
        var median: [Float]?
        if template {
            let starts = beatAnnotations.map { $0.sample - before }.filter { $0 >= 0 && $0 + length <= n }
            let leads = shape.count == 2 ? shape[1] : 1
            median = sample.tensor.asFloat32().withUnsafeBufferPointer(as: Float.self) {
                BeatTemplate.median(signal: $0, leads: leads, starts: starts, length: length)
            }
        }
        var beats: [Sample] = []
        var dropped: [String: Int] = [:]
        for (beatNumber, annotation) in beatAnnotations.enumerated() {
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
            var window = Tensor(shape: [length] + shape.dropFirst(), dtype: sample.tensor.dtype, bytes: bytes)
            if rr || template { window = Self.widened(window, template: median, features: rhythm?[beatNumber].values ?? []) }
            var beat = Sample(tensor: window,
                              geometry: sample.geometry, label: label, group: sample.group,
                              source: sample.source.narrowed(to: "beat", index: beatNumber), metadata: sample.metadata)
            beat.metadata["r_peak"] = .int(annotation.sample)
            beat.metadata["symbol"] = .string(annotation.symbol)
            if rhythm != nil { beat.metadata[Self.rrChannelsKey] = .int(RRFeatures.names.count) }
            beats.append(beat)
        }
        return StageOutput(beats, dropped: dropped)
    }

    /// A float32 window `(samples, leads [+ leads] + features)`: the leads, the template's leads when
    /// given (row-major `(samples, leads)`), then each feature as a constant channel.
    static func widened(_ window: Tensor, template: [Float]?, features: [Double]) -> Tensor {
        let n = window.shape[0], leads = window.shape.count == 2 ? window.shape[1] : 1
        let templateLeads = template == nil ? 0 : leads
        let width = leads + templateLeads + features.count
        let input = window.asFloat32()
        return Tensor.float32(shape: [n, width]) { out in
            input.withUnsafeBufferPointer(as: Float.self) { x in
                for i in 0..<n {
                    for c in 0..<leads { out[i * width + c] = x[i * leads + c] }
                    if let template { for c in 0..<leads { out[i * width + leads + c] = template[i * leads + c] } }
                    for (f, value) in features.enumerated() { out[i * width + leads + templateLeads + f] = Float(value) }
                }
            }
        }
    }
}
