/// A bounds-checked cursor over bytes for parsing binary formats.
///
/// Every read past the end throws ``MedPipeError`` `.malformed` naming the source and the offset,
/// so a truncated file is an error, never a crash.
public struct ByteReader {
    public let bytes: [UInt8]
    /// Name used in errors (usually the file path).
    public let source: String
    /// Offset of the next byte to read.
    public var offset: Int

    public init(_ bytes: [UInt8], source: String, offset: Int = 0) {
        self.bytes = bytes
        self.source = source
        self.offset = offset
    }

    /// Bytes left after the cursor.
    public var remaining: Int { bytes.count - offset }

    /// Fails unless `count` more bytes are available; `what` names what was being read.
    public func require(_ count: Int, _ what: String) throws {
        guard count >= 0, offset + count <= bytes.count else {
            throw MedPipeError.malformed(source, "truncated: \(what) needs \(count) bytes at offset \(offset), file has \(bytes.count)")
        }
    }

    /// Reads `count` raw bytes.
    public mutating func read(_ count: Int, _ what: String = "data") throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func uint8(_ what: String = "byte") throws -> UInt8 {
        try require(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads an unsigned integer of `width` bytes (1...8) in the given byte order.
    public mutating func unsigned(width: Int, bigEndian: Bool = false, _ what: String = "integer") throws -> UInt64 {
        try require(width, what)
        var value: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(bytes[offset + (bigEndian ? i : width - 1 - i)])
            value = (value << 8) | byte
        }
        offset += width
        return value
    }

    public mutating func uint16(bigEndian: Bool = false, _ what: String = "uint16") throws -> UInt16 {
        UInt16(try unsigned(width: 2, bigEndian: bigEndian, what))
    }

    public mutating func uint32(bigEndian: Bool = false, _ what: String = "uint32") throws -> UInt32 {
        UInt32(try unsigned(width: 4, bigEndian: bigEndian, what))
    }

    public mutating func int32(bigEndian: Bool = false, _ what: String = "int32") throws -> Int32 {
        Int32(bitPattern: try uint32(bigEndian: bigEndian, what))
    }
}
