import MedPipeCore

/// DICOM patient geometry (LPS) turned into MedPipe's RAS+ affine, index `(i, j, k)` = (column, row, slice).
enum DICOMGeometry {
    /// The slice normal: row cosines × column cosines.
    static func normal(_ orientation: [Double]) -> [Double] {
        let r = Array(orientation[0..<3]), c = Array(orientation[3..<6])
        return [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
    }

    /// Dot product of two 3-vectors.
    static func dot(_ a: [Double], _ b: [Double]) -> Double { a[0] * b[0] + a[1] * b[1] + a[2] * b[2] }

    /// The affine with columns `rowCosines × columnSpacing`, `columnCosines × rowSpacing`, `sliceStep`
    /// and translation `position`, converted from LPS to RAS by negating the x and y rows
    /// (the nibabel / dcm2niix convention).
    static func affine(orientation: [Double], position: [Double], pixelSpacing: [Double], sliceStep: [Double]) -> Affine {
        let columnSpacing = pixelSpacing[1], rowSpacing = pixelSpacing[0]
        var m = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for axis in 0..<3 {
            let sign: Double = axis < 2 ? -1 : 1
            m[axis][0] = sign * orientation[axis] * columnSpacing
            m[axis][1] = sign * orientation[3 + axis] * rowSpacing
            m[axis][2] = sign * sliceStep[axis]
            m[axis][3] = sign * position[axis]
        }
        m[3] = [0, 0, 0, 1]
        return Affine(matrix: m)
    }

    /// Geometry of one file: spacing `(column, row, slice)` and, with position and orientation, the patient affine.
    /// The slice axis is an enhanced multi-frame image's step between frames when they form a volume, else the normal
    /// times the slice thickness (or the spacing between slices).
    static func single(_ header: DICOMHeader) -> Geometry {
        let pixelSpacing = header.pixelSpacing ?? [1, 1]
        let thickness = header.sliceThickness ?? header.spacingBetweenSlices ?? 1
        let sliceSpacing = header.frameStep.map { dot($0, $0).squareRoot() } ?? thickness
        let spacing = [pixelSpacing[1], pixelSpacing[0], sliceSpacing]
        guard let orientation = header.imageOrientation, let position = header.imagePosition else {
            return .spatial(spacing: spacing, affine: .scaling(spacing))
        }
        let step = header.frameStep ?? normal(orientation).map { $0 * thickness }
        return .spatial(spacing: spacing,
                        affine: affine(orientation: orientation, position: position, pixelSpacing: pixelSpacing, sliceStep: step))
    }
}
