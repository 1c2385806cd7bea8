import MedPipeCore

/// Z-score with one mean and standard deviation fitted over every element of every training
/// sample (population std, ddof = 0), then applied to all splits. Float32 out.
public struct DatasetZScore: FittedStage {
    public static let name = "dataset-zscore"

    /// The fitted mean and standard deviation (stored in the cache with the recipe).
    public struct Statistics: Codable, Sendable, Equatable {
        public var mean: Double
        public var std: Double
        public var count: Int
    }

    public init() {}

    public var canonicalParameters: String { CanonicalParameters().text }

    public func fit(_ trainSamples: [Sample]) throws -> Statistics {
        // Chan et al.'s pairwise combination of per-sample (count, mean, M2): stable and one pass per sample.
        var count = 0, mean = 0.0, m2 = 0.0
        for sample in trainSamples {
            let x = sample.tensor.asFloat32()
            let (n, m, s) = x.withUnsafeBufferPointer(as: Float.self) { v -> (Int, Double, Double) in
                let m = v.isEmpty ? 0 : VectorKernels.sum(v) / Double(v.count)
                return (v.count, m, VectorKernels.squaredDeviations(v, mean: m))
            }
            guard n > 0 else { continue }
            let total = count + n
            let delta = m - mean
            mean += delta * Double(n) / Double(total)
            m2 += s + delta * delta * Double(count) * Double(n) / Double(total)
            count = total
        }
        guard count > 0 else { throw MedPipeError.invalidArgument(Self.name, "no training values to fit a mean on") }
        return Statistics(mean: mean, std: (m2 / Double(count)).squareRoot(), count: count)
    }

    public func apply(_ sample: Sample, fitted: Statistics) throws -> Sample {
        let input = sample.tensor.asFloat32()
        let mean = fitted.mean, scale = fitted.std > 0 ? 1 / fitted.std : 1
        let output = Tensor.float32(shape: input.shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { VectorKernels.affine($0, out, mean: mean, scale: scale) }
        }
        return sample.replacing(normalized: output)
    }
}
