import MedPipeCore

/// Cuts a signal `(samples, channels)` into one sample per beat: the window `[r − before, r + after)`
/// around each R peak `r`.
///
/// The R peaks are the record's beat annotations (`peaks: annotations`, the default), or are detected on
/// the first lead by ``QRSDetector`` (`peaks: detect`), so that records without annotations can be cut as
/// the training data was. A detected beat takes the label of the annotated beat within 150 ms when the
/// record has annotations; detected beats without one, and annotated beats not detected, are dropped and
/// counted. A record without annotations gives unlabelled beats (for `predict`). With `peaks:
/// annotations`, a record without any beat annotation is an error, and so is one where no R peak is detected
/// with `peaks: detect` (either would give no sample without a word).
///
/// Labels are the beat's AAMI class (``AAMIClass``) or its raw symbol. Non-beat annotations are ignored; beats
/// whose window leaves the record or holds invalid samples (``InvalidSamples``), or (in AAMI mode) whose symbol
/// has no class, are dropped and counted by reason. Each beat keeps the record's group and names its beat number
/// (its index among the record's R peaks) and R-peak sample in its source and metadata. The dtype is kept.
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

    /// Where the windows are centred.
    public enum Peaks: String, Sendable, Codable {
        /// At the record's beat annotations (its `.atr` file).
        case annotations
        /// At the R peaks ``QRSDetector`` finds on the first lead.
        case detect
    }

    /// How far (seconds) a detected R peak may lie from an annotated beat to take its label: ANSI/AAMI
    /// EC57's matching window.
    public static let matchingWindow = 0.15

    public var before: Int
    public var after: Int
    public var labels: Labels
    /// Whether each window carries the beat's RR features as extra channels.
    public var rr: Bool
    /// Whether each window carries the record's median beat as extra channels.
    public var template: Bool
    /// Where the windows are centred.
    public var peaks: Peaks

    public init(before: Int = 250, after: Int = 250, labels: Labels = .aami, rr: Bool = false, template: Bool = false,
                peaks: Peaks = .annotations) throws {
        guard (0...OutputLimit.maximumValues).contains(before), (1...OutputLimit.maximumValues).contains(after) else {
            throw MedPipeError.invalidArgument(Self.name, "needs 0 ≤ before and 1 ≤ after, each at most \(OutputLimit.maximumValues) samples (got \(before), \(after))")
        }
        self.before = before
        self.after = after
        self.labels = labels
        self.rr = rr
        self.template = template
        self.peaks = peaks
    }

    /// The metadata key naming how many trailing channels are RR features rather than leads.
    public static let rrChannelsKey = "rr_channels"

    enum CodingKeys: String, CodingKey { case before, after, labels, rr, template, peaks }

    /// Decodes pipelines stored before `rr`, `template` and `peaks` existed (without the keys) as off and
    /// annotations.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(before: try c.decode(Int.self, forKey: .before), after: try c.decode(Int.self, forKey: .after),
                      labels: try c.decode(Labels.self, forKey: .labels), rr: try c.decodeIfPresent(Bool.self, forKey: .rr) ?? false,
                      template: try c.decodeIfPresent(Bool.self, forKey: .template) ?? false,
                      peaks: try c.decodeIfPresent(Peaks.self, forKey: .peaks) ?? .annotations)
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("before", before)
        p.add("after", after)
        p.add("labels", labels.rawValue)
        // Only when on, so that the caches of recipes written before the option keep their keys.
        if rr { p.add("rr", true) }
        if template { p.add("template", true) }
        if peaks == .detect { p.add("peaks", peaks.rawValue) }
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape, layout = try SignalLayout(of: sample, stage: Self.name)
        let n = layout.frames, rowBytes = layout.rowBytes(of: sample)
        let length = before + after
        var dropped: [String: Int] = [:]
        let (rPeaks, labelled) = try beats(of: sample, dropped: &dropped)
        var rhythm: [RRFeatures]?
        if rr {
            guard case .temporal(let frequency)? = sample.geometry, frequency > 0 else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): RR features need the signal's sampling frequency")
            }
            guard let features = RRFeatures.record(peaks: rPeaks.map(\.sample), frequency: frequency) else {
                dropped["fewer than 2 beats: no RR interval", default: 0] += rPeaks.count
                return StageOutput([], dropped: dropped)
            }
            rhythm = features
        }
        // As for fixed windows, all the beats of one record hold at most OutputLimit.maximumValues values: windows of
        // 400,000 samples at each beat of MIT-BIH 100 made convert abort under a 3 GB limit, and a day-long record's
        // beats could ask for any size.
        let inside = rPeaks.filter { $0.sample - before >= 0 && $0.sample - before + length <= n }.count
        try OutputLimit.check([Double(inside), Double(length), Double(layout.channels)], stage: Self.name,
                              source: sample.source, "\(inside) beats of \(length) samples")
        var median: [Float]?
        if template {
            let starts = rPeaks.map { $0.sample - before }.filter { $0 >= 0 && $0 + length <= n }
            median = sample.tensor.asFloat32().withUnsafeBufferPointer(as: Float.self) {
                BeatTemplate.median(signal: $0, leads: layout.channels, starts: starts, length: length)
            }
        }
        let invalid = InvalidSamples.Rows(of: sample.tensor)
        var windows: [Sample] = []
        for (beatNumber, beat) in rPeaks.enumerated() {
            if labelled && beat.annotation == nil {
                dropped["detected beat without an annotated beat within \(Int(Self.matchingWindow * 1000)) ms", default: 0] += 1
                continue
            }
            var label: String?
            if let annotation = beat.annotation {
                switch labels {
                case .symbol: label = annotation.symbol
                case .aami:
                    guard let aami = AAMIClass(symbol: annotation.symbol) else {
                        dropped["beat symbol '\(annotation.symbol)' has no AAMI class", default: 0] += 1
                        continue
                    }
                    label = aami.rawValue
                }
            }
            let start = beat.sample - before
            guard start >= 0, start + length <= n else {
                dropped["window leaves the record", default: 0] += 1
                continue
            }
            guard invalid?.any(in: start..<(start + length)) != true else {
                dropped[InvalidSamples.dropReason, default: 0] += 1
                continue
            }
            let bytes = Array(sample.tensor.bytes[(start * rowBytes)..<((start + length) * rowBytes)])
            var window = Tensor(shape: [length] + shape.dropFirst(), dtype: sample.tensor.dtype, bytes: bytes)
            if rr || template { window = Self.widened(window, template: median, features: rhythm?[beatNumber].values ?? []) }
            var cut = Sample(tensor: window,
                             geometry: sample.geometry, label: label, group: sample.group,
                             source: sample.source.narrowed(to: "beat", index: beatNumber), metadata: sample.metadata)
            cut.metadata["r_peak"] = .int(beat.sample)
            if let annotation = beat.annotation { cut.metadata["symbol"] = .string(annotation.symbol) }
            if rhythm != nil { cut.metadata[Self.rrChannelsKey] = .int(RRFeatures.names.count) }
            if rr || template {
                SignalUnits.widen(&cut, leads: layout.channels, template: template, features: rhythm?[beatNumber].values.count ?? 0)
            }
            windows.append(cut)
        }
        return StageOutput(windows, dropped: dropped)
    }

    /// One R peak: its sample, and the annotated beat it is (for a detected peak, the one it matches, if any).
    struct RPeak {
        var sample: Int
        var annotation: Annotation?
    }

    /// The record's R peaks in increasing order, annotated or detected (all of them: the rhythm features are
    /// computed over every beat), and whether the beats are labelled (the record has beat annotations).
    /// Annotated beats that no detected peak matches are counted in `dropped`.
    func beats(of sample: Sample, dropped: inout [String: Int]) throws -> (peaks: [RPeak], labelled: Bool) {
        let annotated = sample.annotations.filter { AAMIClass.beatSymbols.contains($0.symbol) }
        if rr || peaks == .detect {
            guard zip(annotated, annotated.dropFirst()).allSatisfy({ $0.sample < $1.sample }) else {
                throw MedPipeError.malformed(sample.source.description, "beat annotations are not in strictly increasing sample order")
            }
        }
        switch peaks {
        case .annotations:
            guard !annotated.isEmpty else {
                throw MedPipeError.malformed(Self.name, "\(sample.source): the record has no beat annotations; this stage cuts a window at each annotated R peak, read from the record's .atr file (with `peaks: detect` it detects them)")
            }
            return (annotated.map { RPeak(sample: $0.sample, annotation: $0) }, true)
        case .detect:
            guard case .temporal(let frequency)? = sample.geometry else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): R-peak detection needs the signal's sampling frequency")
            }
            let detected = try QRSDetector.peaks(Self.firstLead(of: sample.tensor), frequency: frequency, subject: sample.source.description)
            guard !detected.isEmpty else {
                throw MedPipeError.malformed(Self.name, "\(sample.source): no R peak was detected on the first lead (is it flat or disconnected?)")
            }
            guard !annotated.isEmpty else { return (detected.map { RPeak(sample: $0, annotation: nil) }, false) }
            let matches = Self.match(detected, to: annotated.map(\.sample), window: Int((Self.matchingWindow * frequency).rounded()))
            let missed = annotated.count - matches.compactMap { $0 }.count
            if missed > 0 { dropped["annotated beat not detected", default: 0] += missed }
            return (zip(detected, matches).map { RPeak(sample: $0, annotation: $1.map { annotated[$0] }) }, true)
        }
    }

    /// The first channel of a signal `(samples[, channels])`, in double precision.
    static func firstLead(of tensor: Tensor) -> [Double] {
        let n = tensor.shape[0], channels = tensor.shape.count == 2 ? tensor.shape[1] : 1
        var values = [Double](repeating: 0, count: n * channels)
        values.withUnsafeMutableBufferPointer { tensor.copyDoubles(into: $0.baseAddress!) }
        return stride(from: 0, to: values.count, by: max(channels, 1)).map { values[$0] }
    }

    /// For each detected peak (increasing), the index of the annotated beat (increasing samples) it matches:
    /// the nearest one within `window` samples not taken by an earlier peak, or nil. Matches keep their
    /// order, so an annotated beat passed over by a later match stays unmatched.
    static func match(_ detected: [Int], to annotated: [Int], window: Int) -> [Int?] {
        var next = 0
        return detected.map { peak in
            while next < annotated.count, annotated[next] < peak - window { next += 1 }
            var best: Int?
            var index = next
            while index < annotated.count, annotated[index] <= peak + window {
                if best == nil || abs(annotated[index] - peak) < abs(annotated[best!] - peak) { best = index }
                index += 1
            }
            if let best { next = best + 1 }
            return best
        }
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

extension StagePipeline {
    /// These stages with every `beats` stage cutting at R peaks from `source`. Where the peaks come from decides
    /// which beats there are, not how each is prepared: stages compared for the same preparation (a model's and
    /// a cache's, `--fit-from`'s) are compared with their peaks from one source.
    public func withPeaks(from source: BeatSegmentation.Peaks) -> StagePipeline {
        StagePipeline(stages.map { stage in
            guard case .beats(var beats) = stage else { return stage }
            beats.peaks = source
            return .beats(beats)
        })
    }
}
