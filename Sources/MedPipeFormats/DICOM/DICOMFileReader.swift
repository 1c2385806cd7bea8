import MedPipeCore

/// Reads one DICOM file into a record whose tensor equals pydicom's
/// `apply_modality_lut(ds.pixel_array, ds)`: stored values in their own integer type (bit-packed values as
/// uint8; float32 or float64 from Float or Double Float Pixel Data), the Modality LUT's uint8 or uint16 entries when the file has one, or float64 when Rescale Slope
/// and Intercept are both present; YBR colour converted to RGB.
///
/// Shapes: `(rows, cols)`, `(frames, rows, cols)`, with a trailing axis of 3 for colour.
/// Every transfer syntax DCMTK decodes is read, JPEG 2000 through OpenJPEG and 8-bit JPEG through libjpeg-turbo.
public struct DICOMFileReader: Sendable {
    public init() {}

    /// Reads the file at `path`.
    /// - Throws: ``MedPipeError`` naming the file: `.malformed` for non-DICOM, corrupt or truncated input,
    ///   `.unsupported` for pixel layouts MedPipe does not decode.
    public func read(_ path: String) throws -> Record {
        let file = try DICOMFile(path: path)
        return try Self.record(of: file, header: try DICOMHeader(file))
    }

    /// The record of one file: its pixels, geometry and metadata, the header's warnings and then `warnings`.
    static func record(of file: DICOMFile, header: DICOMHeader, warnings: [String] = []) throws -> Record {
        let (tensor, excess) = try pixels(of: file, header: header)
        return Record(source: file.path, format: "dicom", tensor: tensor, geometry: DICOMGeometry.single(header),
                      metadata: header.metadata, patientKey: header.patientID,
                      warnings: header.warnings + (excess.map { [$0] } ?? []) + warnings)
    }

    /// Decodes the pixel data of `file` and applies the modality transform (LUT or rescale); with the warning of
    /// bytes beyond the pixel layout (``DICOMPixelFormat/lengthWarning``).
    private static func pixels(of file: DICOMFile, header: DICOMHeader) throws -> (Tensor, String?) {
        try file.withDecodedPixels { layout, bytes in
            let format = DICOMPixelFormat(layout)
            let count = format.frames * format.valuesPerFrame
            let stored = [UInt8](unsafeUninitializedCapacity: count * format.storedDType.size) { buffer, initialized in
                DICOMStoredValues.write(bytes, format: format, to: buffer.baseAddress!)
                initialized = count * format.storedDType.size
            }
            let transform = header.modality
            try transform.check(stored: format.storedDType, frames: format.frames, path: file.path)
            if case .none = transform { return (Tensor(shape: format.shape, dtype: format.storedDType, bytes: stored), format.lengthWarning) }
            let outputType = transform.outputDType(stored: format.storedDType)
            let values = [UInt8](unsafeUninitializedCapacity: count * outputType.size) { buffer, initialized in
                stored.withUnsafeBytes { raw in
                    transform.apply(raw.baseAddress!, storedType: format.storedDType, count: count, valuesPerFrame: format.valuesPerFrame,
                                    outputType: outputType,
                                    to: buffer.baseAddress!)
                }
                initialized = count * outputType.size
            }
            return (Tensor(shape: format.shape, dtype: outputType, bytes: values), format.lengthWarning)
        }
    }
}
