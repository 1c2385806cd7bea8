import MedPipeCore

/// Cuts a volume `(z, y, x)` into 2D samples along one tensor axis (0 = slowest, usually slices).
///
/// Each slice keeps the label and group; its source names the slice index; its affine is the
/// volume's with the cut axis moved last and the slice offset folded into the translation, so pixel
/// `(column, row, 0)` keeps its world position. Optionally, constant slices (pure background) are
/// dropped and counted.
public struct SliceExtraction: Stage {
    public static let name = "slices"

    /// Tensor axis to cut along (0, 1 or 2).
    public var axis: Int
    /// Drop slices whose values are all equal.
    public var skipConstant: Bool

    public init(axis: Int = 0, skipConstant: Bool = false) throws {
        guard (0...2).contains(axis) else {
            throw MedPipeError.invalidArgument(Self.name, "axis must be 0, 1 or 2 (tensor order z, y, x), got \(axis)")
        }
        self.axis = axis
        self.skipConstant = skipConstant
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(axis: c.decode(Int.self, forKey: .axis), skipConstant: c.decode(Bool.self, forKey: .skipConstant))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("axis", axis)
        p.add("skip_constant", skipConstant)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let input = sample.tensor
        guard input.shape.count == 3 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a 3-D volume, got shape \(input.shape)")
        }
        let strides = StridedGather.strides(of: input.shape)
        let kept = (0..<3).filter { $0 != axis }
        let sliceShape = kept.map { input.shape[$0] }
        let size = input.dtype.size
        var samples: [Sample] = []
        samples.reserveCapacity(input.shape[axis])
        var constant = 0
        for s in 0..<input.shape[axis] {
            let tensor = StridedGather.gather(input, shape: sliceShape, base: s * strides[axis], strides: kept.map { strides[$0] })
            if skipConstant, tensor.bytes.count >= size,
               tensor.bytes.withUnsafeBytes({ raw in
                   (size..<raw.count).allSatisfy { raw[$0] == raw[$0 % size] }
               }) {
                constant += 1
                continue
            }
            var slice = sample.replacing(tensor: tensor, geometry: geometry(sample.geometry, slice: s))
            slice.source = sample.source.narrowed(to: "slice", index: s)
            slice.mask = nil
            samples.append(slice)
        }
        return StageOutput(samples, dropped: constant > 0 ? ["constant slice": constant] : [:])
    }

    /// The slice's geometry: voxel axes (fast kept, slow kept, cut), translation at the slice.
    private func geometry(_ geometry: Geometry?, slice s: Int) -> Geometry? {
        guard case .spatial(let spacing, let affine) = geometry, spacing.count >= 3 else { return geometry }
        let cut = 2 - axis
        let keptVoxel = (0..<3).filter { $0 != cut }  // ascending: fastest remaining first
        let order = keptVoxel + [cut]
        var m = (0..<4).map { r in (0..<4).map { c in r == c ? 1.0 : 0.0 } }
        for (c, v) in order.enumerated() { for r in 0..<3 { m[r][c] = affine.matrix[r][v] } }
        for r in 0..<3 { m[r][3] = affine.matrix[r][3] + affine.matrix[r][cut] * Double(s) }
        return .spatial(spacing: order.map { spacing[$0] }, affine: Affine(matrix: m))
    }
}
