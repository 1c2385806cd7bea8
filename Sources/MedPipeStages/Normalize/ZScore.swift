import MedPipeCore

/// Which voxels a per-sample statistic is computed over.
public enum NormalizationRegion: String, Sendable, Codable, Equatable {
    /// Every element.
    case all
    /// Non-zero elements only (MR background excluded); zeros stay 0.
    case nonZero = "nonzero"
    /// Elements where the sample's ``Sample/mask`` is non-zero; elements outside become 0.
    case mask
}

/// Per-sample z-score: `(x − mean) / std` with the population standard deviation (ddof = 0),
/// computed in double precision over the chosen region. With `nonzero` or `mask`, only elements in
/// the region are normalized and the others are set to 0. A constant region divides by 1.
public struct ZScore: Stage {
    public static let name = "zscore"

    public var region: NormalizationRegion

    public init(region: NormalizationRegion = .all) { self.region = region }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("over", region.rawValue)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let input = sample.tensor.asFloat32()
        var maskValues: Tensor?
        if region == .mask {
            guard let mask = sample.mask else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): 'over: mask' needs a mask, and the sample has none")
            }
            guard mask.shape == input.shape else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): mask shape \(mask.shape) differs from tensor shape \(input.shape)")
            }
            maskValues = mask.asFloat32()
        }
        let region = self.region
        let output = try Tensor.float32(shape: input.shape) { out in
            try input.withUnsafeBufferPointer(as: Float.self) { x in
                try withRegion(maskValues) { mask in
                    // The region's selector: the values themselves (non-zero), the mask, or none (all).
                    let selector = region == .nonZero ? x : mask
                    let (sum, n) = selector.map { VectorKernels.maskedSum(x, selector: $0) } ?? (VectorKernels.sum(x), x.count)
                    guard n > 0 else {
                        throw MedPipeError.invalidArgument(Self.name, "\(sample.source): the region '\(region.rawValue)' is empty")
                    }
                    let mean = sum / Double(n)
                    let squares = selector.map { VectorKernels.maskedSquaredDeviations(x, selector: $0, mean: mean) }
                        ?? VectorKernels.squaredDeviations(x, mean: mean)
                    let std = (squares / Double(n)).squareRoot()
                    let scale = std > 0 ? 1 / std : 1
                    if let selector {
                        VectorKernels.maskedAffine(x, selector: selector, out, mean: mean, scale: scale)
                    } else {
                        VectorKernels.affine(x, out, mean: mean, scale: scale)
                    }
                }
            }
        }
        return StageOutput([sample.replacing(normalized: output)])
    }

    private func withRegion<R>(_ mask: Tensor?, _ body: (UnsafeBufferPointer<Float>?) throws -> R) rethrows -> R {
        guard let mask else { return try body(nil) }
        return try mask.withUnsafeBufferPointer(as: Float.self) { try body($0) }
    }
}
