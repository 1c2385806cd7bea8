import MedPipeCore

/// Resamples a signal `(samples, channels)` to a target frequency by linear interpolation in time
/// (NumPy's `np.interp` at `t = k / target` over input times `n / source`, edge value beyond the
/// last sample). The output has `⌈n·target/source⌉` samples (the length `resample_poly` gives).
/// Linear interpolation does not low-pass: put a `lowpass` stage first when downsampling.
/// Annotation positions are rescaled (rounded); float32 out.
public struct SignalResample: Stage {
    public static let name = "resample-signal"

    public var frequency: Double

    public init(frequency: Double) throws {
        guard frequency > 0, frequency.isFinite else {
            throw MedPipeError.invalidArgument(Self.name, "target frequency must be positive, got \(frequency)")
        }
        self.frequency = frequency
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(frequency: c.decode(Double.self, forKey: .frequency))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("frequency", frequency)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let source = try SignalLayout.frequency(of: sample, stage: Self.name)
        let shape = sample.tensor.shape, layout = try SignalLayout(of: sample, stage: Self.name, nonEmpty: true)
        let n = layout.frames, channels = layout.channels
        let samples = (Double(n) * frequency / source).rounded(.up)
        try OutputLimit.check([samples, Double(channels)], stage: Self.name, source: sample.source,
                              "resampling \(n) samples at \(source) Hz to \(frequency) Hz")
        let m = Int(samples)
        let ratio = source / frequency
        // A target so low that a signal keeps under two samples (or that a one-sample signal's step overflows) leaves
        // nothing to learn from, and an infinite step would make every position NaN.
        guard m >= min(n, 2), ratio.isFinite else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): resampling \(n) samples at \(source) Hz to \(frequency) Hz leaves \(m) sample\(m == 1 ? "" : "s"): the target frequency is too low for this signal")
        }
        let input = sample.tensor.asFloat32()
        var outShape = shape
        outShape[0] = m
        let output = Tensor.float32(shape: outShape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { x in
                for k in 0..<m {
                    let position = min(Double(k) * ratio, Double(n - 1))
                    let i0 = Int(position.rounded(.down)), i1 = min(i0 + 1, n - 1)
                    let t = position - Double(i0)
                    for c in 0..<channels {
                        let a = Double(x[i0 * channels + c]), b = Double(x[i1 * channels + c])
                        out[k * channels + c] = Float(a + t * (b - a))
                    }
                }
            }
        }
        var result = sample.replacing(tensor: output, geometry: .temporal(frequency: frequency))
        result.annotations = try sample.annotations.map {
            var a = $0
            // An annotation far outside the record (SKIP intervals add up) may land beyond any Int.
            guard let moved = Int(exactly: (Double($0.sample) / ratio).rounded()) else {
                throw MedPipeError.malformed(Self.name, "\(sample.source): annotation at sample \($0.sample) cannot be moved to \(frequency) Hz")
            }
            a.sample = moved
            return a
        }
        return StageOutput([result])
    }
}
