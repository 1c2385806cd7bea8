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

    /// A `T` read from `text` by `decoder` (``decoder()`` when not given).
    /// - Throws: `.malformed` naming `subject` and `what` (e.g. "entry 3's geometry") when the text is not JSON of a `T`:
    ///   a damaged file, never a decoding error's dump.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, using decoder: JSONDecoder = decoder(),
                                            subject: String, _ what: @autoclosure () -> String) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            let context: DecodingError.Context? = switch error {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): c
            @unknown default: nil
            }
            let path = context.map { $0.codingPath.map(\.stringValue).joined(separator: ".") } ?? ""
            throw MedPipeError.malformed(subject, "\(what()) cannot be read\(path.isEmpty ? "" : " at " + path): \(context?.debugDescription ?? "not JSON")")
        }
    }
}
