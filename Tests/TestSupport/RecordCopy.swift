import Foundation

/// A shared-data WFDB record copied into a test's folder (header, signal and annotation files), with one line of its
/// header changed: a record that says another sampling frequency or ADC gain over the same samples.
public enum RecordCopy {
    /// The header line that names no such record line.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Copies `wfdb/NAME.hea`, `.dat` and `.atr` into `folder` (created), replacing the header line `line` with
    /// `replacement` when given; returns the copy's header path.
    public static func make(_ name: String, in folder: String, replacing line: String? = nil, with replacement: String = "") throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for ext in ["hea", "dat", "atr"] {
            try FileManager.default.copyItem(atPath: SharedData.path("wfdb/\(name).\(ext)"), toPath: "\(folder)/\(name).\(ext)")
        }
        let header = "\(folder)/\(name).hea"
        guard let line else { return header }
        var text = try String(contentsOfFile: header, encoding: .utf8)
        // The whole line: a line break (\n, or record 100's \r\n, one Character) before it and after it.
        guard let found = text.range(of: "\n" + line), found.upperBound == text.endIndex || text[found.upperBound].isNewline else {
            throw Failure(description: "\(header) has no line '\(line)'")
        }
        text.replaceSubrange(found, with: "\n" + replacement)
        try text.write(toFile: header, atomically: true, encoding: .utf8)
        return header
    }
}
