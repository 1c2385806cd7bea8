import MedPipeCore

/// Per-lead z-score of a signal `(samples, channels)`: each channel minus its mean, divided by its
/// population standard deviation (ddof = 0), over the sample itself; a flat lead divides by 1.
/// Float32 out.
public struct LeadZScore: Stage {
    public static let name = "lead-zscore"

    public init() {}

    public var canonicalParameters: String { CanonicalParameters().text }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard (1...2).contains(shape.count), shape[0] > 0 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a non-empty signal (samples, channels), got shape \(shape)")
        }
        let n = shape[0], channels = shape.count == 2 ? shape[1] : 1
        let input = sample.tensor.asFloat32()
        let output = Tensor.float32(shape: shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { x in
                var mean = [Double](repeating: 0, count: channels), squares = mean
                for i in 0..<n { for c in 0..<channels { mean[c] += Double(x[i * channels + c]) } }
                for c in 0..<channels { mean[c] /= Double(n) }
                for i in 0..<n { for c in 0..<channels { let d = Double(x[i * channels + c]) - mean[c]; squares[c] += d * d } }
                let scale = squares.map { s -> Double in let std = (s / Double(n)).squareRoot(); return std > 0 ? 1 / std : 1 }
                for i in 0..<n { for c in 0..<channels { out[i * channels + c] = Float((Double(x[i * channels + c]) - mean[c]) * scale[c]) } }
            }
        }
        return StageOutput([sample.replacing(tensor: output)])
    }
}
