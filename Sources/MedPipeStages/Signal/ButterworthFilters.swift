import MedPipeCore

/// Applies a zero-phase Butterworth filter to every channel of a signal `(samples, channels)`
/// with `.temporal(frequency)` geometry; float32 out. Shared by the band-, high- and low-pass stages. The units stay;
/// the high- and band-pass filters, which pass nothing at 0 Hz, remove the offset of digital values (``SignalUnits``).
enum SignalFiltering {
    static func run(_ sample: Sample, kind: Butterworth.Kind, order: Int, cutoffs: [Double], stage: String) throws -> StageOutput {
        let fs = try SignalLayout.frequency(of: sample, stage: stage)
        let shape = sample.tensor.shape, layout = try SignalLayout(of: sample, stage: stage)
        // A record sampled too slowly for the stage (or a multi-frequency record, read at its frame rate) was told of as
        // the filter design's "cutoffs must be between 0 and the Nyquist frequency", naming no stage and no record's rate.
        if let cutoff = cutoffs.max(), !(cutoff < fs / 2) {
            throw MedPipeError.invalidArgument(stage, "\(sample.source): the signal is sampled at \(fs) Hz, too slowly for a cutoff at \(cutoff) Hz, which must lie below half the sampling frequency (\(fs / 2) Hz)")
        }
        let filter = ZeroPhaseFilter(sections: try Butterworth.design(order: order, cutoffs: cutoffs, kind: kind, sampleRate: fs))
        let n = layout.frames, channels = layout.channels
        var values = [Double](repeating: 0, count: n * channels)
        values.withUnsafeMutableBufferPointer { sample.tensor.copyDoubles(into: $0.baseAddress!) }
        let output: Tensor
        do {
            output = try Tensor.float32(shape: shape) { out in
                try values.withUnsafeBufferPointer { x in try filter.filter(x, samples: n, channels: channels, into: out, subject: stage) }
            }
        } catch let error as MedPipeError {
            // Named as the stage's other errors are: the stage, then the sample (it named `bandpass: SAMPLE`, which
            // `predict` then told after the input again).
            throw MedPipeError(error.kind, stage, "\(sample.source): \(error.message)")
        }
        var filtered = sample.replacing(tensor: output)
        if kind != .lowpass { SignalUnits.removeOffset(&filtered) }
        return StageOutput([filtered])
    }
}

/// Zero-phase Butterworth band-pass (`scipy.signal.butter(order, [low, high], "bandpass", fs=fs,
/// output="sos")` then `sosfiltfilt`); the effective order is doubled by the forward-backward pass.
public struct BandPass: Stage {
    public static let name = "bandpass"
    public var low: Double
    public var high: Double
    public var order: Int

    public init(low: Double, high: Double, order: Int = 2) throws {
        guard low > 0, high > low, Butterworth.orders.contains(order) else {
            throw MedPipeError.invalidArgument(Self.name, "needs 0 < low < high and an order from \(Butterworth.orders.lowerBound) to \(Butterworth.orders.upperBound) (got \(low), \(high), order \(order))")
        }
        self.low = low
        self.high = high
        self.order = order
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(low: c.decode(Double.self, forKey: .low), high: c.decode(Double.self, forKey: .high), order: c.decode(Int.self, forKey: .order))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("low", low)
        p.add("high", high)
        p.add("order", order)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        try SignalFiltering.run(sample, kind: .bandpass, order: order, cutoffs: [low, high], stage: Self.name)
    }
}

/// A zero-phase Butterworth filter with one cutoff: the high- and low-pass stages.
public protocol CutoffFilter: Stage {
    /// Which side of the cutoff passes.
    static var kind: Butterworth.Kind { get }
    var cutoff: Double { get }
    var order: Int { get }
}

extension CutoffFilter {
    /// Fails unless `cutoff > 0` and the order is one of ``Butterworth/orders``.
    static func validate(cutoff: Double, order: Int) throws {
        guard cutoff > 0, Butterworth.orders.contains(order) else {
            throw MedPipeError.invalidArgument(name, "needs cutoff > 0 and an order from \(Butterworth.orders.lowerBound) to \(Butterworth.orders.upperBound) (got \(cutoff), order \(order))")
        }
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("cutoff", cutoff)
        p.add("order", order)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        try SignalFiltering.run(sample, kind: Self.kind, order: order, cutoffs: [cutoff], stage: Self.name)
    }
}

/// Zero-phase Butterworth high-pass (baseline wander removal, e.g. 0.5 Hz).
public struct HighPass: CutoffFilter {
    public static let name = "highpass"
    public static let kind = Butterworth.Kind.highpass
    public var cutoff: Double
    public var order: Int

    public init(cutoff: Double, order: Int = 2) throws {
        try Self.validate(cutoff: cutoff, order: order)
        self.cutoff = cutoff
        self.order = order
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(cutoff: c.decode(Double.self, forKey: .cutoff), order: c.decode(Int.self, forKey: .order))
    }
}

/// Zero-phase Butterworth low-pass (e.g. before downsampling).
public struct LowPass: CutoffFilter {
    public static let name = "lowpass"
    public static let kind = Butterworth.Kind.lowpass
    public var cutoff: Double
    public var order: Int

    public init(cutoff: Double, order: Int = 4) throws {
        try Self.validate(cutoff: cutoff, order: order)
        self.cutoff = cutoff
        self.order = order
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(cutoff: c.decode(Double.self, forKey: .cutoff), order: c.decode(Int.self, forKey: .order))
    }
}
