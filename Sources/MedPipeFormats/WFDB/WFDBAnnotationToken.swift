import MedPipeCore

/// One unit of an MIT-format annotation file (annot(5)) and the bytes it spans.
///
/// ``tokens(_:source:)`` is the one walk of the format's words: the reader builds annotations from
/// its tokens, and de-identification copies them, dropping aux strings, so both always agree on
/// where every word and string begins.
public struct WFDBAnnotationToken: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `SKIP` (59): a signed 32-bit interval, in PDP-11 word order, added to the next annotation's.
        case skip(Int)
        /// An annotation: its code (1–58, or 0 for the end marker) and its 10-bit sample interval.
        case annotation(code: Int, interval: Int)
        /// `SUB` (61): the subtype, a signed byte.
        case subtype(Int)
        /// `CHN` (62): the channel, an unsigned byte.
        case channel(Int)
        /// `NUM` (60): the annotator number, a signed byte.
        case num(Int)
        /// `AUX` (63): the aux string's bytes (length in the word's low byte, as wfdb-python reads it).
        case aux([UInt8])
    }

    public var kind: Kind
    /// Where the token lies in the file, in bytes: the word and any payload, padding included.
    public var range: Range<Int>

    /// The tokens of an annotation file's bytes; an odd trailing byte is ignored. Throws
    /// `MedPipeError.malformed(source, ...)` when a `SKIP` or `AUX` runs past the end.
    public static func tokens(_ bytes: [UInt8], source: String) throws -> [WFDBAnnotationToken] {
        let words = bytes.count / 2
        func word(_ i: Int) -> Int { Int(bytes[2 * i]) | Int(bytes[2 * i + 1]) << 8 }
        func need(_ last: Int, at i: Int, _ what: String) throws {
            guard last < words else {
                throw MedPipeError.malformed(source, "truncated: \(what) at offset \(2 * i) needs byte pair \(last), file has \(bytes.count) bytes")
            }
        }
        var tokens: [WFDBAnnotationToken] = []
        tokens.reserveCapacity(words)
        var i = 0
        while i < words {
            let w = word(i), code = w >> 10, low = w & 0xFF
            let kind: Kind
            var length = 1
            switch code {
            case WFDBAnnotationCodes.skip:
                try need(i + 2, at: i, "SKIP interval")
                kind = .skip(Int(Int32(bitPattern: UInt32(word(i + 1) << 16 | word(i + 2)))))
                length = 3
            case WFDBAnnotationCodes.sub: kind = .subtype(Int(Int8(truncatingIfNeeded: low)))
            case WFDBAnnotationCodes.chn: kind = .channel(low)
            case WFDBAnnotationCodes.num: kind = .num(Int(Int8(truncatingIfNeeded: low)))
            case WFDBAnnotationCodes.aux:
                let pairs = (low + 1) / 2
                try need(i + pairs, at: i, "AUX string of \(low) bytes")
                kind = .aux(Array(bytes[(2 * i + 2)..<(2 * i + 2 + low)]))
                length = 1 + pairs
            default: kind = .annotation(code: code, interval: w & 0x3FF)
            }
            tokens.append(WFDBAnnotationToken(kind: kind, range: (2 * i)..<(2 * (i + length))))
            i += length
        }
        return tokens
    }
}
