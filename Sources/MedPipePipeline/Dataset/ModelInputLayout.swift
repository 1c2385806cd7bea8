import MedPipeCore

/// Arranges a cached sample's values in the layout a network takes: channels first.
///
/// Signals are stored `(samples, leads)` and become `(leads, samples)`; gray images `(rows, cols)`
/// become `(1, rows, cols)`; colour images `(rows, cols, 3)` become `(3, rows, cols)`; volumes
/// `(slices, rows, cols)` become `(1, slices, rows, cols)`; table rows `(features)` stay as they are.
public enum ModelInputLayout {
    /// The channels-first shape and float32 values of a sample tensor with the given geometry.
    public static func arrange(_ tensor: Tensor, geometry: Geometry?) -> (shape: [Int], values: [Float]) {
        let values = tensor.floatValues()
        let shape = tensor.shape
        switch (geometry, shape.count) {
        case (.temporal?, 2):
            return ([shape[1], shape[0]], transpose(values, rows: shape[0], columns: shape[1]))
        case (_, 3) where shape[2] == 3 || shape[2] == 4:
            if case .spatial(let spacing, _)? = geometry, spacing.count >= 3 { return ([1] + shape, values) }
            return ([shape[2], shape[0], shape[1]], transpose(values, rows: shape[0] * shape[1], columns: shape[2]))
        case (_, 2), (_, 3):
            return ([1] + shape, values)
        default:
            return (shape, values)
        }
    }

    private static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, count in
            for r in 0..<rows {
                for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
            }
            count = values.count
        }
    }
}
