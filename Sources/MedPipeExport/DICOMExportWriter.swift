import CDCMTK
import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes samples as new DICOM Secondary Capture Image Storage files through DCMTK.
///
/// An image becomes one file `NAME.dcm`; a volume `(slices, rows, columns)` becomes a folder
/// `NAME/` with one single-frame file per slice (`0001.dcm`, ...) in one series, which every
/// reader assembles (multi-frame Secondary Capture has no per-frame position in its IOD).
/// Pixels are MONOCHROME2 (or RGB for 8-bit three-channel images): 8-bit when the values are
/// bytes or multiples of 1/255 in [0, 1], otherwise 16-bit (signed, or unsigned for large
/// integers) with Rescale Slope and Intercept chosen over the whole sample, so float data come
/// back within half a step (see ``LinearQuantization``). A spatial affine gives Pixel Spacing,
/// Image Position and Orientation (Patient) in LPS and Slice Thickness.
///
/// The cache is de-identified, so nothing of the original files remains to carry over: every UID
/// is new (derived from the sample's identity through `makeUID`), Patient Name and ID are the
/// sample's pseudonymous group, Patient Identity Removed is YES with the method and its CID 7050
/// code, and no date, time, institution or device is written.
public struct DICOMExportWriter: SampleWriter {
    /// Secondary Capture Image Storage.
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.7"
    /// What De-identification Method (0012,0063) says.
    public static let method = "MedPipe export of a de-identified cache (PS3.15 basic profile)"

    /// Maps a stable string to a new UID (the CLI passes the keyed `Pseudonymizer.uid`).
    public var makeUID: @Sendable (String) -> String

    public init(makeUID: @escaping @Sendable (String) -> String) {
        self.makeUID = makeUID
    }

    public func write(_ sample: ExportSample, into directory: String) throws -> [String] {
        let shape = sample.tensor.shape
        let kind = try requireKind(sample)
        let values = sample.tensor.doubleValues()
        let quantization = try LinearQuantization.choose(values, allowed: [.uint8, .int16, .uint16], general: .int16,
                                                         recorded: DICOMDecimalString.recorded)
        let (pixels, _) = quantization.encode(values)
        var channels = 1
        if kind == .image, shape.count == 3 {
            channels = shape[2]
            guard channels == 1 || (channels == 3 && quantization.storage == .uint8 && quantization.isExact && quantization.slope == 1) else {
                throw MedPipeError.unsupported(sample.name, "DICOM export holds gray images and 8-bit RGB (0-255 integers); this image has \(channels) channels of \(sample.tensor.dtype)")
            }
        }
        let slices = kind == .volume ? shape[0] : 1
        let rows = kind == .volume ? shape[1] : shape[0], columns = kind == .volume ? shape[2] : shape[1]
        let frameBytes = rows * columns * channels * quantization.storage.bits / 8

        var common = commonAttributes(sample, quantization: quantization, values: values, channels: channels, rows: rows, columns: columns)
        let plane = planeGeometry(sample.geometry)
        if plane != nil { common.append(("(0020,0052)", makeUID("export-frame-of-reference:" + sample.identity))) }

        var paths: [String] = []
        let folder = kind == .volume ? directory + "/" + sample.name : directory
        if kind == .volume {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw MedPipeError.io(folder, "cannot create the folder: \(error.localizedDescription)")
            }
        }
        for slice in 0..<slices {
            var attributes = common
            attributes.append(("(0008,0018)", makeUID("export-instance:\(sample.identity):\(slice)")))
            attributes.append(("(0020,0013)", String(slice + 1)))
            if let plane {
                attributes.append(("(0020,0032)", DICOMDecimalString.format(plane.position(slice))))
                attributes.append(("(0020,0037)", DICOMDecimalString.format(plane.orientation)))
                attributes.append(("(0028,0030)", DICOMDecimalString.format(plane.pixelSpacing)))
                attributes.append(("(0018,0050)", DICOMDecimalString.format(plane.sliceThickness)))
            }
            let path = kind == .volume ? folder + "/" + String(format: "%04d.dcm", slice + 1) : folder + "/" + sample.name + ".dcm"
            try pixels.withUnsafeBytes { raw in
                try Self.writeFile(path, attributes: attributes, pixels: UnsafeRawBufferPointer(rebasing: raw[slice * frameBytes ..< (slice + 1) * frameBytes]),
                                   bits: quantization.storage.bits)
            }
            paths.append(path)
        }
        return paths
    }

    private func requireKind(_ sample: ExportSample) throws -> SampleKind {
        guard let kind = sample.kind, kind == .image || (kind == .volume && sample.tensor.shape.count == 3) else {
            throw MedPipeError.unsupported(sample.name, "DICOM export holds images and 3D volumes, not a \(sample.kind?.description ?? "tensor") of shape \(sample.tensor.shape)")
        }
        return kind
    }

    /// Patient, study, series, equipment, de-identification and image pixel attributes shared by every file of a sample.
    private func commonAttributes(_ sample: ExportSample, quantization: LinearQuantization, values: [Double],
                                  channels: Int, rows: Int, columns: Int) -> [(String, String)] {
        let modality: String = if case .string(let m)? = sample.metadata["Modality"], !m.isEmpty, m.count <= 16 { m } else { "OT" }
        let bits = quantization.storage.bits
        var attributes: [(String, String)] = [
            ("(0008,0008)", "DERIVED\\SECONDARY"),
            ("(0008,0016)", Self.sopClassUID),
            ("(0008,0020)", ""), ("(0008,0030)", ""), ("(0008,0050)", ""), ("(0008,0090)", ""),
            ("(0008,0060)", modality),
            ("(0008,0064)", "WSD"),
            ("(0010,0010)", sample.group),
            ("(0010,0020)", sample.group),
            ("(0010,0030)", ""), ("(0010,0040)", ""),
            ("(0012,0062)", "YES"),
            ("(0012,0063)", Self.method),
            ("(0012,0064)[0].(0008,0100)", "113100"),
            ("(0012,0064)[0].(0008,0102)", "DCM"),
            ("(0012,0064)[0].(0008,0104)", "Basic Application Confidentiality Profile"),
            ("(0020,000D)", makeUID("export-study:" + sample.group)),
            ("(0020,000E)", makeUID("export-series:" + sample.identity)),
            ("(0020,0010)", ""), ("(0020,0011)", "1"), ("(0020,0020)", ""),
            ("(0028,0002)", String(channels)),
            ("(0028,0004)", channels == 3 ? "RGB" : "MONOCHROME2"),
            ("(0028,0010)", String(rows)),
            ("(0028,0011)", String(columns)),
            ("(0028,0100)", String(bits)),
            ("(0028,0101)", String(bits)),
            ("(0028,0102)", String(bits - 1)),
            ("(0028,0103)", quantization.storage.isSigned ? "1" : "0"),
            // Only samples read from images that may hold burned-in text, exported with --allow-burned-in, may hold it.
            ("(0028,0301)", sample.metadata[DICOMBurnedInText.metadataKey] == nil ? "NO" : "YES"),
        ]
        if channels == 3 { attributes.append(("(0028,0006)", "0")) }
        if channels == 1 {
            attributes += [("(0028,1052)", DICOMDecimalString.format(quantization.intercept)),
                           ("(0028,1053)", DICOMDecimalString.format(quantization.slope)),
                           ("(0028,1054)", "US")]
            if let low = values.min(), let high = values.max() {
                attributes += [("(0028,1050)", DICOMDecimalString.format((low + high) / 2)),
                               ("(0028,1051)", DICOMDecimalString.format(max(high - low, quantization.slope)))]
            }
        }
        var description = "split \(sample.split)"
        if let label = sample.label { description = "label \(label); " + description }
        // One value of at most 64 ASCII characters (LO): a backslash separates values, and would split the label.
        if description.unicodeScalars.allSatisfy(\.isASCII) && !description.contains("\\") && description.count <= 64 {
            attributes.append(("(0008,103E)", description))
        }
        return attributes
    }

    /// Image Plane values from a spatial affine (RAS, index (column, row, slice)), in LPS.
    private struct Plane {
        var lps: [[Double]]
        var orientation: [Double]
        var pixelSpacing: [Double]
        var sliceThickness: Double

        func position(_ slice: Int) -> [Double] { (0..<3).map { lps[$0][3] + lps[$0][2] * Double(slice) } }
    }

    private func planeGeometry(_ geometry: Geometry?) -> Plane? {
        guard case .spatial(_, let affine)? = geometry else { return nil }
        let lps = affine.matrix.enumerated().map { r, row in r < 2 ? row.map { -$0 } : row }
        let sizes = affine.voxelSizes
        guard sizes[0] > 0, sizes[1] > 0 else { return nil }
        let orientation = (0..<3).map { lps[$0][0] / sizes[0] } + (0..<3).map { lps[$0][1] / sizes[1] }
        return Plane(lps: lps, orientation: orientation, pixelSpacing: [sizes[1], sizes[0]], sliceThickness: sizes[2] > 0 ? sizes[2] : 1)
    }

    private static func writeFile(_ path: String, attributes: [(String, String)], pixels: UnsafeRawBufferPointer, bits: Int) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        let cPaths = attributes.map { strdup($0.0) }, cValues = attributes.map { strdup($0.1) }
        defer { (cPaths + cValues).forEach { free($0) } }
        let status = cPaths.map { UnsafePointer($0) }.withUnsafeBufferPointer { pathPointers in
            cValues.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                cdcmtk_write_file(path, pathPointers.baseAddress, valuePointers.baseAddress, attributes.count,
                                  pixels.baseAddress, pixels.count, UInt32(bits), &errorText, errorText.count)
            }
        }
        guard status == 0 else {
            throw MedPipeError.io(path, String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}
