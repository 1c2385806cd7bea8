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

    /// The annotations of one file, its stated time resolution (annotation ticks per second), if any, and problems
    /// that did not stop the read.
    public struct Result: Sendable {
        public var annotations: [Annotation]
        public var frequency: Double?
        /// Problems that did not stop the read: a file that does not end with the end marker, a zero word, as every
        /// annotation file written ends (annot(5)), was cut short, and what it annotated after the cut is missing (the
        /// file is read all the same, as rdann reads it).
        public var warnings: [String] = []
    }

    /// Reads the annotation file at `path`.
    public func read(_ path: String) throws -> Result {
        let bytes = try FileBytes.read(path)
        return try read(tokens: WFDBAnnotationToken.tokens(bytes, source: path), byteCount: bytes.count, source: path)
    }

    /// The annotations of a file already split into tokens (``WFDBAnnotationToken/tokens(_:source:)``).
    public func read(tokens: [WFDBAnnotationToken], byteCount: Int, source: String) throws -> Result {
        var annotations: [Annotation] = []
        var definitions: [String] = []
        var sample = 0
        var chan = 0, num = 0
        var pending = 0  // SKIP intervals waiting for their annotation
        var pendingSince: Int?  // offset of the first of those SKIPs
        var current: (annotation: Annotation, code: Int)?
        func finish() {
            guard let (annotation, code) = current else { return }
            current = nil
            chan = annotation.channel
            num = annotation.num
            if code == 0 { return }
            if code == WFDBAnnotationCodes.note && annotation.sample == 0 {
                definitions.append(annotation.aux)
            } else {
                annotations.append(annotation)
            }
        }
        // The last word of the file is the end marker (0); like rdann, nothing starts there.
        let lastWord = (byteCount / 2 - 1) * 2
        for token in tokens {
            switch token.kind {
            case .skip(let interval):
                finish()
                pendingSince = pendingSince ?? token.range.lowerBound
                pending += interval
            case .annotation(let code, let interval):
                finish()
                // An annotation that ends a SKIP's group is read even as the last word.
                guard token.range.lowerBound < lastWord || pendingSince != nil else { continue }
                sample += pending + interval
                pending = 0
                pendingSince = nil
                current = (Annotation(sample: sample, symbol: WFDBAnnotationCodes.symbol(code), channel: chan, num: num), code)
            case .subtype(let value): current?.annotation.subtype = value
            case .channel(let value): current?.annotation.channel = value
            case .num(let value): current?.annotation.num = value
            case .aux(let bytes):
                // Latin-1, byte for byte, as wfdb-python builds the string with chr().
                current?.annotation.aux = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            }
        }
        finish()
        if let offset = pendingSince {
            throw MedPipeError.malformed(source, "truncated: the SKIP at offset \(offset) is not followed by an annotation")
        }
        var frequency: Double?
        for text in definitions where text.hasPrefix("## time resolution: ") {
            let value = text.dropFirst("## time resolution: ".count).prefix { $0.isNumber || $0 == "." }
            frequency = Double(value)
        }
        var warnings: [String] = []
        let ended = tokens.last.map { $0.kind == .annotation(code: 0, interval: 0) && $0.range.upperBound == byteCount } ?? false
        if !ended {
            warnings.append("\(source): does not end with the end marker (a zero word) after its \(annotations.count) annotation(s): the file was cut short at byte \(byteCount), and what it annotated after that is missing")
        }
        return Result(annotations: annotations, frequency: frequency, warnings: warnings)
    }
}
