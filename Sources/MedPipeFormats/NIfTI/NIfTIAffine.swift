import MedPipeCore

/// The voxel-to-world affine nibabel reports as `img.affine` (`Nifti1Header.get_best_affine`).
enum NIfTIAffine {
    /// sform when `sform_code` > 0, else the qform quaternion when `qform_code` > 0,
    /// else nibabel's base affine (x flipped, origin at the volume centre).
    static func best(_ header: NIfTIHeader) -> Affine {
        if header.sformCode != 0 {
            return Affine(matrix: header.srow + [[0, 0, 0, 1]])
        }
        if header.qformCode != 0 {
            return qform(header)
        }
        return base(dims: header.dims, pixdim: header.pixdim)
    }

    /// The qform: rotation from the quaternion (b, c, d) with w ≥ 0, scaled by pixdim[1...3]
    /// (the last one times qfac), translated by qoffset — as nibabel's `get_qform`.
    static func qform(_ header: NIfTIHeader) -> Affine {
        let (b, c, d) = (header.quaternion[0], header.quaternion[1], header.quaternion[2])
        let w2 = 1 - (b * b + c * c + d * d)
        // nibabel treats |w²| below 3 float32 epsilons as a 180° rotation (w = 0).
        let w = abs(w2) < 3 * Double(Float.ulpOfOne) ? 0 : max(w2, 0).squareRoot()
        let norm = w * w + b * b + c * c + d * d
        var rotation: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        if norm >= Double.ulpOfOne {
            let s = 2 / norm
            let (x, y, z) = (b * s, c * s, d * s)
            let (wx, wy, wz) = (w * x, w * y, w * z)
            let (xx, xy, xz) = (b * x, b * y, b * z)
            let (yy, yz, zz) = (c * y, c * z, d * z)
            rotation = [[1 - (yy + zz), xy - wz, xz + wy],
                        [xy + wz, 1 - (xx + zz), yz - wx],
                        [xz - wy, yz + wx, 1 - (xx + yy)]]
        }
        var zooms = (0..<3).map { $0 < header.pixdim.count ? header.pixdim[$0] : 1 }
        zooms[2] *= header.qfac
        var matrix: [[Double]] = []
        for r in 0..<3 {
            matrix.append([rotation[r][0] * zooms[0], rotation[r][1] * zooms[1], rotation[r][2] * zooms[2], header.qoffset[r]])
        }
        matrix.append([0, 0, 0, 1])
        return Affine(matrix: matrix)
    }

    /// nibabel's `shape_zoom_affine(shape, zooms, x_flip=True)`: diagonal zooms with x negated,
    /// translated so that the centre voxel sits at the origin.
    static func base(dims: [Int], pixdim: [Double]) -> Affine {
        let shape = (0..<3).map { $0 < dims.count ? Double(dims[$0]) : 1 }
        var zooms = (0..<3).map { $0 < pixdim.count ? pixdim[$0] : 1 }
        zooms[0] = -zooms[0]
        var matrix: [[Double]] = []
        for r in 0..<3 {
            var row: [Double] = [0, 0, 0, 0]
            row[r] = zooms[r]
            row[3] = -(shape[r] - 1) / 2 * zooms[r]
            matrix.append(row)
        }
        matrix.append([0, 0, 0, 1])
        return Affine(matrix: matrix)
    }
}
