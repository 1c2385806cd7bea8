import CPNG
import Foundation
import MedPipeCore

/// Writes 8- or 16-bit gray, gray+alpha, RGB and RGBA PNGs with any number of text chunks
/// (provenance on Grad-CAM overlays, for instance).
public struct PNGWriter: Sendable {
    /// zlib level, 0 (none) to 9 (smallest).
    public var compressionLevel: Int
    /// libpng's default: each row takes the filter that suits it best. False: every row takes the Up
    /// filter, several times faster to write and as small for magnified pictures, whose rows repeat.
    public var adaptiveFiltering: Bool
    /// True: instead of libpng and zlib, MedPipe's own deflate of runs (``RowDeflate``): a run of pixels equal to
    /// the one on their left or to those above is a copy, every other byte stored as it is. For Grad-CAM's
    /// magnified overlays that is about 8 times as fast as libpng with zlib's fastest level, and the files are
    /// about 1.2 times as large; pictures without such runs compress little. `compressionLevel` and `adaptiveFiltering` are unused.
    public var rowRuns: Bool

    public init(compressionLevel: Int = 6, adaptiveFiltering: Bool = true, rowRuns: Bool = false) {
        self.compressionLevel = compressionLevel
        self.adaptiveFiltering = adaptiveFiltering
        self.rowRuns = rowRuns
    }

    /// The PNG bytes for `tensor` — `(rows, columns)` or `(rows, columns, channels)` with 1 to 4
    /// channels, uint8 or uint16 — with one text chunk per pair, in order.
    ///
    /// Values that are Latin-1 go in `tEXt` chunks, others in uncompressed `iTXt` (UTF-8).
    /// - Throws: `.invalidArgument` for another shape or dtype, or a key that is not 1–79 printable
    ///   Latin-1 characters without leading, trailing or double spaces (the PNG rule).
    public func encode(_ tensor: Tensor, text: [(key: String, value: String)] = []) throws -> [UInt8] {
        let shape = tensor.shape
        guard shape.count == 2 || (shape.count == 3 && (1...4).contains(shape[2])),
              tensor.dtype == .uint8 || tensor.dtype == .uint16 else {
            throw MedPipeError.invalidArgument("PNG", "a PNG holds (rows, columns[, 1-4 channels]) uint8 or uint16, not \(tensor.dtype) \(shape)")
        }
        guard shape[0] > 0, shape[1] > 0, shape[0] <= 0x7FFF_FFFF, shape[1] <= 0x7FFF_FFFF else {
            throw MedPipeError.invalidArgument("PNG", "image of \(shape[1])×\(shape[0]) pixels cannot be a PNG")
        }
        for (key, _) in text { try Self.validate(key: key) }
        let latin1 = text.map { pair in pair.value.unicodeScalars.allSatisfy { $0.value <= 0xFF && $0.value != 0 } }
        if rowRuns { return Self.encodeRowRuns(tensor, text: text, latin1: latin1) }
        // tEXt values are Latin-1 bytes; iTXt values UTF-8 (C strings: a NUL ends them).
        let cString = { (bytes: [UInt8]) in bytes.map { CChar(bitPattern: $0) } + [0] }
        let keys = text.map { cString(Self.latin1($0.key)) }
        let values = zip(text, latin1).map { pair, isLatin1 in cString(Self.textBytes(pair.value, latin1: isLatin1)) }
        let utf8Flags = latin1.map { $0 ? Int32(0) : 1 }
        var output: UnsafeMutableRawPointer?
        var count = 0
        var errorText = [CChar](repeating: 0, count: 256)
        // All strings in one buffer, addressed by offset.
        let blob = Array((keys + values).joined())
        let starts = (keys + values).reduce(into: [0]) { $0.append($0.last! + $1.count) }.dropLast()
        let status = blob.withUnsafeBufferPointer { strings in
            let pointers = starts.map { UnsafePointer<CChar>?(strings.baseAddress! + $0) }
            return tensor.bytes.withUnsafeBytes { pixels in
                cpng_encode(pixels.baseAddress, UInt32(shape[1]), UInt32(shape[0]), Int32(shape.count == 2 ? 1 : shape[2]),
                            Int32(tensor.dtype.size * 8), Array(pointers.prefix(keys.count)), Array(pointers.dropFirst(keys.count)),
                            utf8Flags, text.count, Int32(max(0, min(9, compressionLevel))), adaptiveFiltering ? 1 : 0, &output, &count, &errorText, errorText.count)
            }
        }
        guard status == 0, let output else {
            throw MedPipeError.io("PNG", "cannot encode: \(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer { cpng_free(output) }
        return Array(UnsafeRawBufferPointer(start: output, count: count))
    }

    /// Writes `tensor` to `path` atomically (a temporary file renamed into place), or with `inPlace` straight
    /// to `path` (``AtomicFile/writeInPlace(_:parts:)``, for files an index written after them vouches for);
    /// like ``NPYWriter`` not flushed to disk: a caller writing many files flushes them once.
    public func write(_ tensor: Tensor, to path: String, text: [(key: String, value: String)] = [], inPlace: Bool = false) throws {
        let bytes = try encode(tensor, text: text)
        try bytes.withUnsafeBytes { if inPlace { try AtomicFile.writeInPlace(path, parts: [$0]) } else { try AtomicFile.write(path, parts: [$0]) } }
    }

    /// The PNG of ``rowRuns``: signature, header, the text chunks, the pixels' zlib stream and the end, as libpng
    /// lays them out.
    private static func encodeRowRuns(_ tensor: Tensor, text: [(key: String, value: String)], latin1: [Bool]) -> [UInt8] {
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        let channels = tensor.shape.count == 2 ? 1 : tensor.shape[2], sampleBytes = tensor.dtype.size
        let rowBytes = columns * channels * sampleBytes
        var deflate = RowDeflate(rowBytes: rowBytes, bytesPerPixel: channels * sampleBytes)
        var samples = tensor.bytes
        ByteOrder.swapInPlace(&samples, elementSize: sampleBytes)   // 16-bit samples are big-endian in a PNG
        samples.withUnsafeBytes { pixels in
            for r in 0..<rows {
                deflate.append(UnsafeRawBufferPointer(rebasing: pixels[(r * rowBytes)..<((r + 1) * rowBytes)]),
                               previous: r == 0 ? nil : UnsafeRawBufferPointer(rebasing: pixels[((r - 1) * rowBytes)..<(r * rowBytes)]))
            }
        }
        let stream = deflate.finish()
        var png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        func bigEndian(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ body: some Collection<UInt8>) {
            png += bigEndian(body.count)
            let start = png.count
            png += Array(type.utf8)
            png += body
            png += bigEndian(Int(png[start...].withUnsafeBytes { Deflate.crc32($0) }))
        }
        let colorType: [UInt8] = [0, 4, 2, 6]
        chunk("IHDR", bigEndian(columns) + bigEndian(rows) + [UInt8(sampleBytes * 8), colorType[channels - 1], 0, 0, 0])
        for ((key, value), isLatin1) in zip(text, latin1) {
            // iTXt: not compressed, no language tag, no translated keyword.
            chunk(isLatin1 ? "tEXt" : "iTXt", Self.latin1(key) + (isLatin1 ? [0] : [0, 0, 0, 0, 0]) + Self.textBytes(value, latin1: isLatin1))
        }
        for start in stride(from: 0, to: stream.count, by: 1 << 20) { chunk("IDAT", stream[start..<min(stream.count, start + 1 << 20)]) }
        chunk("IEND", [])
        return png
    }

    private static func validate(key: String) throws {
        let scalars = Array(key.unicodeScalars)
        let printable = scalars.allSatisfy { (0x20...0x7E).contains($0.value) || (0xA1...0xFF).contains($0.value) }
        guard (1...79).contains(scalars.count), printable, scalars.first != " ", scalars.last != " ", !key.contains("  ") else {
            throw MedPipeError.invalidArgument("PNG", "text chunk key '\(key)' must be 1-79 printable Latin-1 characters without leading, trailing or double spaces")
        }
    }

    /// The bytes of a text that is Latin-1 (validated keys, values `encode` found Latin-1).
    private static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    /// A text chunk's value: Latin-1 bytes for tEXt, UTF-8 without NULs for iTXt (a NUL would end it).
    private static func textBytes(_ value: String, latin1 isLatin1: Bool) -> [UInt8] {
        isLatin1 ? latin1(value) : value.utf8.filter { $0 != 0 }
    }
}
