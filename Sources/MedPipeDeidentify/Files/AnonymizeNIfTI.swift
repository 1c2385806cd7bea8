import CNIfTI
import Foundation
import MedPipeCore
import MedPipeFormats

/// De-identification of single-file NIfTI-1/2 (`.nii`, `.nii.gz`) at the byte level: the header's
/// free-text fields are zeroed in the raw header bytes, the extensions are dropped (the extension
/// flag cleared and `vox_offset` moved to the end of the header), and the voxel bytes are copied
/// unchanged (any bytes after them are dropped). Everything else — qform, sform and their codes, scaling, dimensions — is untouched.
enum NIfTIRawHeader {
    /// The scrubbed file bytes (header, four zero extension bytes, voxels) and the fields touched.
    /// The header is parsed by the reader's ``NIfTIHeader`` (libnifti), so a header the reader
    /// rejects, or a `vox_offset` that is not a byte offset, is rejected here in the same words.
    static func scrub(_ bytes: [UInt8], source: String) throws -> (bytes: [UInt8], headerLength: Int, touched: [TouchedAttribute], text: [String]) {
        let parsed = try NIfTIHeader(bytes: bytes, source: source)
        guard parsed.version > 0, parsed.layout == .singleFile else {
            throw MedPipeError.unsupported(source, "not a single-file NIfTI: ANALYZE and header/image pairs are not de-identified")
        }
        // CIFTI-2 keeps its matrix's structure in an XML extension its readers require; without it the file is broken.
        if parsed.isCIFTI {
            throw MedPipeError.unsupported(source, "a CIFTI-2 file (intent code \(parsed.intentCode) with a CIFTI extension): de-identification drops every extension, and CIFTI readers cannot open the file without it; CIFTI is not de-identified")
        }
        let size = parsed.headerSize
        guard bytes.count >= size + 4 else {
            throw MedPipeError.malformed(source, "a file of \(bytes.count) bytes has no room for the extension flag after its \(size)-byte header")
        }
        let dataOffset = parsed.dataOffset
        guard dataOffset <= bytes.count, bytes.count - dataOffset >= parsed.dataByteCount else {
            throw MedPipeError.malformed(source, "truncated: vox_offset \(dataOffset) + \(parsed.dataByteCount) bytes of voxels, the file has \(bytes.count)")
        }
        var touched: [TouchedAttribute] = []
        var text: [String] = []
        for field in parsed.textFields {
            let value = bytes[field.range]
            if value.contains(where: { $0 != 0 }) {
                text.append(String(decoding: value.prefix { $0 != 0 }, as: UTF8.self))
                touched.append(TouchedAttribute(keyword: field.name, action: "empty"))
            }
        }
        if bytes[size] != 0 || dataOffset > size + 4 {
            touched.append(TouchedAttribute(keyword: "extensions", action: "remove"))
            if bytes[size] != 0 { text.append(String(decoding: bytes[(size + 4)..<dataOffset], as: UTF8.self)) }
        }
        // Bytes after the voxels belong to no field: a tool's trailer, or text appended on purpose; they were copied,
        // and the scan, which reads the header only, never saw them.
        let end = dataOffset + parsed.dataByteCount
        if end < bytes.count { touched.append(TouchedAttribute(keyword: "bytes after the voxels (\(bytes.count - end))", action: "remove")) }
        let header = parsed.rawHeaderWithoutText(dataOffset: size + 4)
        return (header + [0, 0, 0, 0] + bytes[dataOffset..<end], size + 4, touched, text)
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
        for text in scrubbed.text { identifiers.addText(text) }
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
