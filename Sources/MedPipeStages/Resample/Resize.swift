import MedPipeCore

/// Resizes the last two axes (rows, columns) to a given size with bilinear interpolation on the
/// same grid as ``ResampleSpacing`` (scipy `zoom(order=1, grid_mode=True, mode="nearest")`,
/// PyTorch `interpolate(mode="bilinear", align_corners=False)`), without antialiasing. Float32 out.
/// Spatial geometry, when present, is updated for the new pixel size.
public struct Resize: Stage {
    public static let name = "resize"

    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0 else {
            throw MedPipeError.invalidArgument(Self.name, "size must be positive, got \(rows)×\(columns)")
        }
        self.rows = rows
        self.columns = columns
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(rows: c.decode(Int.self, forKey: .rows), columns: c.decode(Int.self, forKey: .columns))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("rows", rows)
        p.add("columns", columns)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard shape.count >= 2 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs at least 2 axes, got shape \(shape)")
        }
        let r = shape.count - 2, c = shape.count - 1
        guard shape[r] > 0, shape[c] > 0 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): cannot resize an empty image of shape \(shape)")
        }
        try OutputLimit.check(shape.dropLast(2).map(Double.init) + [Double(rows), Double(columns)], stage: Self.name, source: sample.source,
                              "resizing \(shape) to \(rows) × \(columns)")
        var tensor = LinearTaps.resample(sample.tensor.asFloat32(), axis: c, to: columns)
        tensor = LinearTaps.resample(tensor, axis: r, to: rows)
        var geometry = sample.geometry
        if case .spatial(var spacing, var affine) = geometry, spacing.count >= 2 {
            for (voxelAxis, (n, m)) in [(0, (shape[c], columns)), (1, (shape[r], rows))] {
                let ratio = Double(n) / Double(m)
                let column = affine.column(voxelAxis)
                affine = affine.setting(column: voxelAxis, to: column.map { $0 * ratio })
                let t = affine.column(3)
                affine = affine.setting(column: 3, to: (0..<3).map { t[$0] + column[$0] * (0.5 * ratio - 0.5) })
                spacing[voxelAxis] *= ratio
            }
            geometry = .spatial(spacing: spacing, affine: affine)
        }
        return StageOutput([sample.replacing(tensor: tensor, geometry: geometry)])
    }
}
