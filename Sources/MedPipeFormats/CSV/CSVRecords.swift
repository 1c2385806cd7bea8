import Foundation

/// The raw text records of a CSV file (RFC 4180, see `CSVParser`), for tools that rewrite tables
/// cell by cell (de-identification) rather than read them as numeric columns.
public enum CSVRecords {
    /// Every non-blank record's fields, the header row included; a leading BOM is skipped.
    public static func parse(_ bytes: [UInt8], source: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> [[String]] {
        try CSVParser(source: source, delimiter: delimiter).rows(bytes).map(\.fields)
    }

    /// Hands every non-blank record's fields to `body` as it is split (the header row first), as ``parse(_:source:delimiter:)``
    /// splits them, without holding the table.
    public static func forEach(_ bytes: [UInt8], source: String, delimiter: UInt8 = UInt8(ascii: ","), _ body: ([String]) throws -> Void) throws {
        try CSVParser(source: source, delimiter: delimiter).forEachRow(bytes) { try body($0.fields) }
    }

    /// One record as CSV text: fields holding the delimiter, a quote or a line break are quoted.
    public static func format(_ fields: [String], delimiter: UInt8 = UInt8(ascii: ",")) -> String {
        let special: Set<Character> = [Character(UnicodeScalar(delimiter)), "\"", "\n", "\r"]
        return fields.map { field in
            field.contains(where: special.contains) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: String(UnicodeScalar(delimiter)))
    }
}
