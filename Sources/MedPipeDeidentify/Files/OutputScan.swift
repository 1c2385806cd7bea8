import MedPipeCore
import MedPipeFormats

/// The residual scan of one written output, before it is kept.
public struct OutputScan: Sendable {
    /// Texts and buffers scanned.
    public var scanned = 0
    public var hits: [ResidualHit] = []
    /// Findings that are not identifier hits but still forbid keeping the output (a private attribute left).
    public var problems: [String] = []

    public var passed: Bool { hits.isEmpty && problems.isEmpty }

    public init() {}

    /// Scans text under a location name.
    mutating func scan(_ text: String, location: String, with scanner: ResidualScanner) {
        scanned += 1
        hits += scanner.scan(text, location: location)
    }

    /// Scans raw bytes under a location name.
    mutating func scan(bytes: UnsafeRawBufferPointer, location: String, with scanner: ResidualScanner) {
        scanned += 1
        hits += scanner.scan(bytes: bytes, location: location)
    }

    /// Scans a DICOM output before it is written: every attribute's text in the file as serialized
    /// (all VRs, the new meta header, sequences, any private attribute left, which is itself a problem),
    /// then the serialized bytes outside the Pixel Data element (pixel values are not text; burned-in
    /// text is handled by withholding or blanking). When the Pixel Data cannot be located exactly, all
    /// the bytes are scanned. (Text in compressed Pixel Data withholds the file before: ``DICOMDeidentifier``.)
    public static func dicom(_ file: DICOMFile, output: DICOMSerialized, name: String, scanner: ResidualScanner) throws -> OutputScan {
        var result = OutputScan()
        for attribute in try file.attributes(textOnly: true) {
            let tag = attribute.tag
            if tag.group & 1 == 1 { result.problems.append("private attribute \(tag) remains at \(attribute.path)") }
            if !attribute.value.isEmpty { result.scan(attribute.value, location: "\(name) \(attribute.path)", with: scanner) }
        }
        output.withUnsafeBytes { raw in
            if let span = output.checkedPixelData {
                result.scan(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<span.offset]), location: "\(name) bytes", with: scanner)
                if span.offset + span.length < raw.count {
                    result.scan(bytes: UnsafeRawBufferPointer(rebasing: raw[(span.offset + span.length)...]), location: "\(name) bytes after pixel data", with: scanner)
                }
            } else {
                result.scan(bytes: raw, location: "\(name) bytes", with: scanner)
            }
        }
        return result
    }

    /// Scans a whole file's bytes (text outputs, headers, annotation files).
    public static func file(_ path: String, name: String, scanner: ResidualScanner) throws -> OutputScan {
        var result = OutputScan()
        let bytes = try FileBytes.read(path)
        bytes.withUnsafeBytes { result.scan(bytes: $0, location: name, with: scanner) }
        return result
    }

    /// Scans the `region` of a written output again, with another scanner (the whole batch's identifiers).
    static func region(_ pending: PendingOutput, scanner: ResidualScanner) throws -> OutputScan {
        var result = OutputScan()
        switch pending.region {
        case .whole:
            let bytes = try FileBytes.read(pending.temporary)
            bytes.withUnsafeBytes { result.scan(bytes: $0, location: pending.final, with: scanner) }
        case .outside(let offset, let length):
            let (before, after) = try FileBytes.read(pending.temporary, outside: offset..<(offset + length))
            before.withUnsafeBytes { result.scan(bytes: $0, location: "\(pending.final) bytes", with: scanner) }
            if !after.isEmpty {
                after.withUnsafeBytes { result.scan(bytes: $0, location: "\(pending.final) bytes after pixel data", with: scanner) }
            }
        case .samples:
            break
        case .niftiHeader(let length):
            let bytes = try NIfTIRawHeader.read(pending.temporary, source: pending.final)
            bytes.withUnsafeBytes { raw in
                result.scan(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<min(length, raw.count)]), location: "\(pending.final) header", with: scanner)
            }
        }
        return result
    }

    mutating func merge(_ other: OutputScan) {
        scanned += other.scanned
        hits += other.hits
        problems += other.problems
    }
}

/// Which bytes of an output hold text worth scanning.
enum ScanRegion: Sendable {
    /// Every byte (text outputs: CSV, WFDB headers and annotations).
    case whole
    /// Every byte outside `length` bytes at `offset` (a DICOM output's Pixel Data element).
    case outside(offset: Int, length: Int)
    /// The first `length` bytes after decompression (a NIfTI header and its extensions).
    case niftiHeader(length: Int)
    /// No text at all (WFDB signal samples, copied as they are).
    case samples
}

/// An output that passed its own scan, written under a temporary name, waiting for the scan across the
/// whole batch before it gets its final name.
struct PendingOutput: Sendable {
    var temporary: String
    var final: String
    var region: ScanRegion
}
