/// Writing one CSV field as RFC 4180 does (and Python's `csv`, pandas and spreadsheets read).
public enum CSVField {
    /// `text` as a field: quoted, its quotes doubled, when it holds a comma, a quote or a line break.
    public static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
