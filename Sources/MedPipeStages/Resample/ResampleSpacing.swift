import MedPipeCore

/// Resamples an image or volume to a target voxel spacing with (tri)linear interpolation.
///
/// The output extent along voxel axis `v` is `max(1, round(n·s/t))` (`s` the current spacing,
/// `t` the target, rounding half away from zero); the grid is scipy's
/// `ndimage.zoom(order=1, grid_mode=True, mode="nearest")` (see ``LinearTaps``), so the actual
/// spacing is `s·n/m`, within half a voxel of `t`. The affine is updated so every output voxel
/// centre keeps its world position. Float32 out; separable (one pass per axis).
public struct ResampleSpacing: Stage {
    public static let name = "resample-spacing"

    /// Target spacing in mm for voxel axes `(x, y[, z])`.
    public var spacing: [Double]

    /// - Throws: `.invalidArgument` unless 2 or 3 positive spacings are given.
    public init(spacing: [Double]) throws {
        guard (2...3).contains(spacing.count), spacing.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw MedPipeError.invalidArgument(Self.name, "target spacing must be 2 or 3 positive numbers (x, y[, z]), got \(spacing)")
        }
        self.spacing = spacing
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(spacing: c.decode([Double].self, forKey: .spacing))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("spacing", spacing)
        return p.text
    }

    /// The output spatial extents (tensor order) for an input layout and current spacing.
    /// - Throws: `.malformed` when a current spacing (read from the file: pixdim, Pixel Spacing,
    ///   Slice Thickness) is not a positive finite number, or when the output would hold more than
    ///   ``OutputLimit/maximumValues`` values (a spacing of 1e38).
    func outputExtents(_ layout: SpatialLayout, current: [Double], source: SourceReference) throws -> [Int] {
        let extents = try (0..<layout.spatialRank).map { a in
            let v = layout.voxelAxis(ofSpatial: a)
            guard current[v].isFinite, current[v] > 0 else {
                throw MedPipeError.malformed(Self.name, "\(source): voxel spacing \(current) is not positive and finite along axis \(v)")
            }
            return max(1, (Double(layout.spatial[a]) * current[v] / spacing[v]).rounded())
        }
        try OutputLimit.check([Double(layout.batch)] + extents, stage: Self.name, source: source,
                              "resampling \(layout.spatial) voxels of \(current) mm to \(spacing) mm")
        return extents.map { Int($0) }
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        guard case .spatial(let current, let affine) = sample.geometry else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs spatial geometry (voxel spacing), the sample has none")
        }
        let layout = try SpatialLayout(sample.tensor.shape, stage: Self.name)
        guard spacing.count == layout.spatialRank, current.count >= layout.spatialRank else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): \(spacing.count) target spacings for a \(layout.spatialRank)-D tensor with spacing \(current)")
        }
        let extents = try outputExtents(layout, current: current, source: sample.source)
        let tensor: Tensor
        if layout.spatialRank == 3 {
            tensor = VolumeResampling.resample(sample.tensor, to: extents)
        } else {
            // The first pass that changes an extent reads the stored values and writes float32.
            var image = sample.tensor
            let offset = layout.leading.count
            for a in (0..<layout.spatialRank).reversed() {
                image = LinearTaps.resample(image, axis: offset + a, to: extents[a])
            }
            tensor = image.asFloat32()
        }
        var newAffine = affine, newSpacing = current
        for a in 0..<layout.spatialRank {
            let v = layout.voxelAxis(ofSpatial: a)
            let ratio = Double(layout.spatial[a]) / Double(extents[a])
            let column = affine.column(v)
            newAffine = newAffine.setting(column: v, to: column.map { $0 * ratio })
            let shift = 0.5 * ratio - 0.5
            let translation = newAffine.column(3)
            newAffine = newAffine.setting(column: 3, to: (0..<3).map { translation[$0] + column[$0] * shift })
            newSpacing[v] = current[v] * ratio
        }
        return StageOutput([sample.replacing(tensor: tensor, geometry: .spatial(spacing: newSpacing, affine: newAffine))])
    }
}
