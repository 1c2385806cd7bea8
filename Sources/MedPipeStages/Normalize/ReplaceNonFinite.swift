import MedPipeCore

/// Replaces every value that is not a finite number (NaN, an infinity) by `value`: the voxels outside the tissue
/// that NIfTI volumes and parametric maps often hold as NaN, or a WFDB lead's invalid samples, for the stages and
/// models after it, which take every value as a number (one NaN through `zscore` makes a whole volume NaN, and
/// training refuses it). Put it first. Float samples keep their type; integer samples hold none and pass as they are.
public struct ReplaceNonFinite: Stage {
    public static let name = "replace-nonfinite"

    public var value: Double

    /// - Throws: `.invalidArgument` unless `value` is finite in float32 too: 1e308 put infinities in place of the
    ///   non-finite values of a float32 sample.
    public init(value: Double = 0) throws {
        guard value.isFinite, Float(value).isFinite else {
            throw MedPipeError.invalidArgument(Self.name, "value must be a finite number within float32's range (±\(Float.greatestFiniteMagnitude)), got \(value)")
        }
        self.value = value
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(value: c.decode(Double.self, forKey: .value))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("value", value)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let tensor = sample.tensor
        guard tensor.nonFiniteCount > 0 else { return StageOutput([sample]) }
        func replaced<T: TensorScalar & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let fill = T(value)
            return Tensor(shape: tensor.shape, values: tensor.values(as: T.self).map { $0.isFinite ? $0 : fill })
        }
        return StageOutput([sample.replacing(tensor: tensor.dtype == .float64 ? replaced(Double.self) : replaced(Float.self))])
    }
}
