/// A DICOM attribute tag `(group, element)` as one 32-bit number, written `(GGGG,EEEE)`.
///
/// De-identification depends only on MedPipeCore, so it names tags itself rather than borrow the
/// reader's type; `rawValue` is `group << 16 | element` either way.
public struct AttributeTag: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ group: UInt16, _ element: UInt16) { rawValue = UInt32(group) << 16 | UInt32(element) }
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public var group: UInt16 { UInt16(rawValue >> 16) }
    public var element: UInt16 { UInt16(rawValue & 0xFFFF) }
    /// Odd groups (other than the reserved 0001, 0003, 0005, 0007 and FFFF) hold private attributes.
    public var isPrivate: Bool { group & 1 == 1 && group > 0x0007 && group != 0xFFFF }
    /// `(gggg,0010)`–`(gggg,00FF)` in a private group: the block's creator string.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }

    public var description: String { "(\(hex4(group)),\(hex4(element)))" }

    public static func < (a: AttributeTag, b: AttributeTag) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let digits = text.filter(\.isHexDigit)
        guard digits.count == 8, let value = UInt32(digits, radix: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a tag: \(text)"))
        }
        rawValue = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A row's tag in Table E.1-1: one tag, or a repeating-group mask such as `(60xx,3000)`.
public struct TagPattern: Sendable, Hashable, CustomStringConvertible {
    /// Bits that must match.
    public var mask: UInt32
    /// Their value.
    public var value: UInt32

    public init(mask: UInt32, value: UInt32) {
        self.mask = mask
        self.value = value & mask
    }

    public init(_ tag: AttributeTag) { self.init(mask: 0xFFFF_FFFF, value: tag.rawValue) }

    /// `(gggg,eeee) where gggg is odd`: the Private Attributes row (bit 16 is the group's low bit).
    public static let privateAttributes = TagPattern(mask: 0x0001_0000, value: 0x0001_0000)

    public func matches(_ tag: AttributeTag) -> Bool { tag.rawValue & mask == value }
    /// True for a single tag rather than a mask.
    public var isExact: Bool { mask == 0xFFFF_FFFF }

    /// `(0010,0010)`, `(60xx,3000)`, `(50xx,xxxx)` or `(gggg,eeee) where gggg is odd`.
    public var description: String {
        if self == .privateAttributes { return "(gggg,eeee) where gggg is odd" }
        var digits = Array(hex4(UInt16(value >> 16)) + hex4(UInt16(value & 0xFFFF)))
        for nibble in 0..<8 where (mask >> UInt32(28 - 4 * nibble)) & 0xF == 0 { digits[nibble] = "x" }
        return "(" + String(digits[0..<4]) + "," + String(digits[4..<8]) + ")"
    }

    /// Parses `GGGGEEEE` with `x` for any hexadecimal digit (`60xx3000`), or `ggggeeee` for private attributes.
    init?(table text: Substring) {
        if text == "ggggeeee" { self = .privateAttributes; return }
        guard text.count == 8 else { return nil }
        var mask: UInt32 = 0, value: UInt32 = 0
        for character in text {
            mask <<= 4
            value <<= 4
            if character == "x" { continue }
            guard let digit = character.hexDigitValue else { return nil }
            mask |= 0xF
            value |= UInt32(digit)
        }
        self.init(mask: mask, value: value)
    }
}

func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
