import CPNG
import Foundation
import MedPipeCore

/// Reads PNG images through libpng, giving what `numpy.asarray(PIL.Image.open(path))` gives for
/// gray, gray+alpha, RGB and RGBA at 8 and 16 bits; palettes are expanded to RGB (RGBA when the
/// palette has transparency) and 1/2/4-bit gray to 8 bits scaled to 0–255, as Pillow's
/// `convert("RGB")`/`convert("L")` do.
public struct PNGReader: Sendable {
    /// The largest decoded image the reader allocates, in bytes.
    public var maximumBytes: Int

    public init(maximumBytes: Int = 1 << 30) {
        self.maximumBytes = maximumBytes
    }

    /// The image as one record (format `png`): metadata `color_type`, `bit_depth` (as stored) and one
    /// `text.<key>` entry per text chunk.
    public func read(_ path: String) throws -> Record {
        let image = try readImage(path)
        var metadata: [String: MetadataValue] = ["color_type": .int(image.colorType), "bit_depth": .int(image.storedBitDepth)]
        for (key, value) in image.text where metadata["text." + key] == nil { metadata["text." + key] = .string(value) }
        return Record(source: path, format: FormatKind.png.rawValue, tensor: image.tensor, metadata: metadata, warnings: image.warnings)
    }

    /// The pixels and text chunks of the file at `path`.
    public func readImage(_ path: String) throws -> PNGImage {
        try decode(try FileBytes.read(path), source: path)
    }

    /// Decodes PNG bytes; `source` names them in errors.
    /// - Throws: `.malformed` for a bad signature, corrupt or truncated data (libpng's message);
    ///   `.unsupported` for an image larger than ``maximumBytes``.
    public func decode(_ bytes: [UInt8], source: String) throws -> PNGImage {
        try bytes.withUnsafeBytes { raw in
            var errorText = [CChar](repeating: 0, count: 256)
            var info = cpng_info()
            guard let decoder = cpng_decoder_open(raw.baseAddress, raw.count, &info, &errorText, errorText.count) else {
                throw MedPipeError.malformed(source, "PNG: \(Self.message(errorText))")
            }
            defer { cpng_decoder_close(decoder) }
            let rows = Int(info.height), columns = Int(info.width), channels = Int(info.channels)
            let dtype: DType = info.bit_depth == 16 ? .uint16 : .uint8
            let (pixels, overflow) = rows.multipliedReportingOverflow(by: columns * channels * dtype.size)
            guard !overflow, pixels <= maximumBytes else {
                throw MedPipeError.unsupported(source, "PNG of \(columns)×\(rows)×\(channels) \(dtype) exceeds the \(maximumBytes)-byte limit")
            }
            var status: Int32 = -1
            let data = LargeBuffer.make(count: pixels) { buffer in
                status = cpng_decoder_read(decoder, buffer, pixels, &errorText, errorText.count)
                return pixels
            }
            guard status >= 0 else { throw MedPipeError.malformed(source, "PNG: \(Self.message(errorText))") }
            let warnings = status == 1 ? ["PNG chunks after the image are damaged or missing: \(Self.message(errorText))"] : []
            let shape = channels == 1 ? [rows, columns] : [rows, columns, channels]
            return PNGImage(tensor: Tensor(shape: shape, dtype: dtype, bytes: data), text: Self.texts(decoder),
                            colorType: Int(info.color_type), storedBitDepth: Int(info.stored_bit_depth), warnings: warnings)
        }
    }

    private static func texts(_ decoder: OpaquePointer) -> [(key: String, value: String)] {
        (0..<cpng_decoder_text_count(decoder)).compactMap { index in
            guard let key = cpng_decoder_text_key(decoder, index) else { return nil }
            var length = 0
            var utf8: Int32 = 0
            guard let value = cpng_decoder_text_value(decoder, index, &length, &utf8) else { return (latin1(key), "") }
            let bytes = UnsafeRawBufferPointer(start: value, count: length)
            let text = utf8 != 0 ? String(decoding: bytes, as: UTF8.self) : String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            return (latin1(key), text)
        }
    }

    /// Keys are Latin-1 in every kind of text chunk.
    private static func latin1(_ text: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeRawBufferPointer(start: text, count: strlen(text))
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    private static func message(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
