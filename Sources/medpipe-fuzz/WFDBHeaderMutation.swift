import MedPipeCore

/// Structure-aware mutations of a WFDB header, the text before the `#DAT` line of a `wfdb` input: one
/// field of one record or signal line made huge, negative, NaN, infinite, zero or malformed, dropped (so
/// that the fields after it shift into its place) or cut off with everything after it (missing fields).
/// Byte-level mutation rarely produces these: it has to hit a field's exact bounds.
enum WFDBHeaderMutation {
    /// Values that a header field must survive; numbers go in whole fields and after the format's `x`, `:`, `+`.
    static let hostileValues = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "2147483648", "4294967296", "-1", "-2147483649", "0", "-0", "NaN", "nan", "inf", "-inf", "1e308", "-1e308",
        "1e-320", "0.0000001", "1e", "", "x", "212x", "16x0", "16:", "16+", "(", "/", "0(", "1(nan)/mV",
    ]

    /// `bytes` with one field of its header mutated, or nil when it has no header line with fields.
    static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8]? {
        let parts = FuzzTarget.split(bytes, at: "#DAT")
        var lines = String(decoding: parts[0], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let candidates = lines.indices.filter { !lines[$0].hasPrefix("#") && !lines[$0].allSatisfy(\.isWhitespace) }
        guard !candidates.isEmpty else { return nil }
        let line = candidates[generator.below(candidates.count)]
        var fields = lines[line].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let field = generator.below(fields.count)
        switch generator.below(6) {
        case 0: fields.remove(at: field)  // a field missing: the later ones shift left
        case 1: fields.removeSubrange(field...)  // the line cut short
        case 2: fields.insert(pick(&generator), at: field)  // an extra field: the later ones shift right
        case 3: fields[field] = replacingNumber(in: fields[field], with: pick(&generator), using: &generator)
        default: fields[field] = pick(&generator)
        }
        lines[line] = fields.joined(separator: " ")
        var result = Array(lines.joined(separator: "\n").utf8)
        for part in parts.dropFirst() { result += Array("\n#DAT\n".utf8) + part }
        return result
    }

    private static func pick(_ generator: inout SeededGenerator) -> String {
        hostileValues[generator.below(hostileValues.count)]
    }

    /// `field` with one of its runs of digits (a format's bit width, gain, baseline, units) replaced by `value`.
    private static func replacingNumber(in field: String, with value: String, using generator: inout SeededGenerator) -> String {
        let characters = Array(field)
        var runs: [Range<Int>] = [], start: Int?
        for index in 0...characters.count {
            if index < characters.count, characters[index].isNumber || characters[index] == "." || characters[index] == "-" {
                if start == nil { start = index }
            } else if let first = start {
                runs.append(first..<index)
                start = nil
            }
        }
        guard !runs.isEmpty else { return value }
        let run = runs[generator.below(runs.count)]
        return String(characters[..<run.lowerBound]) + value + String(characters[run.upperBound...])
    }
}
