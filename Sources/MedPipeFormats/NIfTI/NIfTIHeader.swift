import CNIfTI
import MedPipeCore

/// One header extension (`esize`, `ecode`) found between the header and the voxel data.
public struct NIfTIExtension: Sendable, Equatable {
    /// `ecode`, e.g. 2 (DICOM), 4 (AFNI), 6 (comment).
    public var code: Int
    /// `esize`: bytes including the 8-byte size and code fields.
    public var size: Int
}

/// The fields of a NIfTI-1, NIfTI-2 or ANALYZE 7.5 header as MedPipe uses them.
///
/// Decoded by libnifti2 (`nifti_convert_n1hdr2nim` / `n2hdr2nim`, which swap bytes and check
/// the header); the on-disk bytes are kept in ``rawHeader`` so that de-identification and export
/// can rewrite the header with identifying text cleared and extensions dropped.
public struct NIfTIHeader: Sendable, Equatable {
    /// Whether the voxels live after the header in the same file or in a separate `.img`.
    public enum Layout: String, Sendable { case singleFile = "single-file", pair }

    /// 1 or 2 for NIfTI; 0 for an ANALYZE 7.5 header without the NIfTI magic.
    public var version: Int
    public var layout: Layout
    /// True when the header (and so the data) is stored most significant byte first.
    public var isBigEndian: Bool
    public var dataType: NIfTIDataType
    /// `dim[1...dim[0]]`: extents in nibabel's `(x, y, z[, t, ...])` order.
    public var dims: [Int]
    /// `pixdim[1...dim[0]]`: voxel sizes (and the time step) in `xyzt` units.
    public var pixdim: [Double]
    /// `pixdim[0]`'s sign: -1 flips the qform's third axis.
    public var qfac: Double
    public var sclSlope: Double
    public var sclInter: Double
    public var qformCode: Int
    public var sformCode: Int
    /// Quaternion `(b, c, d)` of the qform.
    public var quaternion: [Double]
    /// `(qoffset_x, qoffset_y, qoffset_z)`.
    public var qoffset: [Double]
    /// `srow_x`, `srow_y`, `srow_z`: the first three rows of the sform.
    public var srow: [[Double]]
    public var xyzUnits: Int
    public var timeUnits: Int
    public var intentCode: Int
    /// Text fields hold the bytes up to the first NUL, as libnifti reads them; bytes after it
    /// (example4d.nii.gz hides " v2.25 NIfTI-1 Single file format" there) stay in ``rawHeader``.
    public var intentName: String
    public var descrip: String
    public var auxFile: String
    /// ANALYZE `db_name` (unused by NIfTI-1, absent from NIfTI-2).
    public var dbName: String
    public var calMin: Double
    public var calMax: Double
    /// Byte offset of the voxels in the data file (the `.nii` itself or the `.img`).
    public var dataOffset: Int
    public var extensions: [NIfTIExtension]
    /// A CIFTI-2 file: an intent code of CIFTI's range (3000–3099) and the CIFTI XML extension (code 32),
    /// which describes the matrix and without which CIFTI readers (nibabel, Connectome Workbench) refuse the file.
    public var isCIFTI: Bool { (3000...3099).contains(intentCode) && extensions.contains { $0.code == 32 } }
    /// The header as stored on disk: 348 bytes (NIfTI-1, ANALYZE) or 540 (NIfTI-2).
    public var rawHeader: [UInt8]

    /// Number of voxels (product of ``dims``).
    public var voxelCount: Int { dims.reduce(1, *) }

    /// Bytes of voxel data the header announces.
    public var dataByteCount: Int { voxelCount * (dataType.storedDType?.size ?? 0) * dataType.components }

    /// The scaling nibabel applies in `get_fdata`: nil when `scl_slope` is 0 or not finite, or
    /// when it is the identity (slope 1, intercept 0).
    public var scaling: (slope: Double, inter: Double)? {
        guard sclSlope != 0, sclSlope.isFinite, !dataType.isColour else { return nil }
        if sclSlope == 1 && sclInter == 0 { return nil }
        return (sclSlope, sclInter)
    }

    /// Space units name for ``xyzUnits`` (nifti1.h `NIFTI_UNITS_*`).
    public var spaceUnitName: String {
        switch xyzUnits { case 1: "m"; case 2: "mm"; case 3: "um"; default: "unknown" }
    }

    /// Time units name for ``timeUnits``.
    public var timeUnitName: String {
        switch timeUnits { case 8: "sec"; case 16: "msec"; case 24: "usec"; case 32: "hz"; case 40: "ppm"; case 48: "rads"; default: "unknown" }
    }

    /// Decodes the header at the start of `bytes` (which may continue with extensions up to
    /// the voxel data, or to the end of a `.hdr` file).
    /// - Parameter source: the file named in errors.
    /// - Throws: `.malformed` naming `source` when libnifti rejects the header, `dim` overflows a
    ///   voxel count or `vox_offset` is not a byte offset (negative, NaN, infinite or huge).
    public init(bytes: [UInt8], source: String) throws {
        guard bytes.count >= 348 else {
            throw MedPipeError.malformed(source, "truncated: a NIfTI header needs at least 348 bytes, the file has \(bytes.count)")
        }
        var version: Int32 = -1
        let image = bytes.withUnsafeBytes { cnifti_decode_header($0.baseAddress, $0.count, &version) }
        guard let image else {
            throw Self.rejection(bytes: bytes, version: Int(version), source: source)
        }
        defer { nifti_image_free(image) }
        let nim = image.pointee
        let headerSize = version == 2 ? 540 : 348

        self.version = Int(version)
        rawHeader = Array(bytes.prefix(headerSize))
        isBigEndian = Self.isBigEndian(bytes)
        let magicOffset = version == 2 ? 4 : 344
        layout = version > 0 && bytes[magicOffset + 1] == UInt8(ascii: "+") ? .singleFile : .pair
        dataType = NIfTIDataType(code: Int(nim.datatype))
        let allDims = Self.tuple(nim.dim, as: Int64.self).map(Int.init)
        let rank = allDims[0]
        guard (1...7).contains(rank) else {
            throw MedPipeError.malformed(source, "dim[0] = \(rank), expected 1 to 7 dimensions")
        }
        dims = Array(allDims[1...rank])
        let allPixdim = Self.tuple(nim.pixdim, as: Double.self)
        pixdim = Array(allPixdim[1...rank])
        qfac = nim.qfac
        sclSlope = nim.scl_slope
        sclInter = nim.scl_inter
        qformCode = Int(nim.qform_code)
        sformCode = Int(nim.sform_code)
        quaternion = [nim.quatern_b, nim.quatern_c, nim.quatern_d]
        qoffset = [nim.qoffset_x, nim.qoffset_y, nim.qoffset_z]
        let sform = Self.tuple(nim.sto_xyz.m, as: Double.self)
        srow = (0..<3).map { r in Array(sform[(r * 4)..<(r * 4 + 4)]) }
        xyzUnits = Int(nim.xyz_units)
        timeUnits = Int(nim.time_units)
        intentCode = Int(nim.intent_code)
        intentName = Self.text(Self.tuple(nim.intent_name, as: UInt8.self))
        descrip = Self.text(Self.tuple(nim.descrip, as: UInt8.self))
        auxFile = Self.text(Self.tuple(nim.aux_file, as: UInt8.self))
        dbName = version == 2 ? "" : Self.text(Array(bytes[14..<32]))
        calMin = nim.cal_min
        calMax = nim.cal_max

        guard voxelCountFits(dims) else {
            throw MedPipeError.malformed(source, "dimensions \(dims) overflow a 64-bit voxel count")
        }
        dataOffset = try Self.dataOffset(bytes: bytes, version: Int(version), bigEndian: isBigEndian,
                                         singleFile: layout == .singleFile, source: source)
        let extensionEnd = layout == .singleFile ? min(dataOffset, bytes.count) : bytes.count
        extensions = Self.extensions(bytes, from: headerSize, to: extensionEnd, bigEndian: isBigEndian)

        func voxelCountFits(_ dims: [Int]) -> Bool {
            var total = 1
            for d in dims {
                let (product, overflow) = total.multipliedReportingOverflow(by: max(d, 1))
                if overflow || product > Int.max / 64 { return false }
                total = product
            }
            return true
        }
    }

    /// Size of the header in ``rawHeader``: 540 for NIfTI-2, else 348.
    public var headerSize: Int { rawHeader.count }

    /// Byte ranges of the fields in ``rawHeader`` that can carry free text: `descrip`, `aux_file` and `intent_name`,
    /// whole (bytes after a NUL included), and the fields no reader uses, where a tool can hide a name as well:
    /// NIfTI-2's `unused_str`; NIfTI-1's (ANALYZE's) `data_type`, `db_name`, `extents`, `session_error`, `glmax` and
    /// `glmin`.
    public var textFields: [(name: String, range: Range<Int>)] {
        version == 2 ? [("descrip", 240..<320), ("aux_file", 320..<344), ("intent_name", 508..<524), ("unused_str", 525..<540)]
                     : [("data_type", 4..<14), ("db_name", 14..<32), ("extents", 32..<36), ("session_error", 36..<38),
                        ("glmax", 140..<144), ("glmin", 144..<148), ("descrip", 148..<228), ("aux_file", 228..<252), ("intent_name", 328..<344)]
    }

    /// ``rawHeader`` with every ``textFields`` byte zeroed and `vox_offset` set to `dataOffset`, in
    /// the file's byte order: the header of a copy whose voxels start at `dataOffset`.
    public func rawHeaderWithoutText(dataOffset: Int) -> [UInt8] {
        var header = rawHeader
        for field in textFields { header.replaceSubrange(field.range, with: repeatElement(0, count: field.range.count)) }
        var field: [UInt8]
        if version == 2 {
            field = withUnsafeBytes(of: Int64(dataOffset).littleEndian, Array.init)
        } else {
            field = withUnsafeBytes(of: Float(dataOffset).bitPattern.littleEndian, Array.init)
        }
        if isBigEndian { field.reverse() }
        let start = version == 2 ? 168 : 108
        header.replaceSubrange(start..<start + field.count, with: field)
        return header
    }

    /// True when the first field (`sizeof_hdr`) reads 348 or 540 only when byte-swapped.
    static func isBigEndian(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let little = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        return little != 348 && little != 540
    }

    /// Header size in bytes for the first bytes of a file: 540 for NIfTI-2, else 348.
    static func headerSize(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 4 else { return 348 }
        let big = isBigEndian(bytes)
        let value = big ? UInt32(bytes[3]) | UInt32(bytes[2]) << 8 : UInt32(bytes[0]) | UInt32(bytes[1]) << 8
        return value == 540 ? 540 : 348
    }

    /// `vox_offset` as nibabel uses it; a single file's offset below the header end becomes 352.
    private static func dataOffset(bytes: [UInt8], version: Int, bigEndian: Bool, singleFile: Bool, source: String) throws -> Int {
        var reader = ByteReader(bytes, source: source, offset: version == 2 ? 168 : 108)
        let raw: Double
        if version == 2 {
            raw = Double(Int64(bitPattern: try reader.unsigned(width: 8, bigEndian: bigEndian, "vox_offset")))
        } else {
            raw = Double(Float(bitPattern: try reader.uint32(bigEndian: bigEndian, "vox_offset")))
        }
        guard raw.isFinite, raw >= 0, raw < Double(Int.max / 2) else {
            throw MedPipeError.malformed(source, "vox_offset \(raw) is not a valid byte offset")
        }
        let offset = Int(raw)
        let minimum = (version == 2 ? 540 : 348) + 4
        return singleFile && offset < minimum ? minimum : offset
    }

    /// Header extensions: present when the 4-byte extender after the header starts non-zero;
    /// each is `esize` (a multiple of 16, at least 16) bytes. Stops at the first inconsistent one.
    private static func extensions(_ bytes: [UInt8], from headerSize: Int, to end: Int, bigEndian: Bool) -> [NIfTIExtension] {
        guard end >= headerSize + 4, bytes[headerSize] != 0 else { return [] }
        var found: [NIfTIExtension] = []
        var reader = ByteReader(Array(bytes[..<end]), source: "", offset: headerSize + 4)
        while reader.remaining >= 8,
              let size = try? Int(reader.int32(bigEndian: bigEndian)),
              let code = try? Int(reader.int32(bigEndian: bigEndian)),
              size >= 16, size % 16 == 0, size - 8 <= reader.remaining {
            found.append(NIfTIExtension(code: code, size: size))
            reader.offset += size - 8
        }
        return found
    }

    private static func rejection(bytes: [UInt8], version: Int, source: String) -> MedPipeError {
        guard version >= 0 else {
            return .malformed(source, "not a NIfTI or ANALYZE header: sizeof_hdr is neither 348 nor 540 in either byte order")
        }
        var reader = ByteReader(bytes, source: source, offset: version == 2 ? 12 : 40)
        let big = isBigEndian(bytes)
        if version == 2 {
            let code = (try? reader.uint16(bigEndian: big)).map { Int(Int16(bitPattern: $0)) } ?? -1
            reader.offset = 16
            let rank = (try? reader.unsigned(width: 8, bigEndian: big)).map { Int64(bitPattern: $0) } ?? -1
            return .malformed(source, "libnifti rejects the NIfTI-2 header (dim[0] = \(rank), datatype = \(code))")
        }
        let rank = (try? reader.uint16(bigEndian: big)).map { Int(Int16(bitPattern: $0)) } ?? -1
        reader.offset = 70
        let code = (try? reader.uint16(bigEndian: big)).map { Int(Int16(bitPattern: $0)) } ?? -1
        return .malformed(source, "libnifti rejects the NIfTI-1 header (dim[0] = \(rank), datatype = \(code) \(NIfTIDataType(code: code).name))")
    }

    /// The elements of a C array imported as a tuple.
    private static func tuple<Tuple, Element>(_ value: Tuple, as type: Element.Type) -> [Element] {
        withUnsafeBytes(of: value) { Array($0.bindMemory(to: Element.self)) }
    }

    /// Text of a fixed-size, NUL-padded field.
    private static func text(_ bytes: [UInt8]) -> String {
        let used = bytes.prefix { $0 != 0 }
        return String(decoding: used, as: UTF8.self)
    }
}

extension NIfTIHeader {
    /// The facts `inspect` shows and de-identification looks at, keyed by NIfTI field name.
    public var metadata: [String: MetadataValue] {
        var values: [String: MetadataValue] = [
            "nifti_version": .int(version),
            "layout": .string(layout.rawValue),
            "byte_order": .string(isBigEndian ? "big" : "little"),
            "datatype": .string(dataType.name),
            "dim": .doubles(dims.map(Double.init)),
            "pixdim": .doubles(pixdim),
            "scl_slope": .double(sclSlope),
            "scl_inter": .double(sclInter),
            "qform_code": .int(qformCode),
            "sform_code": .int(sformCode),
            "xyz_units": .string(spaceUnitName),
            "time_units": .string(timeUnitName),
            "intent_code": .int(intentCode),
            "extensions": .int(extensions.count),
        ]
        for (key, text) in [("descrip", descrip), ("aux_file", auxFile), ("intent_name", intentName), ("db_name", dbName)]
        where !text.isEmpty {
            values[key] = .string(text)
        }
        return values
    }
}
