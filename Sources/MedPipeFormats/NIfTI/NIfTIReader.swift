import CNIfTI
import MedPipeCore

/// Reads NIfTI-1, NIfTI-2 and ANALYZE 7.5 images: `.nii`, `.nii.gz` and `.hdr`/`.img` pairs
/// (each possibly gzipped), in either byte order.
///
/// The header is decoded by libnifti2; the voxels are read here so that the sizes the header
/// announces are checked against the file before anything is allocated, and `.gz` files are
/// inflated by libdeflate. The tensor holds the values of nibabel's `img.get_fdata()` with shape
/// reversed to `(z, y, x)` / `(t, z, y, x)`: float64 when `scl_slope` applies, otherwise the stored
/// type (exact). RGB24 / RGBA32 give `uint8` with a trailing channel axis.
public struct NIfTIReader: Sendable {
    public init() {
        cnifti_set_debug_level(0)
    }

    /// Reads the image at `path` (a `.img` path reads its `.hdr` pair).
    /// - Throws: ``MedPipeError`` naming the file: `.malformed` for a rejected header or a data
    ///   block larger than the file, `.unsupported` for complex, binary and float128 data.
    public func read(_ path: String) throws -> Record {
        let (header, headerFile) = try readHeaderAndFile(path)
        guard header.dataType.storedDType != nil else {
            throw MedPipeError.unsupported(headerFile.path, "datatype \(header.dataType.code) (\(header.dataType.name)) is not read by MedPipe")
        }
        if header.sclSlope.isFinite && header.sclSlope != 0 && !header.sclInter.isFinite {
            throw MedPipeError.malformed(headerFile.path, "scl_slope is \(header.sclSlope) but scl_inter is \(header.sclInter)")
        }
        let dataFile: NIfTIFile
        if header.layout == .singleFile {
            dataFile = headerFile
        } else {
            guard let imagePath = NIfTIPaths.image(forHeader: headerFile.path) else {
                throw MedPipeError.io(headerFile.path, "header of a .hdr/.img pair, but its .img file is missing")
            }
            dataFile = try NIfTIFile(imagePath)
        }
        let need = "the header (vox_offset \(header.dataOffset) + \(header.voxelCount) voxels × \(header.dataByteCount / max(header.voxelCount, 1)) bytes)"
        let (data, start) = try dataFile.region(offset: header.dataOffset, count: header.dataByteCount, need: need)
        let tensor = NIfTIVoxels.tensor(header, data: data, start: start)

        var warnings: [String] = []
        if header.dataType.isColour && header.sclSlope.isFinite && header.sclSlope != 0 && (header.sclSlope != 1 || header.sclInter != 0) {
            warnings.append("scl_slope/scl_inter ignored for \(header.dataType.name) data")
        }
        return Record(source: path, format: "nifti", tensor: tensor, geometry: geometry(header),
                      metadata: header.metadata, warnings: warnings)
    }

    /// The files reading the image at `path` opens: the `.nii[.gz]`, or the `.hdr` and `.img` of a pair (either
    /// named), those that exist. What an image source's content hash covers, so that an edited `.img` is read again.
    public static func files(of path: String) -> [String] {
        let header = NIfTIPaths.header(for: path), lower = header.lowercased()
        guard lower.hasSuffix(".hdr") || lower.hasSuffix(".hdr.gz") else { return [path] }
        return [header] + [NIfTIPaths.image(forHeader: header)].compactMap { $0 }
    }

    /// Reads only the header of the image at `path` (and counts its extensions).
    public func readHeader(_ path: String) throws -> NIfTIHeader {
        try readHeaderAndFile(path).0
    }

    /// Voxel sizes `pixdim[1...ndim]` and nibabel's best affine.
    public func geometry(_ header: NIfTIHeader) -> Geometry {
        .spatial(spacing: header.pixdim, affine: NIfTIAffine.best(header))
    }

    private func readHeaderAndFile(_ path: String) throws -> (NIfTIHeader, NIfTIFile) {
        let file = try NIfTIFile(NIfTIPaths.header(for: path))
        // The largest header (NIfTI-2, 540 bytes) and the 4-byte extension flag after it.
        var bytes = try file.prefix(540 + 4)
        var header = try NIfTIHeader(bytes: bytes, source: file.path)
        // Extensions sit between the header and the data (or fill the rest of a .hdr): read them too.
        let extensionEnd = header.layout == .singleFile ? header.dataOffset : Int.max
        let headerSize = NIfTIHeader.headerSize(bytes)
        if bytes.count >= headerSize + 4, bytes[headerSize] != 0, extensionEnd > bytes.count {
            bytes = try file.prefix(extensionEnd)
            header = try NIfTIHeader(bytes: bytes, source: file.path)
        }
        return (header, file)
    }
}
