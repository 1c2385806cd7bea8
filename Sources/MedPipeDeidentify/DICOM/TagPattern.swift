import MedPipeFormats

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

    public init(_ tag: DICOMTag) { self.init(mask: 0xFFFF_FFFF, value: tag.rawValue) }

    /// `(gggg,eeee) where gggg is odd`: the Private Attributes row (bit 16 is the group's low bit).
    public static let privateAttributes = TagPattern(mask: 0x0001_0000, value: 0x0001_0000)

    public func matches(_ tag: DICOMTag) -> Bool { tag.rawValue & mask == value }
    /// True for a single tag rather than a mask.
    public var isExact: Bool { mask == 0xFFFF_FFFF }

    /// `(0010,0010)`, `(60xx,3000)`, `(50xx,xxxx)` or `(gggg,eeee) where gggg is odd`.
    public var description: String {
        if self == .privateAttributes { return "(gggg,eeee) where gggg is odd" }
        var digits = Array(DICOMTag.hex4(UInt16(value >> 16)) + DICOMTag.hex4(UInt16(value & 0xFFFF)))
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

