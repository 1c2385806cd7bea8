import MedPipeCore

/// Elastic deformation of 2D images `[C, H, W]` (MONAI `Rand2DElastic(spacing, magnitude_range)`) and of
/// volumes `[C, D, H, W]` (`Rand3DElastic`): random displacements on a coarse control grid, upsampled smoothly
/// to every pixel, then a bilinear (trilinear) resampling with the border repeated
/// (``AffineWarp/resample(_:shape:scratch:source:)``, ``VolumeWarp/resample(_:shape:scratch:source:)``).
enum ElasticWarp {
    /// Moves every pixel by a smooth random field: the control points lie every `spacing` pixels along
    /// both axes (one more beyond each edge), each displaced by `magnitude` × N(0, 1) rows and columns
    /// (drawn from `rng`), and the field between them is their uniform cubic B-spline (C²-smooth, no
    /// larger than the largest control displacement). `magnitude` 0 leaves the image unchanged.
    static func apply(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], spacing: Double, magnitude: Double,
                      scratch: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) {
        let (h, w) = (shape[1], shape[2])
        // Control points −1 ... n + 2 along each axis cover the last pixel's four B-spline neighbours.
        let rows = Int((Double(h - 1) / spacing).rounded(.up)) + 4, columns = Int((Double(w - 1) / spacing).rounded(.up)) + 4
        var dy = [Double](repeating: 0, count: rows * columns), dx = dy
        for k in 0..<(rows * columns) {
            let (a, b) = rng.normalPair()
            dy[k] = magnitude * a
            dx[k] = magnitude * b
        }
        let rowWeights = (0..<h).map { weights(Double($0) / spacing) }
        let columnWeights = (0..<w).map { weights(Double($0) / spacing) }
        AffineWarp.resample(x, shape: shape, scratch: scratch) { i, j in
            let (r0, wr) = rowWeights[i], (c0, wc) = columnWeights[j]
            var sy = 0.0, sx = 0.0
            for a in 0..<4 {
                for b in 0..<4 {
                    let k = (r0 + a) * columns + c0 + b, weight = wr[a] * wc[b]
                    sy += weight * dy[k]
                    sx += weight * dx[k]
                }
            }
            return (Double(i) + sy, Double(j) + sx)
        }
    }

    /// The volume counterpart of ``apply(_:shape:spacing:magnitude:scratch:rng:)`` for `[C, D, H, W]`
    /// (MONAI `Rand3DElastic`): control points every `spacing` voxels along all three axes, each displaced by
    /// `magnitude` × N(0, 1) along depth, rows and columns, the field their tricubic B-spline, a trilinear
    /// resampling (``VolumeWarp/resample(_:shape:scratch:source:)``). `magnitude` 0 leaves the volume unchanged.
    static func applyVolume(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], spacing: Double, magnitude: Double,
                            scratch: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) {
        let counts = (1...3).map { Int((Double(shape[$0] - 1) / spacing).rounded(.up)) + 4 }
        let points = counts[0] * counts[1] * counts[2]
        var field = [Double](repeating: 0, count: 3 * points)  // (depth, row, column) displacement of each control point
        var k = 0
        while k < field.count {
            let (a, b) = rng.normalPair()
            field[k] = magnitude * a
            if k + 1 < field.count { field[k + 1] = magnitude * b }
            k += 2
        }
        let axisWeights = (1...3).map { axis in (0..<shape[axis]).map { weights(Double($0) / spacing) } }
        VolumeWarp.resample(x, shape: shape, scratch: scratch) { i, j, l in
            let (d0, wd) = axisWeights[0][i], (r0, wr) = axisWeights[1][j], (c0, wc) = axisWeights[2][l]
            var sz = 0.0, sy = 0.0, sx = 0.0
            for a in 0..<4 {
                for b in 0..<4 {
                    for c in 0..<4 {
                        let point = ((d0 + a) * counts[1] + r0 + b) * counts[2] + c0 + c, weight = wd[a] * wr[b] * wc[c]
                        sz += weight * field[3 * point]
                        sy += weight * field[3 * point + 1]
                        sx += weight * field[3 * point + 2]
                    }
                }
            }
            return (Double(i) + sz, Double(j) + sy, Double(l) + sx)
        }
    }

    /// The first of the four control points (as an index into the grid that starts at point −1) and the
    /// cubic B-spline weights of the four at grid coordinate `t` ≥ 0.
    private static func weights(_ t: Double) -> (first: Int, weights: [Double]) {
        let cell = Int(t), u = t - Double(cell), v = 1 - u
        return (cell, [v * v * v / 6, (3 * u * u * u - 6 * u * u + 4) / 6, (-3 * u * u * u + 3 * u * u + 3 * u + 1) / 6, u * u * u / 6])
    }
}
