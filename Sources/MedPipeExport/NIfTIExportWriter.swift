import CNIfTI
import Foundation
import MedPipeCore

/// Writes images and volumes as single-file NIfTI-1 (`NAME.nii.gz`, or `.nii`) through libnifti2.
///
/// The voxels are the tensor's bytes as they are: row-major `(z, y, x)` is NIfTI's x-fastest
/// order. Integer data keep their type; float64 becomes float32 (and bool uint8); 8-bit
/// three-channel images become RGB24. The sform is the sample's affine, the qform libnifti's
/// quaternion fit of it (exact for any rotation with positive or negative handedness), both with
/// code 1 (scanner anatomical); pixdim is the voxel size, units mm. No description, auxiliary
/// file, intent name or extension is written.
public struct NIfTIExportWriter: SampleWriter {
    /// Gzip the file (`.nii.gz`) or not (`.nii`).
    public var compressed: Bool

    public init(compressed: Bool = true) {
        self.compressed = compressed
        cnifti_set_debug_level(0)
    }

    public func write(_ sample: ExportSample, into directory: String) throws -> [String] {
        guard let kind = sample.kind, kind == .image || kind == .volume else {
            throw MedPipeError.unsupported(sample.name, "NIfTI export holds images and volumes, not a \(sample.kind?.description ?? "tensor") of shape \(sample.tensor.shape)")
        }
        var tensor = sample.tensor
        var spatialShape = tensor.shape
        var datatype: Int32
        switch tensor.dtype {
        case .float64:
            tensor = Tensor(shape: tensor.shape, values: tensor.floatValues())
            datatype = 16
        case .bool: tensor.dtype = .uint8; datatype = 2
        case .float32: datatype = 16
        case .uint8: datatype = 2
        case .int8: datatype = 256
        case .int16: datatype = 4
        case .uint16: datatype = 512
        case .int32: datatype = 8
        case .uint32: datatype = 768
        case .int64: datatype = 1024
        case .uint64: datatype = 1280
        }
        if kind == .image, spatialShape.count == 3 {
            guard spatialShape[2] == 1 || (spatialShape[2] == 3 && datatype == 2) else {
                throw MedPipeError.unsupported(sample.name, "NIfTI export holds gray images and 8-bit RGB, not \(spatialShape[2]) channels of \(sample.tensor.dtype)")
            }
            if spatialShape[2] == 3 { datatype = 128 }
            spatialShape.removeLast()
        }
        // NIfTI dims are fastest first: (x, y, z[, t]).
        let dims = Array(spatialShape.reversed())
        var dimArray = [Int64](repeating: 1, count: 8)
        dimArray[0] = Int64(dims.count)
        for (i, n) in dims.enumerated() { dimArray[i + 1] = Int64(n) }

        let affine = Self.affine(sample.geometry)
        let path = directory + "/" + sample.name + (compressed ? ".nii.gz" : ".nii")
        guard let image = nifti_make_new_nim(dimArray, datatype, 0) else {
            throw MedPipeError.io(path, "libnifti cannot make an image of dims \(dims) and datatype \(datatype)")
        }
        defer {
            image.pointee.data = nil  // the tensor's bytes, not libnifti's to free
            nifti_image_free(image)
        }
        image.pointee.nifti_type = NIFTI_FTYPE_NIFTI1_1
        image.pointee.xyz_units = NIFTI_UNITS_MM
        image.pointee.time_units = NIFTI_UNITS_UNKNOWN
        image.pointee.scl_slope = 0
        image.pointee.scl_inter = 0

        var matrix = nifti_dmat44()
        withUnsafeMutableBytes(of: &matrix.m) { raw in
            let m = raw.bindMemory(to: Double.self)
            for r in 0..<4 { for c in 0..<4 { m[r * 4 + c] = affine.matrix[r][c] } }
        }
        image.pointee.sto_xyz = matrix
        image.pointee.sform_code = NIFTI_XFORM_SCANNER_ANAT
        var qb = 0.0, qc = 0.0, qd = 0.0, qx = 0.0, qy = 0.0, qz = 0.0, dx = 0.0, dy = 0.0, dz = 0.0, qfac = 0.0
        nifti_dmat44_to_quatern(matrix, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac)
        image.pointee.quatern_b = qb
        image.pointee.quatern_c = qc
        image.pointee.quatern_d = qd
        image.pointee.qoffset_x = qx
        image.pointee.qoffset_y = qy
        image.pointee.qoffset_z = qz
        image.pointee.qfac = qfac
        image.pointee.qform_code = NIFTI_XFORM_SCANNER_ANAT
        image.pointee.qto_xyz = matrix
        let sizes = affine.voxelSizes
        image.pointee.dx = sizes[0]
        image.pointee.dy = sizes[1]
        image.pointee.dz = sizes[2]
        withUnsafeMutableBytes(of: &image.pointee.pixdim) { raw in
            let p = raw.bindMemory(to: Double.self)
            p[0] = qfac
            for i in 0..<3 { p[i + 1] = sizes[i] }
            for i in 4..<8 { p[i] = 1 }
        }
        if dims.count == 4, case .spatial(let spacing, _)? = sample.geometry, spacing.count >= 4 {
            image.pointee.dt = spacing[3]
            withUnsafeMutableBytes(of: &image.pointee.pixdim) { $0.bindMemory(to: Double.self)[4] = spacing[3] }
        }

        // The header libnifti's writer would write, then the voxels, written here so that a failed write is known:
        // nifti_image_write says nothing, and left a truncated file under a full disk or the file-size limit.
        nifti_set_iname_offset(image, 1)
        var header = nifti_1_header()
        guard nifti_convert_nim2n1hdr(image, &header) == 0 else {
            throw MedPipeError.io(path, "libnifti cannot make a NIfTI-1 header for dims \(dims) and datatype \(datatype)")
        }
        try? FileManager.default.removeItem(atPath: path)
        let extensionFlag: [UInt8] = [0, 0, 0, 0]
        try withUnsafeBytes(of: &header) { header in
            try extensionFlag.withUnsafeBytes { flag in
                try tensor.bytes.withUnsafeBytes { voxels in try Self.write([header, flag, voxels], to: path, compressed: compressed) }
            }
        }
        return [path]
    }

    /// Writes `parts` to a new file at `path` through znzlib, gzip-compressed when `compressed`.
    /// - Throws: `.io` naming the file when any byte is not written or the file cannot be closed (the file is removed).
    private static func write(_ parts: [UnsafeRawBufferPointer], to path: String, compressed: Bool) throws {
        guard let file = znzopen(path, "wb", compressed ? 1 : 0) else {
            throw MedPipeError.io(path, "cannot create: \(String(cString: strerror(errno)))")
        }
        var handle: znzFile? = file
        var failure: Int32 = 0
        for part in parts where failure == 0 && part.count > 0 {
            errno = 0
            if znzwrite(part.baseAddress, 1, part.count, file) != part.count { failure = errno == 0 ? EIO : errno }
        }
        errno = 0
        if Xznzclose(&handle) != 0, failure == 0 { failure = errno == 0 ? EIO : errno }
        guard failure == 0 else {
            unlink(path)
            throw MedPipeError.io(path, "cannot write: \(String(cString: strerror(failure)))")
        }
    }

    /// The sample's affine, or the identity.
    static func affine(_ geometry: Geometry?) -> Affine {
        switch geometry {
        case .spatial(_, let affine)?: affine
        default: Affine.scaling([1, 1, 1])
        }
    }
}
