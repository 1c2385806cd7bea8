import MedPipeCore

/// Clips values to the `[lower, upper]` percentiles of the sample (NumPy's default linear
/// percentile), optionally computed over non-zero values only. Values keep their scale; float32 out.
public struct PercentileClip: Stage {
    public static let name = "percentile-clip"

    public var lower: Double
    public var upper: Double
    /// Compute the percentiles over non-zero values only (background excluded); zeros stay 0.
    public var nonZeroOnly: Bool

    /// - Throws: `.invalidArgument` unless `0 ≤ lower < upper ≤ 100`.
    public init(lower: Double = 0.5, upper: Double = 99.5, nonZeroOnly: Bool = false) throws {
        guard lower >= 0, upper <= 100, lower < upper else {
            throw MedPipeError.invalidArgument(Self.name, "percentiles must satisfy 0 ≤ lower < upper ≤ 100 (got \(lower), \(upper))")
        }
        self.lower = lower
        self.upper = upper
        self.nonZeroOnly = nonZeroOnly
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(lower: c.decode(Double.self, forKey: .lower), upper: c.decode(Double.self, forKey: .upper), nonZeroOnly: c.decode(Bool.self, forKey: .nonZeroOnly))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("lower", lower)
        p.add("upper", upper)
        p.add("nonzero", nonZeroOnly)
        return p.text
    }

    /// The clipping bounds for a sample.
    public func bounds(_ tensor: Tensor) throws -> (low: Double, high: Double) {
        var values = tensor.asFloat32().values(as: Float.self)
        values.removeAll { $0.isNaN || (nonZeroOnly && $0 == 0) }
        guard !values.isEmpty else {
            throw MedPipeError.invalidArgument(Self.name, "no \(nonZeroOnly ? "non-zero " : "")values to compute percentiles over")
        }
        let p = Percentile.compute(&values, [lower, upper])
        return (p[0], p[1])
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let (low, high) = try bounds(sample.tensor)
        let input = sample.tensor.asFloat32()
        let lo = Float(low), hi = Float(high), keepZeros = nonZeroOnly
        let output = Tensor.float32(shape: input.shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { source in
                for i in 0..<source.count {
                    let v = source[i]
                    out[i] = keepZeros && v == 0 ? 0 : min(max(v, lo), hi)
                }
            }
        }
        var result = sample.replacing(tensor: output)
        result.metadata["percentile_clip"] = .doubles([low, high])
        return StageOutput([result])
    }
}
