/// Linear, bilinear and trilinear resizing of a map, with half-pixel centres and clamped edges
/// (as OpenCV's `INTER_LINEAR` and PyTorch's `interpolate(align_corners=False)`).
public enum Upsampling {
    /// Resizes `values` of `shape` (1 to 3 axes) to `target`, one axis at a time (separable).
    public static func resize(_ values: [Float], shape: [Int], to target: [Int]) -> [Float] {
        precondition(shape.count == target.count && (1...3).contains(shape.count), "resize \(shape) → \(target)")
        var current = values
        var currentShape = shape
        for axis in 0..<shape.count where currentShape[axis] != target[axis] {
            current = resizeAxis(current, shape: currentShape, axis: axis, to: target[axis])
            currentShape[axis] = target[axis]
        }
        return current
    }

    private static func resizeAxis(_ values: [Float], shape: [Int], axis: Int, to size: Int) -> [Float] {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), n = shape[axis]
        var out = [Float](repeating: 0, count: outer * size * inner)
        let scale = Double(n) / Double(size)
        for j in 0..<size {
            let position = max(0, (Double(j) + 0.5) * scale - 0.5)
            let low = min(Int(position), n - 1), high = min(low + 1, n - 1)
            let t = Float(position - Double(low))
            for o in 0..<outer {
                let src = o * n * inner, dst = (o * size + j) * inner
                for i in 0..<inner {
                    out[dst + i] = values[src + low * inner + i] * (1 - t) + values[src + high * inner + i] * t
                }
            }
        }
        return out
    }
}
