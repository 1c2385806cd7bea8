import MedPipeCore

/// Per-lead z-score of a signal `(samples, channels)`: each channel minus its mean, divided by its
/// population standard deviation (ddof = 0), over the sample itself; a flat lead divides by 1.
/// Invalid samples (``InvalidSamples``) count in neither and stay NaN.
/// Float32 out. Trailing channels that a beat segmentation filled with RR features (metadata
/// `rr_channels`) are not leads and are kept as they are. The leads become dimensionless (``LeadUnits/normalized``,
/// WFDB's `NU`).
public struct LeadZScore: Stage {
    public static let name = "lead-zscore"

    public init() {}

    public var canonicalParameters: String { CanonicalParameters().text }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape, layout = try SignalLayout(of: sample, stage: Self.name, nonEmpty: true)
        let n = layout.frames, width = layout.channels
        var kept = 0
        if case .int(let count)? = sample.metadata[BeatSegmentation.rrChannelsKey] { kept = count }
        guard (0..<width).contains(kept) else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): \(kept) RR channels in a signal of \(width) channels")
        }
        let channels = width - kept
        let input = sample.tensor.asFloat32()
        let output = Tensor.float32(shape: shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { x in
                var mean = [Double](repeating: 0, count: channels), squares = mean, valid = mean
                for i in 0..<n { for c in 0..<channels where x[i * width + c].isFinite { mean[c] += Double(x[i * width + c]); valid[c] += 1 } }
                for c in 0..<channels { mean[c] /= max(valid[c], 1) }
                for i in 0..<n {
                    for c in 0..<channels where x[i * width + c].isFinite { let d = Double(x[i * width + c]) - mean[c]; squares[c] += d * d }
                }
                let scale = (0..<channels).map { c -> Double in let std = (squares[c] / max(valid[c], 1)).squareRoot(); return std > 0 ? 1 / std : 1 }
                for i in 0..<n {
                    for c in 0..<channels { out[i * width + c] = Float((Double(x[i * width + c]) - mean[c]) * scale[c]) }
                    for c in channels..<width { out[i * width + c] = x[i * width + c] }
                }
            }
        }
        return StageOutput([sample.replacing(normalized: output)])
    }
}
