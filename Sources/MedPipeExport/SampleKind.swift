import MedPipeCore

/// What a cached sample is, from its shape and geometry; decides which formats can hold it.
public enum SampleKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `(rows, columns)` or `(rows, columns, 1-4 channels)`.
    case image
    /// `(slices, rows, columns)` or `(t, slices, rows, columns)` with spatial geometry.
    case volume
    /// `(samples, channels)` with temporal geometry.
    case signal
    /// `(features)`: one table row.
    case table

    /// The kind of a tensor of `shape` with `geometry` (the conventions of ``Tensor`` and ``ModelInputLayout``).
    public init?(shape: [Int], geometry: Geometry?) {
        switch (geometry, shape.count) {
        case (.temporal?, 1), (.temporal?, 2): self = .signal
        case (_, 1): self = .table
        case (_, 2): self = .image
        case (.spatial(let spacing, _)?, 3) where spacing.count >= 3: self = .volume
        case (_, 3) where (1...4).contains(shape[2]): self = .image
        case (_, 3), (.spatial?, 4): self = .volume
        default: return nil
        }
    }

    public var description: String { rawValue }
}
