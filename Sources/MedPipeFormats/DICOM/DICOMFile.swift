import CDCMTK
import MedPipeCore

/// An open DICOM file, parsed by DCMTK: attribute access, attribute enumeration and decoded pixel data.
///
/// Large values (pixel data, big private blobs) stay on disk until they are asked for. One instance
/// must be used by one thread at a time; different instances may be used concurrently.
public final class DICOMFile: @unchecked Sendable {
    /// The path the file was opened from (used in every error).
    public let path: String
    private let handle: OpaquePointer

    /// Opens and parses the file at `path` (with or without preamble and meta header).
    /// - Throws: ``MedPipeError`` `.io` when it cannot be opened, `.malformed` when it is not DICOM or corrupt.
    public init(path: String) throws {
        self.path = path
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = cdcmtk_open(path, 0, &error, error.count) else {
            let message = errorText(error)
            if message.hasPrefix("cannot open") { throw MedPipeError.io(path, message) }
            throw MedPipeError.malformed(path, message)
        }
        self.handle = handle
    }

    deinit { cdcmtk_close(handle) }

    /// The transfer syntax UID the dataset was encoded in.
    public var transferSyntaxUID: String { String(cString: cdcmtk_transfer_syntax(handle)) }

    /// True when the top-level attribute is present (even with an empty value).
    public func has(_ tag: DICOMTag) -> Bool { cdcmtk_has(handle, tag.group, tag.element) == 1 }

    /// The value of a top-level attribute as text with surrounding spaces and NULs removed
    /// (multiple values joined by `\`), or nil when absent or empty.
    public func string(_ tag: DICOMTag) throws -> String? {
        var out: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 256)
        let status = cdcmtk_get_string(handle, tag.group, tag.element, &out, &error, error.count)
        if status < 0 { throw MedPipeError.malformed(path, "attribute \(tag): \(errorText(error))") }
        guard status == 1, let out else { return nil }
        defer { cdcmtk_free(out) }
        let text = String(cString: out).trimmingDICOMPadding()
        return text.isEmpty ? nil : text
    }

    /// The values of a multi-valued attribute, each trimmed.
    public func strings(_ tag: DICOMTag) throws -> [String]? {
        try string(tag)?.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingDICOMPadding() }
    }

    /// The numeric values of a DS, IS or binary numeric attribute, parsed as Python parses them.
    /// - Throws: `.malformed` naming the attribute when a value is not a number.
    public func doubles(_ tag: DICOMTag) throws -> [Double]? {
        guard let values = try strings(tag) else { return nil }
        return try values.map { text in
            guard let value = Double(text) else {
                throw MedPipeError.malformed(path, "attribute \(tag) holds '\(text)', expected a number")
            }
            return value
        }
    }

    /// The first numeric value of an attribute.
    public func double(_ tag: DICOMTag) throws -> Double? { try doubles(tag)?.first }

    /// The first value of an integer attribute (IS, US, SS, ...).
    public func int(_ tag: DICOMTag) throws -> Int? {
        guard let text = try strings(tag)?.first else { return nil }
        guard let value = Int(text) ?? Double(text).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
            throw MedPipeError.malformed(path, "attribute \(tag) holds '\(text)', expected an integer")
        }
        return value
    }

    /// Every attribute of the meta header and the dataset, depth first through sequences.
    public func attributes() throws -> [DICOMAttribute] {
        final class Collector { var attributes: [DICOMAttribute] = [] }
        let collector = Collector()
        var error = [CChar](repeating: 0, count: 256)
        let status = withExtendedLifetime(collector) {
            cdcmtk_walk(handle, { attribute, context in
                guard let attribute, let context else { return 1 }
                let a = attribute.pointee
                let vr = withUnsafeBytes(of: a.vr) { String(decoding: $0.prefix(2), as: UTF8.self) }
                Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().attributes.append(DICOMAttribute(
                    path: String(cString: a.path), tag: DICOMTag(a.group, a.element), vr: vr, depth: Int(a.depth),
                    isMeta: a.is_meta != 0, length: Int(a.length), value: String(cString: a.value)))
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque(), &error, error.count)
        }
        if status < 0 { throw MedPipeError.malformed(path, errorText(error)) }
        return collector.attributes
    }

    /// Decodes the pixel data of every frame and calls `body` with the layout and the native
    /// little-endian bytes, which stay valid only during the call.
    func withDecodedPixels<R>(_ body: (cdcmtk_pixel_layout, UnsafeRawBufferPointer) throws -> R) throws -> R {
        var layout = cdcmtk_pixel_layout()
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        guard let bytes = cdcmtk_decode_pixels(handle, &layout, &length, &error, error.count) else {
            let message = errorText(error)
            if message.contains("not supported") { throw MedPipeError.unsupported(path, message) }
            throw MedPipeError.malformed(path, message)
        }
        return try body(layout, UnsafeRawBufferPointer(start: bytes, count: length))
    }
}

extension String {
    /// The string without leading/trailing spaces and trailing NULs (DICOM value padding).
    func trimmingDICOMPadding() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\0" { scalars = scalars.dropLast() }
        while let first = scalars.first, first == " " { scalars = scalars.dropFirst() }
        return String(scalars)
    }
}

/// The NUL-terminated text the shim wrote into an error buffer.
private func errorText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
