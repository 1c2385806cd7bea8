import Foundation

/// JSON for values that can hold NaN or infinities: geometry and metadata read from files (a NaN
/// pixdim), fitted statistics. JSON has no such numbers, so they are written as the strings `"nan"`,
/// `"inf"` and `"-inf"` and read back from them, instead of failing to encode.
public enum JSONCoding {
    /// An encoder with sorted keys (the same value always gives the same text).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// A decoder that reads what ``encoder()`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
