import Foundation

/// Resamples 2D images `[C, H, W]` under a rotation, zoom and shift about the image centre.
enum AffineWarp {
    /// Each output pixel takes the bilinear value at the point that the inverse transform maps it to;
    /// points outside the image take the nearest border value. `zoom` > 1 enlarges the content,
    /// `shift` = (rows, columns) moves it down and right, `angle` (radians) turns it (the sign only sets
    /// the direction; augmentation draws it symmetrically).
    static func apply(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], angle: Double, zoom: Double,
                      shift: (rows: Double, columns: Double), scratch: UnsafeMutableBufferPointer<Float>) {
        let (h, w) = (shape[1], shape[2])
        let cy = Double(h - 1) / 2, cx = Double(w - 1) / 2
        // Inverse map: source = R(−angle)·(output − centre − shift) / zoom + centre, in (row, column) order.
        let c = cos(angle) / zoom, s = sin(angle) / zoom
        for channel in 0..<shape[0] {
            let plane = channel * h * w
            for i in 0..<h {
                let y = Double(i) - cy - shift.rows
                for j in 0..<w {
                    let xx = Double(j) - cx - shift.columns
                    let sy = min(max(c * y + s * xx + cy, 0), Double(h - 1))
                    let sx = min(max(-s * y + c * xx + cx, 0), Double(w - 1))
                    let y0 = min(Int(sy), max(h - 2, 0)), x0 = min(Int(sx), max(w - 2, 0))
                    let y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
                    let fy = Float(sy - Double(y0)), fx = Float(sx - Double(x0))
                    let top = x[plane + y0 * w + x0] * (1 - fx) + x[plane + y0 * w + x1] * fx
                    let bottom = x[plane + y1 * w + x0] * (1 - fx) + x[plane + y1 * w + x1] * fx
                    scratch[i * w + j] = top * (1 - fy) + bottom * fy
                }
            }
            for k in 0..<(h * w) { x[plane + k] = scratch[k] }
        }
    }
}
