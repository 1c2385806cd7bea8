import Foundation
import MedPipeCore

/// The inputs an end-of-run summary names one per line (rejected, withheld): all of them up to ``shown``, else
/// the first ``shown``, how many more, and the most common reasons, so that an archive with 30,000 unreadable
/// files does not print 30,000 lines. The whole list goes to the file an option names (``write(_:to:)``).
enum SummaryList {
    /// Lines shown before the rest is only counted.
    static let shown = 20
    /// Reasons counted under a cut list.
    static let reasonsShown = 5

    /// `lines` (one per input) as the summary shows them, `reasons` the reason of each; `noun` names them
    /// ("rejected"), `option` the command's option that lists them all ("--list-rejected FILE").
    static func text(_ lines: [String], reasons: [String], noun: String, option: String, indent: String = "  ") -> [String] {
        guard lines.count > shown else { return lines }
        var counts: [String: Int] = [:]
        for reason in reasons { counts[reason, default: 0] += 1 }
        let common = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(reasonsShown)
        return Array(lines.prefix(shown))
            + ["\(indent)… and \(lines.count - shown) more \(noun) (\(lines.count) in all; \(option) lists every one), most often for:"]
            + common.map { "\(indent)  \($0.value) × \($0.key)" }
    }

    /// Writes every line, one per line, to `path` (the list a cut summary leaves out), each through
    /// ``oneVisibleLine(_:as:)``: a path holding a line break is still one line of the list.
    static func write(_ lines: [String], to path: String) throws {
        try AtomicFile.write(path, text: lines.map { oneVisibleLine($0) + "\n" }.joined())
    }
}
