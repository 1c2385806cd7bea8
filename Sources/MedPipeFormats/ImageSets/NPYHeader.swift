import Foundation
import MedPipeCore

/// The header of a NumPy `.npy` file: magic, version, and the Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeader: Equatable {
    /// Element type of the tensor the data becomes.
    var dtype: DType
    /// True when the stored values are big-endian and need swapping.
    var bigEndian: Bool
    /// True when the data is stored column-major.
    var fortranOrder: Bool
    var shape: [Int]
    /// Byte offset of the data (header length included).
    var dataOffset: Int
    /// The descriptor as stored, e.g. `>i2`.
    var descriptor: String
    /// Format version (1, 2 or 3).
    var version: Int

    /// Bytes of data the header describes.
    var byteCount: Int { shape.reduce(dtype.size, *) }

    /// Parses the header at the start of `bytes`.
    /// - Throws: `.malformed` for a bad magic number, a truncated or unparsable header;
    ///   `.unsupported` for object arrays (pickles), structured and other unsupported dtypes.
    init(_ bytes: UnsafeRawBufferPointer, source: String) throws {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic) else {
            throw MedPipeError.malformed(source, "not a .npy file: missing the \\x93NUMPY magic string")
        }
        version = Int(bytes[6])
        let lengthStart: Int, headerStart: Int, length: Int
        switch version {
        case 1:
            lengthStart = 8; headerStart = 10
            length = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw MedPipeError.malformed(source, ".npy header length field truncated at byte \(bytes.count)") }
            lengthStart = 8; headerStart = 12
            length = (0..<4).reduce(0) { $0 | Int(bytes[lengthStart + $1]) << (8 * $1) }
        default:
            throw MedPipeError.unsupported(source, ".npy format version \(version).\(bytes[7]) (MedPipe reads 1.0, 2.0 and 3.0)")
        }
        dataOffset = headerStart + length
        guard bytes.count >= dataOffset else {
            throw MedPipeError.malformed(source, ".npy header of \(length) bytes (from byte \(headerStart)) runs past the end of the data at byte \(bytes.count)")
        }
        guard let text = String(validating: bytes[headerStart..<dataOffset], as: UTF8.self) else {
            throw MedPipeError.malformed(source, ".npy header is not \(version == 3 ? "UTF-8" : "ASCII") text")
        }
        let fields = try NPYDictionary.parse(text, source: source)
        guard case .string(let descr)? = fields["descr"] else {
            if case .other(let raw)? = fields["descr"] {
                throw MedPipeError.unsupported(source, "structured .npy dtype \(raw) (MedPipe reads plain numeric arrays)")
            }
            throw MedPipeError.malformed(source, ".npy header has no 'descr' string: \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else {
            throw MedPipeError.malformed(source, ".npy header has no 'fortran_order' True/False")
        }
        guard case .tuple(let extents)? = fields["shape"] else {
            throw MedPipeError.malformed(source, ".npy header has no 'shape' tuple")
        }
        descriptor = descr
        fortranOrder = fortran
        shape = extents
        (dtype, bigEndian) = try Self.dtype(descr, source: source)
        // Every extent counts, even beside a zero one (numpy refuses such shapes too): a (0, 2^62, 2^62)
        // array holds nothing, but the size of one of its rows overflows.
        _ = try CheckedSize.product(shape.map { max($0, 1) } + [dtype.size], source: source, ".npy shape \(shape) × element size")
    }

    /// The tensor type and byte order of a NumPy type string such as `<u2`, `>f8` or `|b1`.
    private static func dtype(_ descr: String, source: String) throws -> (DType, Bool) {
        guard descr.count >= 2 else { throw MedPipeError.unsupported(source, "unsupported .npy dtype '\(descr)'") }
        let order = descr.first!
        let code = order == "<" || order == ">" || order == "|" || order == "=" ? String(descr.dropFirst()) : descr
        let bigEndian = order == ">"
        let types: [String: DType] = [
            "b1": .bool, "?": .bool, "u1": .uint8, "i1": .int8, "u2": .uint16, "i2": .int16, "u4": .uint32, "i4": .int32,
            "u8": .uint64, "i8": .int64, "f4": .float32, "f8": .float64,
        ]
        if let type = types[code] { return (type, bigEndian && type.size > 1) }
        if code.hasPrefix("O") {
            throw MedPipeError.unsupported(source, ".npy holds Python objects (dtype '\(descr)', a pickle): MedPipe reads only numeric arrays and never unpickles")
        }
        throw MedPipeError.unsupported(source, "unsupported .npy dtype '\(descr)' (MedPipe reads b1, u1, i1, u2, i2, u4, i4, u8, i8, f4, f8)")
    }
}

/// The tiny subset of Python literal syntax `.npy` headers use.
enum NPYDictionary {
    enum Value: Equatable {
        case string(String), bool(Bool), tuple([Int]), other(String)
    }

    /// Parses `{'key': value, ...}` where values are strings, True/False, tuples of integers or,
    /// for anything else (a structured dtype's list), the raw text.
    static func parse(_ text: String, source: String) throws -> [String: Value] {
        var scanner = Scanner(Array(text.utf8), source: source)
        var fields: [String: Value] = [:]
        try scanner.expect(UInt8(ascii: "{"))
        while true {
            scanner.skipSpaces()
            if scanner.consume(UInt8(ascii: "}")) { break }
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            fields[key] = try scanner.value()
            scanner.skipSpaces()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            try scanner.expect(UInt8(ascii: "}"))
            break
        }
        return fields
    }

    private struct Scanner {
        let bytes: [UInt8]
        let source: String
        var at = 0

        init(_ bytes: [UInt8], source: String) { self.bytes = bytes; self.source = source }

        mutating func skipSpaces() { while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x09 { at += 1 } }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        mutating func expect(_ byte: UInt8) throws {
            guard consume(byte) else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        }

        func failure(_ what: String) -> MedPipeError {
            .malformed(source, "bad .npy header: \(what) at character \(at) of \"\(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))\"")
        }

        mutating func string() throws -> String {
            skipSpaces()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "'") || bytes[at] == UInt8(ascii: "\"") else { throw failure("expected a quoted string") }
            let quote = bytes[at]
            at += 1
            let start = at
            while at < bytes.count, bytes[at] != quote { at += 1 }
            guard at < bytes.count else { throw failure("unterminated string") }
            defer { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        mutating func value() throws -> Value {
            skipSpaces()
            guard at < bytes.count else { throw failure("missing value") }
            switch bytes[at] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "T") where word("True"): return .bool(true)
            case UInt8(ascii: "F") where word("False"): return .bool(false)
            default: return .other(try balanced())
            }
        }

        private mutating func word(_ text: String) -> Bool {
            let word = Array(text.utf8)
            guard bytes.count - at >= word.count, bytes[at..<at + word.count].elementsEqual(word) else { return false }
            at += word.count
            return true
        }

        private mutating func tuple() throws -> [Int] {
            try expect(UInt8(ascii: "("))
            var extents: [Int] = []
            while true {
                if consume(UInt8(ascii: ")")) { return extents }
                skipSpaces()
                let start = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                // Python 2 wrote long extents as `3L`.
                let digits = String(decoding: bytes[start..<at], as: UTF8.self)
                if at < bytes.count, bytes[at] == UInt8(ascii: "L") { at += 1 }
                guard let extent = Int(digits) else { throw failure("expected a non-negative integer extent") }
                extents.append(extent)
                if consume(UInt8(ascii: ",")) { continue }
                try expect(UInt8(ascii: ")"))
                return extents
            }
        }

        /// Raw text of a bracketed value (a list or nested tuple), for error messages.
        private mutating func balanced() throws -> String {
            let start = at
            var depth = 0
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: ")"), UInt8(ascii: "}"): depth -= 1
                case UInt8(ascii: ",") where depth == 0: return String(decoding: bytes[start..<at], as: UTF8.self)
                default: break
                }
                if depth < 0 { return String(decoding: bytes[start..<at], as: UTF8.self) }
                at += 1
            }
            throw failure("unterminated value")
        }
    }
}
