import MedPipeCore

/// Rescales each sample linearly so its minimum becomes 0 and its maximum 1 (float32 out).
/// A constant sample becomes all zeros.
public struct MinMax: Stage {
    public static let name = "minmax"

    public init() {}

    public var canonicalParameters: String { CanonicalParameters().text }

    public func run(_ sample: Sample) throws -> StageOutput {
        let input = sample.tensor.asFloat32()
        let output = Tensor.float32(shape: input.shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { source in
                guard let first = source.first else { return }
                var lo = first, hi = first
                for v in source { lo = min(lo, v); hi = max(hi, v) }
                let range = Double(hi) - Double(lo)
                let scale = range > 0 ? 1 / range : 0
                for i in 0..<source.count { out[i] = Float((Double(source[i]) - Double(lo)) * scale) }
            }
        }
        return StageOutput([sample.replacing(normalized: output)])
    }
}
