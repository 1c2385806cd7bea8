import Foundation

/// Resamples volumes `[C, D, H, W]`: under rotations about the three axes, a zoom, a shear and a shift about
/// the volume centre (``affine(_:shape:angles:zoom:shear:shift:scratch:)``), or under any map from output
/// voxels to source points (``resample(_:shape:scratch:source:)``, which the 3D elastic warp uses). The 3D
/// counterpart of ``AffineWarp``, with the same conventions.
enum VolumeWarp {
    /// Each output voxel takes the trilinear value at the point that the inverse transform maps it to;
    /// points outside the volume take the nearest border value. The forward map about the centre is
    /// R · zoom · shear, then the shift, with R = R(depth) · R(rows) · R(columns): `angles.depth` turns each
    /// (row, column) slice as ``AffineWarp`` turns an image, `angles.rows` turns the (depth, column) planes and
    /// `angles.columns` the (depth, row) planes (radians; augmentation draws them symmetrically, so only the
    /// direction depends on the sign). `shear` (radians) moves a point tan(shear) × its row offset along the
    /// columns, as in 2D; `zoom` > 1 enlarges the content; `shift` = (depth, rows, columns) in voxels.
    static func affine(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], angles: (depth: Double, rows: Double, columns: Double),
                       zoom: Double, shear: Double = 0, shift: (depth: Double, rows: Double, columns: Double),
                       scratch: UnsafeMutableBufferPointer<Float>) {
        let centre = (1...3).map { Double(shape[$0] - 1) / 2 }
        let rotation = multiply(multiply(planeRotation(1, 2, angles.depth), planeRotation(0, 2, angles.rows)), planeRotation(0, 1, angles.columns))
        // Inverse map: source = Shear⁻¹ · Rᵀ · (output − centre − shift) / zoom + centre, in (depth, row, column) order.
        let m = (0..<3).map { a in (0..<3).map { b in rotation[b][a] / zoom } }
        let k = tan(shear)
        resample(x, shape: shape, scratch: scratch) { i, j, l in
            let v = [Double(i) - centre[0] - shift.depth, Double(j) - centre[1] - shift.rows, Double(l) - centre[2] - shift.columns]
            let s = m.map { $0[0] * v[0] + $0[1] * v[1] + $0[2] * v[2] }
            return (s[0] + centre[0], s[1] + centre[1], s[2] - k * s[1] + centre[2])
        }
    }

    /// Sets each voxel (i, j, l) of every channel to the trilinear value at `source(i, j, l)` = (depth, row,
    /// column), points outside the volume clamped to the border. `scratch` holds at least `x.count` values.
    static func resample(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], scratch: UnsafeMutableBufferPointer<Float>,
                         source: (Int, Int, Int) -> (depth: Double, row: Double, column: Double)) {
        let (d, h, w) = (shape[1], shape[2], shape[3]), plane = h * w, volume = d * plane
        for i in 0..<d {
            for j in 0..<h {
                for l in 0..<w {
                    let point = source(i, j, l)
                    let (z0, z1, fz) = cell(point.depth, d), (y0, y1, fy) = cell(point.row, h), (x0, x1, fx) = cell(point.column, w)
                    for channel in 0..<shape[0] {
                        let p = channel * volume
                        func line(_ z: Int, _ y: Int) -> Float {
                            x[p + z * plane + y * w + x0] * (1 - fx) + x[p + z * plane + y * w + x1] * fx
                        }
                        let near = line(z0, y0) * (1 - fy) + line(z0, y1) * fy
                        let far = line(z1, y0) * (1 - fy) + line(z1, y1) * fy
                        scratch[p + i * plane + j * w + l] = near * (1 - fz) + far * fz
                    }
                }
            }
        }
        for k in 0..<(shape[0] * volume) { x[k] = scratch[k] }
    }

    /// The two neighbouring indices along an axis of `size` around coordinate `t` (clamped to the axis) and
    /// the weight of the upper one.
    private static func cell(_ t: Double, _ size: Int) -> (lower: Int, upper: Int, weight: Float) {
        let clamped = min(max(t, 0), Double(size - 1))
        let lower = min(Int(clamped), max(size - 2, 0))
        return (lower, min(lower + 1, size - 1), Float(clamped - Double(lower)))
    }

    /// The rotation by `angle` in the plane of axes `a` and `b` (turning `a` towards `b`), as a 3 × 3 matrix.
    private static func planeRotation(_ a: Int, _ b: Int, _ angle: Double) -> [[Double]] {
        var r: [[Double]] = (0..<3).map { i in (0..<3).map { i == $0 ? 1 : 0 } }
        r[a][a] = cos(angle); r[a][b] = -sin(angle)
        r[b][a] = sin(angle); r[b][b] = cos(angle)
        return r
    }

    private static func multiply(_ p: [[Double]], _ q: [[Double]]) -> [[Double]] {
        (0..<3).map { (i: Int) -> [Double] in
            (0..<3).map { (j: Int) -> Double in (0..<3).reduce(0.0) { (sum: Double, k: Int) -> Double in sum + p[i][k] * q[k][j] } }
        }
    }
}
