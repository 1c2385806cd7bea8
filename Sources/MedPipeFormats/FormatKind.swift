import Foundation
import MedPipeCore

/// The input formats MedPipe reads, detected from content first and the name second.
public enum FormatKind: String, Sendable, CaseIterable {
    case nifti, dicom, dicomSeries = "dicom-series", wfdb, csv, idx, npy, npz, pngFolder = "png-folder", png
    /// FER2013's CSV of 48 × 48 faces (``FERDataset``): a CSV by content, so only when a recipe declares it.
    case ferCSV = "fer-csv"

    /// Detects the format of the file or directory at `path`.
    /// - Throws: ``MedPipeError`` naming the path when it is missing or matches no known format.
    public static func detect(_ path: String) throws -> FormatKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MedPipeError.io(path, "no such file or directory")
        }
        if isDirectory.boolValue { return try detectDirectory(path) }
        let head = try FileBytes.head(path, count: 544)
        if let kind = detect(head: head, name: path) { return kind }
        throw MedPipeError.unsupported(path, "not a format MedPipe reads (NIfTI, DICOM, WFDB .hea, CSV, MNIST idx, .npy, .npz, PNG)")
    }

    /// Detects a format from a file's first bytes (at least 544 when the file is that long) and its name.
    public static func detect(head: [UInt8], name: String) -> FormatKind? {
        let lower = name.lowercased()
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return .png }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return .npy }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .npz }
        if head.count >= 132, head[128..<132].elementsEqual("DICM".utf8) { return .dicom }
        if isNIfTIHeader(head) { return .nifti }
        if head.starts(with: [0x1F, 0x8B]) {
            // Compressed: the name tells what is inside (gzip hides the header).
            if lower.hasSuffix(".nii.gz") || lower.hasSuffix(".hdr.gz") { return .nifti }
            if lower.contains("idx") || lower.contains("ubyte") { return .idx }
            return nil
        }
        if head.count >= 4, head[0] == 0, head[1] == 0, (0x08...0x0E).contains(head[2]), (1...8).contains(head[3]) { return .idx }
        if lower.hasSuffix(".hea") { return .wfdb }
        if lower.hasSuffix(".hdr") || lower.hasSuffix(".img") || lower.hasSuffix(".nii") { return .nifti }
        if looksLikeDICOMWithoutPreamble(head) || lower.hasSuffix(".dcm") { return .dicom }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".data") || lower.hasSuffix(".tsv") { return .csv }
        return nil
    }

    private static func detectDirectory(_ path: String) throws -> FormatKind {
        let visible = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
        let onlyFolders = !visible.isEmpty && visible.allSatisfy { isDirectory(path + "/" + $0) }
        // The first image file below decides: DICOM files at any depth (a series; an archive's patient, study and
        // series folders, with a DICOMDIR or a README beside them) are read as series, and folders of PNG images
        // as an image set, one class per folder (folders holding no image too: the image-set reader says so).
        switch firstImageFile(below: path) {
        case .dicom?: return .dicomSeries
        case .png?, nil: if onlyFolders { return .pngFolder }
        default: break
        }
        throw MedPipeError.unsupported(path, "directory holds neither DICOM files nor one folder of PNG images per class")
    }

    /// The format, DICOM or PNG, of the first such file below `folder` (depth first, in name order, hidden
    /// entries skipped), looking at most `depth` folders deep; nil when there is none.
    private static func firstImageFile(below folder: String, depth: Int = 8) -> FormatKind? {
        guard depth > 0, let names = try? FolderWalk.entries(of: folder).names.sorted() else { return nil }
        for name in names {
            let path = folder + "/" + name
            if FileBytes.isRegularFile(path) {
                if let head = try? FileBytes.head(path, count: 544), let kind = detect(head: head, name: name), kind == .dicom || kind == .png {
                    return kind
                }
                continue
            }
            if isDirectory(path), let kind = firstImageFile(below: path, depth: depth - 1) { return kind }
        }
        return nil
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isNIfTIHeader(_ head: [UInt8]) -> Bool {
        guard head.count >= 4 else { return false }
        let little = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
        let big = UInt32(head[3]) | UInt32(head[2]) << 8 | UInt32(head[1]) << 16 | UInt32(head[0]) << 24
        return little == 348 || big == 348 || little == 540 || big == 540
    }

    /// A DICOM stream without the 128-byte preamble starts with a group 0x0008 (or 0x0002) tag.
    private static func looksLikeDICOMWithoutPreamble(_ head: [UInt8]) -> Bool {
        guard head.count >= 8 else { return false }
        let group = UInt16(head[0]) | UInt16(head[1]) << 8
        let vr = String(bytes: head[4..<6], encoding: .ascii) ?? ""
        let knownVR = ["AE","AS","AT","CS","DA","DS","DT","FL","FD","IS","LO","LT","OB","OD","OF","OL","OW","PN","SH","SL","SQ","SS","ST","TM","UI","UL","UN","US","UT","UC","UR","OV","SV","UV"].contains(vr)
        return (group == 0x0008 || group == 0x0002) && (knownVR || head[6] == 0 && head[7] == 0)
    }
}
