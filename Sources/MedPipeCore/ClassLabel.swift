import Foundation

/// What a sample's label, a class name, may hold: any text but control characters (a line break, tab, NUL) and
/// Unicode's line and paragraph separators, so that a class name is one line wherever it is listed: export's
/// `classes.txt` (one name a line, read with Python's `splitlines`), a PNG text chunk, a DICOM description.
public enum ClassLabel {
    /// Why `label` cannot be a class name, or nil when it can.
    public static func problem(_ label: String) -> String? {
        guard let scalar = label.unicodeScalars.first(where: \.isControlOrLineBreak) else { return nil }
        return "label \(label.debugDescription) holds \(String(format: "U+%04X", scalar.value)), a control character or line break, which no class name may hold (class names are listed one a line)"
    }
}

extension Unicode.Scalar {
    /// True for a control character (a line break, tab, NUL, ESC) or Unicode's line and paragraph separators: what
    /// breaks a line where text must stay one (a class name, an error line) or drives a terminal.
    public var isControlOrLineBreak: Bool {
        [.control, .lineSeparator, .paragraphSeparator].contains(properties.generalCategory)
    }
}
