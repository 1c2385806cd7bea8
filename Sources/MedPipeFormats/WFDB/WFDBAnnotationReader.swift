import MedPipeCore

/// Reads WFDB annotation files in MIT format (annot(5)): `.atr`, `.qrs` or any annotator extension.
///
/// Each annotation is a 16-bit little-endian word: 6 high bits of code, 10 low bits of sample
/// interval. Pseudo-codes follow or precede it: `SKIP` (59, a 32-bit interval in PDP-11 word
/// order), `NUM` (60), `SUB` (61), `CHN` (62) and `AUX` (63, a byte count and the bytes, padded to
/// even). Sample numbers accumulate; `chan` and `num` carry over from the previous annotation,
/// `subtype` and `aux` reset. As wfdb-python's `rdann` does, code-0 entries and `NOTE`
/// annotations at sample 0 (file definitions such as `## time resolution`) are not returned;
/// the time resolution, if present, is reported by ``read(_:)`` as `frequency`.
public struct WFDBAnnotationReader: Sendable {
    public init() {}

    /// The annotations of one file and its stated time resolution (annotation ticks per second), if any.
    public struct Result: Sendable {
        public var annotations: [Annotation]
        public var frequency: Double?
    }

    /// Reads the annotation file at `path`.
    public func read(_ path: String) throws -> Result {
        let bytes = try FileBytes.read(path)
        let words = bytes.count / 2
        func word(_ i: Int) -> Int { Int(bytes[2 * i]) | Int(bytes[2 * i + 1]) << 8 }
        func code(_ i: Int) -> Int { Int(bytes[2 * i + 1]) >> 2 }
        func need(_ i: Int, _ what: String) throws {
            guard i < words else {
                throw MedPipeError.malformed(path, "truncated: \(what) needs byte pair \(i) at offset \(2 * i), file has \(bytes.count) bytes")
            }
        }

        var annotations: [Annotation] = []
        var definitions: [String] = []
        var sample = 0
        var chan = 0, num = 0
        var i = 0
        // The last word of the file is the end marker (0); like rdann, stop before it.
        while i < words - 1 {
            var interval = 0
            while i < words, code(i) == WFDBAnnotationCodes.skip {
                try need(i + 2, "SKIP interval")
                let high = word(i + 1), low = word(i + 2)
                interval += Int(Int32(bitPattern: UInt32(high << 16 | low)))
                i += 3
            }
            try need(i, "annotation")
            let label = code(i)
            interval += word(i) & 0x3FF
            i += 1
            sample += interval
            var annotation = Annotation(sample: sample, symbol: WFDBAnnotationCodes.symbol(label), channel: chan, num: num)
            var auxBytes: [UInt8]?
            while i < words, code(i) > WFDBAnnotationCodes.skip {
                let low = bytes[2 * i]
                switch code(i) {
                case WFDBAnnotationCodes.sub: annotation.subtype = Int(Int8(bitPattern: low)); i += 1
                case WFDBAnnotationCodes.chn: annotation.channel = Int(low); i += 1
                case WFDBAnnotationCodes.num: annotation.num = Int(Int8(bitPattern: low)); i += 1
                default:
                    let length = Int(low)
                    let pairs = (length + 1) / 2
                    try need(i + pairs, "AUX string of \(length) bytes")
                    auxBytes = Array(bytes[(2 * i + 2)..<(2 * i + 2 + length)])
                    i += 1 + pairs
                }
            }
            chan = annotation.channel
            num = annotation.num
            // Latin-1, byte for byte, as wfdb-python builds the string with chr().
            annotation.aux = String(String.UnicodeScalarView((auxBytes ?? []).map { Unicode.Scalar($0) }))
            if label == 0 { continue }
            if label == WFDBAnnotationCodes.note && sample == 0 {
                definitions.append(annotation.aux)
                continue
            }
            annotations.append(annotation)
        }
        var frequency: Double?
        for text in definitions where text.hasPrefix("## time resolution: ") {
            let value = text.dropFirst("## time resolution: ".count).prefix { $0.isNumber || $0 == "." }
            frequency = Double(value)
        }
        return Result(annotations: annotations, frequency: frequency)
    }
}
