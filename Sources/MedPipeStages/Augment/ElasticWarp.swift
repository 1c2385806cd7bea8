import MedPipeCore

/// Elastic deformation of 2D images `[C, H, W]` (MONAI `Rand2DElastic(spacing, magnitude_range)`): random
/// displacements on a coarse control grid, upsampled smoothly to every pixel, then a bilinear resampling
/// with the border repeated (``AffineWarp/resample(_:shape:scratch:source:)``).
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

    /// The first of the four control points (as an index into the grid that starts at point −1) and the
    /// cubic B-spline weights of the four at grid coordinate `t` ≥ 0.
    private static func weights(_ t: Double) -> (first: Int, weights: [Double]) {
        let cell = Int(t), u = t - Double(cell), v = 1 - u
        return (cell, [v * v * v / 6, (3 * u * u * u - 6 * u * u + 4) / 6, (-3 * u * u * u + 3 * u * u + 3 * u + 1) / 6, u * u * u / 6])
    }
}
