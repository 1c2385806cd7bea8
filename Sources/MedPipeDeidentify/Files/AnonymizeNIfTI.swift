import CNIfTI
import Foundation
import MedPipeCore

/// De-identification of single-file NIfTI-1/2 (`.nii`, `.nii.gz`) at the byte level: the header's
/// free-text fields are zeroed in the raw header bytes, the extensions are dropped (the extension
/// flag cleared and `vox_offset` moved to the end of the header), and the voxel bytes are copied
/// unchanged. Everything else — qform, sform and their codes, scaling, dimensions — is untouched.
enum NIfTIRawHeader {
    /// Byte ranges of `db_name`, `descrip`, `aux_file` and `intent_name` in NIfTI-1 (348-byte) headers.
    static let textFields1: [(name: String, range: Range<Int>)] = [("db_name", 14..<32), ("descrip", 148..<228), ("aux_file", 228..<252), ("intent_name", 328..<344)]
    /// Byte ranges of `descrip`, `aux_file` and `intent_name` in NIfTI-2 (540-byte) headers (no db_name).
    static let textFields2: [(name: String, range: Range<Int>)] = [("descrip", 240..<320), ("aux_file", 320..<344), ("intent_name", 508..<524)]

    /// The scrubbed file bytes (header, four zero extension bytes, voxels) and the fields touched.
    static func scrub(_ bytes: [UInt8], source: String) throws -> (bytes: [UInt8], headerLength: Int, touched: [TouchedAttribute], text: [String]) {
        guard bytes.count >= 348 else { throw MedPipeError.malformed(source, "\(bytes.count) bytes: too short for a NIfTI header") }
        let little = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let big = UInt32(bytes[3]) | UInt32(bytes[2]) << 8 | UInt32(bytes[1]) << 16 | UInt32(bytes[0]) << 24
        let bigEndian = little != 348 && little != 540
        let size = Int(bigEndian ? big : little)
        guard size == 348 || size == 540, bytes.count >= size + 4 else {
            throw MedPipeError.malformed(source, "sizeof_hdr \(size) (expected 348 or 540) or a file of \(bytes.count) bytes without room for the extension flag")
        }
        let magic = String(decoding: bytes[(size == 348 ? 344 : 4)..<(size == 348 ? 347 : 7)], as: UTF8.self)
        guard magic == "n+1" || magic == "n+2" else {
            throw MedPipeError.unsupported(source, "not a single-file NIfTI (magic '\(magic)'): header/image pairs are not de-identified")
        }
        var header = Array(bytes[0..<size])
        var touched: [TouchedAttribute] = []
        var text: [String] = []
        for field in size == 348 ? textFields1 : textFields2 {
            let value = header[field.range]
            if value.contains(where: { $0 != 0 }) {
                text.append(String(decoding: value.prefix { $0 != 0 }, as: UTF8.self))
                touched.append(TouchedAttribute(keyword: field.name, action: "empty"))
            }
            header.replaceSubrange(field.range, with: repeatElement(0, count: field.range.count))
        }
        let dataOffset: Int
        if size == 348 {
            var raw = UInt32(0)
            for i in 0..<4 { raw |= UInt32(bytes[108 + i]) << (bigEndian ? UInt32(24 - 8 * i) : UInt32(8 * i)) }
            dataOffset = Int(Float(bitPattern: raw))
            let moved = Float(352).bitPattern
            for i in 0..<4 { header[108 + i] = UInt8(truncatingIfNeeded: moved >> (bigEndian ? UInt32(24 - 8 * i) : UInt32(8 * i))) }
        } else {
            var raw = UInt64(0)
            for i in 0..<8 { raw |= UInt64(bytes[168 + i]) << (bigEndian ? UInt64(56 - 8 * i) : UInt64(8 * i)) }
            dataOffset = Int(truncatingIfNeeded: Int64(bitPattern: raw))
            for i in 0..<8 { header[168 + i] = UInt8(truncatingIfNeeded: UInt64(544) >> (bigEndian ? UInt64(56 - 8 * i) : UInt64(8 * i))) }
        }
        guard dataOffset >= size + 4, dataOffset <= bytes.count else {
            throw MedPipeError.malformed(source, "vox_offset \(dataOffset) lies outside the file of \(bytes.count) bytes")
        }
        if bytes[size] != 0 || dataOffset > size + 4 {
            touched.append(TouchedAttribute(keyword: "extensions", action: "remove"))
            if bytes[size] != 0 { text.append(String(decoding: bytes[(size + 4)..<dataOffset], as: UTF8.self)) }
        }
        return (header + [0, 0, 0, 0] + bytes[dataOffset...], size + 4, touched, text)
    }

    /// The whole file, gzip or not (through znzlib).
    static func read(_ path: String, source: String) throws -> [UInt8] {
        guard let file = znzopen(path, "rb", 1) else { throw MedPipeError.io(source, "cannot open") }
        var handle: znzFile? = file
        defer { Xznzclose(&handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { znzread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
        }
        return bytes
    }

    /// Writes bytes, gzip-compressed when `compress`.
    static func write(_ bytes: [UInt8], to path: String, compress: Bool) throws {
        guard let file = znzopen(path, "wb", compress ? 1 : 0) else { throw MedPipeError.io(path, "cannot create") }
        var handle: znzFile? = file
        let written = bytes.withUnsafeBytes { znzwrite($0.baseAddress, 1, $0.count, file) }
        let closed = Xznzclose(&handle)
        guard written == bytes.count, closed == 0 else { throw MedPipeError.io(path, "short write (\(written) of \(bytes.count) bytes)") }
    }
}

extension Anonymizer {
    func processNIfTI(_ path: String, source: String) throws -> FileOutcome {
        let compressed = path.lowercased().hasSuffix(".gz")
        let scrubbed = try NIfTIRawHeader.scrub(try NIfTIRawHeader.read(path, source: source), source: source)
        var identifiers = IdentifierSet()
        for text in scrubbed.text { identifiers.addID(text) }
        let name = source + (compressed ? ".nii.gz" : ".nii")
        let temporary = try temporaryPath(compressed ? ".nii.gz" : ".nii")
        try NIfTIRawHeader.write(scrubbed.bytes, to: temporary, compress: compressed)
        var scan = OutputScan()
        let reread = try NIfTIRawHeader.read(temporary, source: name)
        reread.withUnsafeBytes { raw in
            scan.scan(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<min(scrubbed.headerLength, raw.count)]), location: "\(name) header",
                      with: ResidualScanner(identifiers: identifiers))
        }
        return try keep([(temporary, name)], regions: [.niftiHeader(length: scrubbed.headerLength)], scan: scan, identifiers: identifiers,
                        report: FileReport(source: source, output: name, format: "nifti", attributes: scrubbed.touched), source: source)
    }
}
