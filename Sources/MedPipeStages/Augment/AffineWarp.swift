import Foundation

/// Resamples 2D images `[C, H, W]`: under a rotation, zoom, shear and shift about the image centre
/// (``apply(_:shape:angle:zoom:shear:shift:scratch:)``), or under any map from output pixels to source
/// points (``resample(_:shape:scratch:source:)``, which the elastic warp uses).
enum AffineWarp {
    /// Each output pixel takes the bilinear value at the point that the inverse transform maps it to;
    /// points outside the image take the nearest border value. The forward map about the centre is
    /// rotation · zoom · shear, then the shift: `shear` (radians) moves a point tan(shear) × its row offset
    /// from the centre along the columns; `zoom` > 1 enlarges the content, `shift` = (rows, columns) moves it
    /// down and right, `angle` (radians) turns it (the sign only sets the direction; augmentation draws
    /// angles symmetrically).
    static func apply(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], angle: Double, zoom: Double, shear: Double = 0,
                      shift: (rows: Double, columns: Double), scratch: UnsafeMutableBufferPointer<Float>) {
        let cy = Double(shape[1] - 1) / 2, cx = Double(shape[2] - 1) / 2
        // Inverse map: source = Shear⁻¹ · R(−angle) · (output − centre − shift) / zoom + centre, in (row, column) order.
        let c = cos(angle) / zoom, s = sin(angle) / zoom, k = tan(shear)
        resample(x, shape: shape, scratch: scratch) { i, j in
            let y = Double(i) - cy - shift.rows, xx = Double(j) - cx - shift.columns
            let row = c * y + s * xx, column = -s * y + c * xx
            return (row + cy, column - k * row + cx)
        }
    }

    /// Sets each pixel (i, j) of every channel to the bilinear value at `source(i, j)` = (row, column),
    /// points outside the image clamped to the border. `scratch` holds at least `x.count` values.
    static func resample(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], scratch: UnsafeMutableBufferPointer<Float>,
                         source: (Int, Int) -> (row: Double, column: Double)) {
        let (h, w) = (shape[1], shape[2]), plane = h * w
        for i in 0..<h {
            for j in 0..<w {
                let (row, column) = source(i, j)
                let sy = min(max(row, 0), Double(h - 1)), sx = min(max(column, 0), Double(w - 1))
                let y0 = min(Int(sy), max(h - 2, 0)), x0 = min(Int(sx), max(w - 2, 0))
                let y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
                let fy = Float(sy - Double(y0)), fx = Float(sx - Double(x0))
                for channel in 0..<shape[0] {
                    let p = channel * plane
                    let top = x[p + y0 * w + x0] * (1 - fx) + x[p + y0 * w + x1] * fx
                    let bottom = x[p + y1 * w + x0] * (1 - fx) + x[p + y1 * w + x1] * fx
                    scratch[p + i * w + j] = top * (1 - fy) + bottom * fy
                }
            }
        }
        for k in 0..<(shape[0] * plane) { x[k] = scratch[k] }
    }
}
