import CDCMTK
import MedPipeCore

/// The layout of decoded DICOM pixel data and the corrections that turn it into pydicom's stored values.
struct DICOMPixelFormat: Sendable, Equatable {
    var rows: Int
    var columns: Int
    var frames: Int
    var samplesPerPixel: Int
    var bitsAllocated: Int
    var isSigned: Bool
    /// IEEE float values (Float or Double Float Pixel Data): bitsAllocated 32 or 64.
    var isFloat: Bool
    /// Decoded bytes are colour-by-plane per frame (PlanarConfiguration 1).
    var isPlanar: Bool
    /// Decoded bytes are native YBR_FULL_422: `Y1 Y2 Cb Cr` for each pair of pixels along a row, expanded to
    /// three samples per pixel as pydicom expands them.
    var isChromaSubsampled: Bool
    /// Photometric interpretation of the decoded values.
    var photometric: String
    /// Shift left then right (arithmetic for signed) by this many bits to clear or sign-extend
    /// the unused high bits, as pydicom does; 0 for none.
    var unusedBitShift: Int
    /// The whole frames the pixel data (native, float or encapsulated) holds beyond Number of Frames, which `frames`
    /// counts: read, as pydicom 3 reads them; 0 for none.
    var excessFrames: Int
    /// The bytes native or float pixel data holds beyond what this layout needs (the padding byte of odd-length
    /// data aside), which are not read, as pydicom does not read them; 0 for none.
    var excessBytes: Int

    /// What the reader says when the pixel data is longer than its header describes: pydicom warns of both cases too.
    var lengthWarning: String? {
        let declared = frames - excessFrames
        let parts = (excessFrames > 0 ? ["holds \(frames) whole frames where Number of Frames (0028,0008) says \(declared): all are read, as pydicom reads them"] : [])
            + (excessBytes > 0 ? ["holds \(excessBytes) bytes beyond \(frames) frame(s) of \(rows) × \(columns): they are not read, as pydicom does not read them (pixels are lost if Rows or Columns is too small)"] : [])
        return parts.isEmpty ? nil : "its pixel data " + parts.joined(separator: ", and ")
    }

    /// The element type of stored values: BitsAllocated and PixelRepresentation (bit-packed values unpack to uint8),
    /// float32 or float64 for Float and Double Float Pixel Data.
    var storedDType: DType {
        if isFloat { return bitsAllocated == 64 ? .float64 : .float32 }
        return switch (bitsAllocated, isSigned) {
        case (1, _), (8, false): .uint8
        case (8, true): .int8
        case (16, false): .uint16
        case (16, true): .int16
        case (32, false): .uint32
        default: .int32
        }
    }

    /// YBR_FULL and YBR_FULL_422 8-bit colour is converted to RGB, as pydicom's `pixel_array` does by default.
    var convertsYBRToRGB: Bool {
        samplesPerPixel == 3 && bitsAllocated == 8 && (photometric == "YBR_FULL" || photometric == "YBR_FULL_422")
    }

    /// Values in one frame (rows × columns × samples).
    var valuesPerFrame: Int { rows * columns * samplesPerPixel }

    /// Shape of the decoded array: `(rows, cols)`, `(rows, cols, 3)`, with a leading frame axis when frames > 1.
    var shape: [Int] {
        (frames > 1 ? [frames] : []) + [rows, columns] + (samplesPerPixel > 1 ? [samplesPerPixel] : [])
    }

    init(_ layout: cdcmtk_pixel_layout) {
        rows = Int(layout.rows)
        columns = Int(layout.columns)
        frames = Int(layout.frames)
        samplesPerPixel = Int(layout.samples_per_pixel)
        bitsAllocated = Int(layout.bits_allocated)
        isSigned = layout.pixel_representation == 1
        isFloat = layout.floating != 0
        excessFrames = Int(layout.excess_frames)
        excessBytes = Int(clamping: layout.excess_bytes)
        isPlanar = layout.planar_configuration == 1 && layout.samples_per_pixel > 1
        isChromaSubsampled = layout.chroma_subsampled != 0
        photometric = withUnsafeBytes(of: layout.photometric) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }.trimmingDICOMPadding()
        if layout.j2k_precision > 0 {
            // JPEG 2000: pydicom corrects only when the codestream's signedness disagrees with PixelRepresentation.
            let mismatch = (layout.j2k_signed != 0) != isSigned
            unusedBitShift = mismatch ? max(0, bitsAllocated - Int(layout.j2k_precision)) : 0
        } else {
            unusedBitShift = Int(layout.bits_allocated) - Int(layout.bits_stored)
        }
    }
}
