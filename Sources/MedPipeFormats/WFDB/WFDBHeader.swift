import MedPipeCore

/// A parsed WFDB header (`.hea`, see header(5)): the record line, then either one line per signal
/// or, for a multi-segment record, one line per segment; `#` comment lines are kept.
///
/// Parsing follows the WFDB specification and tolerates what wfdb-python tolerates (CRLF, blank
/// lines, comments anywhere, extra whitespace, missing optional fields); each tolerated quirk that
/// departs from the specification is reported in ``warnings``. A line that cannot be read throws
/// ``MedPipeError`` `.malformed` naming the file and the line number.
public struct WFDBHeader: Sendable, Equatable {
    /// One signal specification line.
    public struct Signal: Sendable, Equatable {
        /// Signal file name as written (`~` for a null signal in a layout header).
        public var fileName: String
        /// Storage format number (8, 16, 212, 516...).
        public var format: Int
        /// Samples of this signal per frame (the `x` suffix; 1 when absent).
        public var samplesPerFrame: Int
        /// Frames by which this signal lags (the `:` suffix; 0 when absent).
        public var skew: Int
        /// Bytes to skip at the start of the signal file (the `+` suffix; for FLAC, samples).
        public var byteOffset: Int
        /// ADC units per physical unit; a stated 0 or a missing value means 200 (WFDB default).
        public var gain: Double
        /// Digital value of physical zero; defaults to the ADC zero, else 0.
        public var baseline: Int
        /// Physical units (`mV` when absent).
        public var units: String
        /// ADC resolution in bits, if stated.
        public var resolution: Int?
        /// ADC zero, if stated.
        public var adcZero: Int?
        /// Value of the first sample, if stated (format 8 starts its differences from it).
        public var initialValue: Int?
        /// 16-bit checksum of all samples, if stated.
        public var checksum: Int?
        /// Block size, if stated.
        public var blockSize: Int?
        /// Free-text description (the signal name), `""` when absent.
        public var description: String
    }

    /// One segment of a multi-segment record.
    public struct Segment: Sendable, Equatable {
        /// Segment record name, or `~` for a null segment.
        public var name: String
        /// Length of the segment in frames (0 marks the layout segment of a variable layout).
        public var length: Int
        public var isNull: Bool { name == "~" }
    }

    /// The file the header was read from (used in errors).
    public var path: String
    public var recordName: String
    /// Number of segments when this is a multi-segment header, else nil.
    public var segmentCount: Int?
    public var signalCount: Int
    /// Sampling frequency in frames per second (250 when absent, as WFDB defaults).
    public var frequency: Double
    public var counterFrequency: Double?
    public var baseCounter: Double?
    /// Number of frames, when stated.
    public var sampleCount: Int?
    /// Base time as written (`HH:MM:SS[.fff]`), if any.
    public var baseTime: String?
    /// Base date as written (`DD/MM/YYYY`), if any.
    public var baseDate: String?
    public var signals: [Signal]
    public var segments: [Segment]
    /// Comment lines without the leading `#` and surrounding blanks, in file order.
    public var comments: [String]
    /// Tolerated departures from the specification.
    public var warnings: [String]

    /// True for a multi-segment header.
    public var isMultiSegment: Bool { segmentCount != nil }

    /// Reads and parses the header file at `path`.
    public static func read(_ path: String) throws -> WFDBHeader {
        let bytes = try FileBytes.read(path)
        guard bytes.count <= 16 << 20 else { throw MedPipeError.malformed(path, "header is \(bytes.count) bytes; not a WFDB header") }
        // WFDB headers are ASCII; like wfdb-python, ignore bytes that are not.
        let text = String(decoding: bytes.filter { $0 < 0x80 }, as: UTF8.self)
        return try WFDBHeader(text: text, path: path)
    }

    /// Parses header text; `path` names the source in errors and warnings.
    public init(text: String, path: String) throws {
        self.path = path
        var specLines: [(number: Int, text: Substring)] = []
        var comments: [String] = []
        var warnings: [String] = []
        var sawBlankInside = false
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
            let line = rawLine.trimmingBlanks()
            if line.hasPrefix("#") {
                comments.append(String(line.drop { $0 == "#" || $0 == " " || $0 == "\t" }.trimmingBlanks()))
            } else if line.isEmpty {
                if !specLines.isEmpty { sawBlankInside = true }
            } else {
                if sawBlankInside {
                    warnings.append("\(path): blank line before line \(index + 1) ignored")
                    sawBlankInside = false
                }
                specLines.append((index + 1, line))
            }
        }
        guard let recordLine = specLines.first else {
            throw MedPipeError.malformed(path, "no record line (the file holds only comments or blank lines)")
        }
        self.comments = comments

        // Record line: name[/segments] nsig [fs[/counter[(base)]] [nsamp [time [date]]]]
        let fields = recordLine.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        func fail(_ line: Int, _ message: String) -> MedPipeError {
            MedPipeError.malformed(path, "line \(line): \(message)")
        }
        let nameField = fields[0].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        recordName = String(nameField[0])
        guard !recordName.isEmpty, recordName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw fail(recordLine.number, "record name '\(fields[0])' is not a WFDB record name")
        }
        if nameField.count == 2 {
            guard let n = Int(nameField[1]), n > 0 else { throw fail(recordLine.number, "segment count '\(nameField[1])' is not a positive integer") }
            segmentCount = n
        } else {
            segmentCount = nil
        }
        guard fields.count >= 2, let nsig = Int(fields[1]), nsig >= 0 else {
            throw fail(recordLine.number, "record line needs a signal count after the record name, found '\(fields.count > 1 ? String(fields[1]) : "")'")
        }
        signalCount = nsig
        frequency = 250
        if fields.count >= 3 {
            let (fs, counter, base) = try Self.parseFrequency(fields[2], line: recordLine.number, path: path)
            frequency = fs
            counterFrequency = counter
            baseCounter = base
        } else {
            warnings.append("\(path): no sampling frequency, using WFDB's default 250 Hz")
        }
        if fields.count >= 4 {
            guard let n = Int(fields[3]), n >= 0 else { throw fail(recordLine.number, "number of samples '\(fields[3])' is not a non-negative integer") }
            sampleCount = n
        }
        if fields.count >= 5 { baseTime = String(fields[4]) }
        if fields.count >= 6 { baseDate = String(fields[5]) }
        if fields.count > 6 { warnings.append("\(path): line \(recordLine.number): extra fields after the base date ignored") }

        let rest = specLines.dropFirst()
        signals = []
        segments = []
        if let segmentCount {
            for line in rest {
                let parts = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count >= 2, let length = Int(parts[1]), length >= 0 else {
                    throw fail(line.number, "segment line needs a segment name and a length, found '\(line.text)'")
                }
                segments.append(Segment(name: String(parts[0]), length: length))
            }
            guard segments.count == segmentCount else {
                throw MedPipeError.malformed(path, "record line announces \(segmentCount) segments, the header lists \(segments.count)")
            }
        } else {
            for line in rest {
                signals.append(try Self.parseSignal(line.text, line: line.number, path: path, warnings: &warnings))
            }
            if signals.count < nsig {
                throw MedPipeError.malformed(path, "record line announces \(nsig) signals, the header describes \(signals.count)")
            }
            if signals.count > nsig {
                warnings.append("\(path): \(signals.count - nsig) signal lines beyond the \(nsig) announced are ignored")
                signals.removeLast(signals.count - nsig)
            }
        }
        self.warnings = warnings
    }

    /// `fs[/counter[(base)]]`.
    private static func parseFrequency(_ field: Substring, line: Int, path: String) throws -> (Double, Double?, Double?) {
        let parts = field.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let fs = Double(parts[0]), fs > 0, fs.isFinite else {
            throw MedPipeError.malformed(path, "line \(line): sampling frequency '\(field)' is not a positive number")
        }
        guard parts.count == 2 else { return (fs, nil, nil) }
        var counterText = parts[1]
        var base: Double?
        if let open = counterText.firstIndex(of: "(") {
            let inner = counterText[counterText.index(after: open)...].prefix { $0 != ")" }
            base = Double(inner)
            counterText = counterText[..<open]
        }
        guard let counter = Double(counterText) else {
            throw MedPipeError.malformed(path, "line \(line): counter frequency in '\(field)' is not a number")
        }
        return (fs, counter, base)
    }

    /// `file format[xspf][:skew][+offset] [gain[(baseline)][/units] [res [zero [init [checksum [block [description]]]]]]]`.
    private static func parseSignal(_ text: Substring, line: Int, path: String, warnings: inout [String]) throws -> Signal {
        func fail(_ message: String) -> MedPipeError { MedPipeError.malformed(path, "line \(line): \(message) in signal line '\(text)'") }
        // The first eight fields are blank-separated; the description is the rest of the line.
        var fields: [Substring] = []
        var cursor = text.startIndex
        while fields.count < 8 {
            while cursor < text.endIndex, text[cursor] == " " || text[cursor] == "\t" { cursor = text.index(after: cursor) }
            guard cursor < text.endIndex else { break }
            let start = cursor
            while cursor < text.endIndex, text[cursor] != " ", text[cursor] != "\t" { cursor = text.index(after: cursor) }
            fields.append(text[start..<cursor])
        }
        let description = String(text[cursor...].trimmingBlanks())
        guard fields.count >= 2 else { throw fail("missing the format field") }

        // Format with its optional suffixes.
        let formatField = fields[1]
        func suffix(_ marker: Character) throws -> Int? {
            guard let at = formatField.firstIndex(of: marker) else { return nil }
            let digits = formatField[formatField.index(after: at)...].prefix { $0.isASCII && $0.isNumber }
            guard let value = Int(digits) else { throw fail("'\(marker)' in format '\(formatField)' is not followed by a number") }
            return value
        }
        guard let format = Int(formatField.prefix { $0.isASCII && $0.isNumber }) else { throw fail("format '\(formatField)' is not a number") }
        let spf = try suffix("x") ?? 1
        guard spf >= 1 else { throw fail("samples per frame must be at least 1") }
        let skew = try suffix(":") ?? 0
        let offset = try suffix("+") ?? 0

        var gain = 200.0, baselineText: Substring?, units = "mV"
        if fields.count >= 3 {
            var gainField = fields[2]
            if let slash = gainField.firstIndex(of: "/") {
                units = String(gainField[gainField.index(after: slash)...])
                gainField = gainField[..<slash]
            }
            if let open = gainField.firstIndex(of: "(") {
                guard gainField.last == ")" else { throw fail("baseline in '\(fields[2])' lacks its ')'") }
                baselineText = gainField[gainField.index(after: open)..<gainField.index(before: gainField.endIndex)]
                gainField = gainField[..<open]
            }
            guard let g = Double(gainField), g.isFinite else { throw fail("ADC gain '\(fields[2])' is not a number") }
            gain = g == 0 ? 200 : g
        }
        func integer(_ index: Int, _ name: String) throws -> Int? {
            guard index < fields.count else { return nil }
            guard let value = Int(fields[index]) else { throw fail("\(name) '\(fields[index])' is not an integer") }
            return value
        }
        let resolution = try integer(3, "ADC resolution")
        let adcZero = try integer(4, "ADC zero")
        let initialValue = try integer(5, "initial value")
        let checksum = try integer(6, "checksum")
        let blockSize = try integer(7, "block size")
        var baseline = adcZero ?? 0
        if let baselineText {
            guard let b = Int(baselineText) else { throw fail("baseline '\(baselineText)' is not an integer") }
            baseline = b
        }
        return Signal(fileName: String(fields[0]), format: format, samplesPerFrame: spf, skew: skew, byteOffset: offset,
                      gain: gain, baseline: baseline, units: units, resolution: resolution, adcZero: adcZero,
                      initialValue: initialValue, checksum: checksum, blockSize: blockSize, description: description)
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingBlanks() -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
