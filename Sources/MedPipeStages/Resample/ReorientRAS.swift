import MedPipeCore

/// Reorients a volume so its voxel axes run R, A, S (nibabel's `as_closest_canonical`): axes are
/// permuted and flipped (no interpolation) and the affine updated so every voxel keeps its world
/// position. The dtype is kept; leading axes (time) are carried along.
///
/// The axis assignment follows nibabel's `io_orientation`: the affine's linear part divided by its
/// voxel sizes is replaced by its closest orthogonal matrix (polar decomposition, computed here by
/// Newton's iteration), then each voxel axis in turn takes the world axis with the largest
/// absolute component not already taken.
public struct ReorientRAS: Stage {
    public static let name = "reorient-ras"

    public init() {}

    public var canonicalParameters: String { CanonicalParameters().text }

    /// For each voxel axis: the world axis it becomes (0 = R, 1 = A, 2 = S) and whether it is flipped.
    public static func orientation(_ affine: Affine, subject: String = name) throws -> [(axis: Int, flip: Bool)] {
        var rs = (0..<3).map { r in (0..<3).map { c in affine.matrix[r][c] } }
        let zooms = affine.voxelSizes
        for c in 0..<3 where zooms[c] > 0 { for r in 0..<3 { rs[r][c] /= zooms[c] } }
        // NaN or infinite entries (a NaN pixdim in an sform) leave no orientation to find.
        guard var rotation = Self.closestOrthogonal(rs), rotation.joined().allSatisfy(\.isFinite) else {
            throw MedPipeError.unsupported(subject, "the affine's linear part is singular or not finite; cannot determine the orientation")
        }
        var result: [(Int, Bool)] = []
        for voxel in 0..<3 {
            let column = (0..<3).map { rotation[$0][voxel] }
            let world = (0..<3).max { abs(column[$0]) < abs(column[$1]) }!
            result.append((world, column[world] < 0))
            for c in 0..<3 { rotation[world][c] = 0 }
        }
        return result
    }

    /// The orthogonal factor of the polar decomposition of a 3×3 matrix, or nil if singular.
    static func closestOrthogonal(_ m: [[Double]]) -> [[Double]]? {
        var x = m
        for _ in 0..<100 {
            guard let inverse = invert3(x) else { return nil }
            var next = x, change = 0.0
            for r in 0..<3 {
                for c in 0..<3 {
                    next[r][c] = 0.5 * (x[r][c] + inverse[c][r])
                    change = max(change, abs(next[r][c] - x[r][c]))
                }
            }
            x = next
            if change < 1e-15 { break }
        }
        return x
    }

    private static func invert3(_ m: [[Double]]) -> [[Double]]? {
        let c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1]
        let c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2]
        let c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0]
        let det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02
        let scale = m.flatMap { $0 }.map(abs).max() ?? 0
        guard abs(det) > 1e-12 * max(scale * scale * scale, .leastNormalMagnitude) else { return nil }
        let inv = 1 / det
        return [
            [c00 * inv, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * inv, (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * inv],
            [c01 * inv, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * inv, (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * inv],
            [c02 * inv, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * inv, (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * inv],
        ]
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        guard case .spatial(let spacing, let affine) = sample.geometry else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs spatial geometry (an affine), the sample has none")
        }
        let shape = sample.tensor.shape
        guard shape.count >= 3 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a volume (…, z, y, x), got shape \(shape)")
        }
        let orientation = try Self.orientation(affine, subject: "\(Self.name): \(sample.source)")
        if orientation.enumerated().allSatisfy({ $0.offset == $0.element.axis && !$0.element.flip }) {
            return StageOutput([sample])
        }
        let lead = shape.count - 3
        let inStrides = StridedGather.strides(of: shape)
        // Tensor axis of voxel axis v is lead + 2 − v.
        var outShape = shape, outStrides = inStrides, base = 0
        var newMatrix = affine.matrix
        var newSpacing = spacing
        for (voxel, target) in orientation.enumerated() {
            let inAxis = lead + 2 - voxel, outAxis = lead + 2 - target.axis
            let n = shape[inAxis]
            outShape[outAxis] = n
            outStrides[outAxis] = target.flip ? -inStrides[inAxis] : inStrides[inAxis]
            if target.flip { base += (n - 1) * inStrides[inAxis] }
            // New voxel axis `target.axis` is old axis `voxel`, reversed when flipped.
            let sign = target.flip ? -1.0 : 1.0
            for r in 0..<3 { newMatrix[r][target.axis] = sign * affine.matrix[r][voxel] }
            if target.flip { for r in 0..<3 { newMatrix[r][3] += affine.matrix[r][voxel] * Double(n - 1) } }
            if voxel < spacing.count, target.axis < newSpacing.count { newSpacing[target.axis] = spacing[voxel] }
        }
        let tensor = StridedGather.gather(sample.tensor, shape: outShape, base: base, strides: outStrides)
        var result = sample.replacing(tensor: tensor, geometry: .spatial(spacing: newSpacing, affine: Affine(matrix: newMatrix)))
        if let mask = sample.mask, mask.shape == shape {
            result.mask = StridedGather.gather(mask, shape: outShape, base: base, strides: outStrides)
        }
        return StageOutput([result])
    }
}
