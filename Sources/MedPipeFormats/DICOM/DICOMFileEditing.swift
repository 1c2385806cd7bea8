import CDCMTK
import MedPipeCore

/// Where the top-level Pixel Data element lies in a file: its tag, VR, length and value.
public struct DICOMByteSpan: Sendable, Hashable {
    public var offset: Int
    public var length: Int
}

/// A DICOM file serialized in memory, byte for byte as `DICOMFile.save(to:)` would write it.
public final class DICOMSerialized: @unchecked Sendable {
    // Safety: immutable after init; the buffer is owned (malloc'ed by the shim) and freed once.
    private let start: UnsafeMutablePointer<UInt8>?
    /// Number of bytes.
    public let count: Int
    /// Where the top-level Pixel Data element lies in the bytes, computed from the dataset (check the
    /// tag at the offset before relying on it); nil when there is none.
    public let pixelData: DICOMByteSpan?
    /// The transfer syntax UID of the serialized dataset.
    public let transferSyntaxUID: String

    init(taking output: cdcmtk_serialized) {
        start = output.bytes
        count = output.bytes == nil ? 0 : output.length
        pixelData = output.pixel_length == 0 ? nil : DICOMByteSpan(offset: Int(output.pixel_offset), length: Int(output.pixel_length))
        transferSyntaxUID = Swift.withUnsafeBytes(of: output.transfer_syntax) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    deinit { cdcmtk_free(start) }

    /// ``pixelData`` when the bytes hold it as computed: within them, the tag (7FE0,0010) in little endian at its offset;
    /// else nil (then the element cannot be told from the rest of the bytes).
    public var checkedPixelData: DICOMByteSpan? {
        guard let span = pixelData, span.offset + span.length <= count, span.offset + 4 <= count else { return nil }
        return withUnsafeBytes { raw in raw[span.offset] == 0xE0 && raw[span.offset + 1] == 0x7F && raw[span.offset + 2] == 0x10 && raw[span.offset + 3] == 0x00 }
            ? span : nil
    }

    /// Calls `body` with the bytes, valid only during the call.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: start, count: count))
    }
}

/// Editing and writing through DCMTK. Paths are the walk's (`DICOMAttribute.path`): `(0010,0010)`,
/// `(0008,1140)[0].(0008,1155)`; `meta: true` addresses the File Meta Information.
extension DICOMFile {
    /// Removes the attribute at `path`; false when it was absent.
    @discardableResult
    public func remove(_ path: String, meta: Bool = false) throws -> Bool {
        try status(path) { cdcmtk_remove(handle, meta ? 1 : 0, path, $0, $1) } == 0
    }

    /// Sets the value (values joined by `\`) of the attribute at `path`, creating it when absent with
    /// `vr`, or the data dictionary's VR when `vr` is nil. An existing attribute keeps its VR.
    public func put(_ path: String, _ value: String, vr: String? = nil, meta: Bool = false) throws {
        _ = try status(path) { err, len in
            if let vr { return cdcmtk_put_string(handle, meta ? 1 : 0, path, value, vr, err, len) }
            return cdcmtk_put_string(handle, meta ? 1 : 0, path, value, nil, err, len)
        }
    }

    /// Replaces the value of the existing attribute at `path`, keeping its VR.
    public func replace(_ path: String, _ value: String, meta: Bool = false) throws {
        _ = try status(path) { cdcmtk_replace_string(handle, meta ? 1 : 0, path, value, $0, $1) }
    }

    /// Replaces the text of the existing attribute at `path` of a dataset in character set `specificCharacterSet`
    /// with `text` in that set's bytes (``DICOMCharacterSet/encode(_:specificCharacterSet:)``), keeping its VR.
    public func replace(_ path: String, text: String, specificCharacterSet: String) throws {
        guard let bytes = DICOMCharacterSet.encode(text, specificCharacterSet: specificCharacterSet) else {
            throw MedPipeError.unsupported(self.path, "\(path): the text cannot be written in the character set '\(specificCharacterSet)'")
        }
        let value = bytes.map { CChar(bitPattern: $0) } + [0]
        _ = try status(path) { cdcmtk_replace_string(handle, 0, path, value, $0, $1) }
    }

    /// Converts every text value, in every sequence item, to UTF-8 from the character sets the dataset names, which
    /// then names ISO_IR 192 (DCMTK through iconv).
    public func convertToUTF8() throws {
        var error = [CChar](repeating: 0, count: 512)
        guard cdcmtk_convert_to_utf8(handle, &error, error.count) == 0 else { throw MedPipeError.unsupported(path, editErrorText(error)) }
    }

    /// Gives the attribute at `path` a zero-length value (a sequence loses its items); false when absent.
    @discardableResult
    public func empty(_ path: String, meta: Bool = false) throws -> Bool {
        try status(path) { cdcmtk_empty(handle, meta ? 1 : 0, path, $0, $1) } == 0
    }

    /// Creates or replaces the sequence at `path` with `items` empty items.
    public func newSequence(_ path: String, items: Int, meta: Bool = false) throws {
        guard items >= 0, items <= Int(UInt32.max) else { throw MedPipeError.invalidArgument(path, "item count \(items)") }
        _ = try status(path) { cdcmtk_new_sequence(handle, meta ? 1 : 0, path, UInt32(items), $0, $1) }
    }

    /// Removes every private attribute, private creators included, at every depth; returns how many.
    @discardableResult
    public func removePrivateAttributes() throws -> Int {
        var error = [CChar](repeating: 0, count: 512)
        let removed = cdcmtk_remove_private(handle, &error, error.count)
        if removed < 0 { throw MedPipeError.malformed(path, editErrorText(error)) }
        return removed
    }

    /// Blanks the rectangle in every frame (see `cdcmtk_blank_rectangle`); the file is then written uncompressed.
    /// Clears overlay planes kept in the unused high bits of Pixel Data and removes their groups' attributes;
    /// returns how many planes were cleared (0: none, nothing changed).
    public func clearEmbeddedOverlays() throws -> Int {
        var error = [CChar](repeating: 0, count: 512)
        let cleared = cdcmtk_clear_embedded_overlays(handle, &error, error.count)
        guard cleared >= 0 else { throw MedPipeError.unsupported(path, editErrorText(error)) }
        return cleared
    }

    /// Drops the bytes of native Pixel Data after the image's frames (and the pad byte that makes the value even):
    /// bytes no reader shows, copied with the file, where text can hide. Returns how many were dropped (0 when the
    /// value is the image's size, or the pixel data is encapsulated or absent).
    public func dropBytesAfterNativeFrames() throws -> Int {
        var error = [CChar](repeating: 0, count: 512)
        let dropped = cdcmtk_drop_bytes_after_native_frames(handle, &error, error.count)
        guard dropped >= 0 else { throw MedPipeError.unsupported(path, editErrorText(error)) }
        return dropped
    }

    public func blank(x: Int, y: Int, width: Int, height: Int) throws {
        guard x >= 0, y >= 0, width >= 0, height >= 0, x <= Int(UInt32.max), y <= Int(UInt32.max),
              width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw MedPipeError.invalidArgument(path, "rectangle \(x),\(y),\(width),\(height) has negative or huge values")
        }
        var error = [CChar](repeating: 0, count: 512)
        if cdcmtk_blank_rectangle(handle, UInt32(x), UInt32(y), UInt32(width), UInt32(height), &error, error.count) != 0 {
            throw MedPipeError.unsupported(path, editErrorText(error))
        }
    }

    /// Writes the file to `destination` atomically (temporary file, then rename) with a new File Meta
    /// Information; returns the transfer syntax UID written.
    @discardableResult
    public func save(to destination: String) throws -> String {
        var error = [CChar](repeating: 0, count: 512)
        var xfer = [CChar](repeating: 0, count: 65)
        if cdcmtk_save(handle, destination, &xfer, &error, error.count) != 0 {
            throw MedPipeError.io(destination, editErrorText(error))
        }
        return editErrorText(xfer)
    }

    /// The file serialized in memory as `save(to:)` would write it (same transfer syntax, new File Meta
    /// Information). The handle then holds that meta header, so `attributes()` lists what was serialized.
    public func serialized() throws -> DICOMSerialized {
        var output = cdcmtk_serialized()
        var error = [CChar](repeating: 0, count: 512)
        guard cdcmtk_serialize(handle, &output, &error, error.count) == 0 else {
            throw MedPipeError.malformed(path, editErrorText(error))
        }
        return DICOMSerialized(taking: output)
    }

    /// Where the top-level Pixel Data lies in the file as `save` writes it; nil when there is none.
    public func pixelDataSpan() throws -> DICOMByteSpan? {
        var offset: UInt64 = 0, length: UInt64 = 0
        var error = [CChar](repeating: 0, count: 512)
        switch cdcmtk_pixel_data_span(handle, &offset, &length, &error, error.count) {
        case 0: return DICOMByteSpan(offset: Int(offset), length: Int(length))
        case 1: return nil
        default: throw MedPipeError.malformed(path, editErrorText(error))
        }
    }

    private func status(_ attributePath: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws -> Int32 {
        var error = [CChar](repeating: 0, count: 512)
        let result = error.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        if result < 0 { throw MedPipeError.malformed(path, "\(attributePath): \(editErrorText(error))") }
        return result
    }
}

private func editErrorText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
