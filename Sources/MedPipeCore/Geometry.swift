/// A 4×4 affine that maps voxel indices `(i, j, k)` — column, row, slice, i.e. NIfTI's `(x, y, z)` —
/// to world coordinates in millimetres, RAS+ (nibabel's convention; DICOM's LPS is converted).
public struct Affine: Sendable, Equatable, Codable {
    /// Row-major 4×4 matrix; the last row is `[0, 0, 0, 1]`.
    public var matrix: [[Double]]

    public init(matrix: [[Double]]) {
        precondition(matrix.count == 4 && matrix.allSatisfy { $0.count == 4 }, "an affine is 4×4")
        self.matrix = matrix
    }

    /// A diagonal affine with the given voxel sizes and no translation.
    public static func scaling(_ spacing: [Double]) -> Affine {
        var m = (0..<4).map { r in (0..<4).map { c in r == c ? 1.0 : 0.0 } }
        for (axis, size) in spacing.prefix(3).enumerated() { m[axis][axis] = size }
        return Affine(matrix: m)
    }

    /// World position of a voxel index.
    public func apply(_ index: [Double]) -> [Double] {
        (0..<3).map { (r: Int) -> Double in (0..<3).reduce(matrix[r][3]) { (sum: Double, c: Int) -> Double in sum + matrix[r][c] * index[c] } }
    }

    /// Voxel sizes: the length of each of the first three columns.
    public var voxelSizes: [Double] {
        (0..<3).map { (c: Int) -> Double in (0..<3).reduce(0.0) { (sum: Double, r: Int) -> Double in sum + matrix[r][c] * matrix[r][c] }.squareRoot() }
    }

    /// Orientation codes of the three voxel axes, e.g. `["R", "A", "S"]` (nibabel's `aff2axcodes`).
    public var axisCodes: [String] {
        let positive = ["R", "A", "S"], negative = ["L", "P", "I"]
        return (0..<3).map { c in
            let column = (0..<3).map { matrix[$0][c] }
            let r = (0..<3).max { abs(column[$0]) < abs(column[$1]) }!
            return column[r] >= 0 ? positive[r] : negative[r]
        }
    }
}

/// Where the samples of a ``Record`` sit in space or time.
public enum Geometry: Sendable, Equatable, Codable {
    /// An image or volume: voxel sizes in mm for `(x, y, z[, t])` and the index-to-world affine.
    case spatial(spacing: [Double], affine: Affine)
    /// A multichannel signal sampled at `frequency` Hz.
    case temporal(frequency: Double)
}
