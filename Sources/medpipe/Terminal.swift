import Foundation
import MedPipeCore
import MedPipeMPI

/// Prints one line to standard error, prefixed `medpipe: error: ` (and the rank under MPI).
func printError(_ message: String) { printDiagnostic("error", message) }

/// Prints one line to standard error, prefixed `medpipe: warning: ` (and the rank under MPI): a problem that did
/// not stop the work, such as a file of a series skipped.
func printWarning(_ message: String) { printDiagnostic("warning", message) }

/// Prints one line to standard error, prefixed `medpipe: note: ` (and the rank under MPI): how the work was done,
/// where it is not what a user would assume, and nothing is wrong.
func printNote(_ message: String) { printDiagnostic("note", message) }

/// One diagnostic line on standard error, after what standard output holds so far: with both sent to one file, an
/// error that says "listed above" comes after the list.
private func printDiagnostic(_ kind: String, _ message: String) {
    fflush(nil)  // every output stream: standard output among them
    StandardError.write(ProcessGroup.logPrefix + "medpipe: \(kind): " + oneVisibleLine(message) + "\n")
}

/// How ``oneVisibleLine(_:as:)`` writes a scalar that breaks a line or drives a terminal.
enum LineEscape {
    /// Swift's `\u{1B}`, in text for a person.
    case text
    /// JSON's `\u001B`, in one line of JSON: JSON's encoders escape C0 controls but leave DEL, the C1 controls and
    /// U+2028/U+2029 raw, and outside strings a line of JSON holds none of these, so the escape is valid where it lands.
    case json
}

/// `message` with its control characters and line breaks written as `\u{1B}` (or, `as: .json`, `\u001B`): a file
/// name or value from the inputs (`ESC ] 2 ; … BEL` retitles the terminal, other sequences rewrite what it shows)
/// reaches the terminal as text, and the message stays one line.
func oneVisibleLine(_ message: String, as escape: LineEscape = .text) -> String {
    var out = ""
    for scalar in message.unicodeScalars {
        if scalar.isControlOrLineBreak {
            let escaped = switch escape {
            case .text: "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            case .json: String(format: "\\u%04X", scalar.value)
            }
            out += escaped
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Prints `lines` to standard output, one a line, each through ``oneVisibleLine(_:as:)``: the file names and values
/// they show (a DICOM value, a WFDB signal description, a NIfTI `descrip`, a class name) reach the terminal as
/// text, and a line break inside one of them does not start a line of its own.
func printLines(_ lines: [String]) {
    for line in lines { print(oneVisibleLine(line)) }
}

/// Prints one line of JSON to standard output through ``oneVisibleLine(_:as:)`` as JSON: still valid JSON, with no
/// scalar left raw that drives a terminal or breaks the line.
func printJSON(_ json: String) {
    print(oneVisibleLine(json, as: .json))
}

/// Prints one line to standard output through ``oneVisibleLine(_:as:)``, prefixed with the rank under MPI (`[rank 1/2] `).
func log(_ line: String) {
    log([line])
}

/// Prints `lines` to standard output through ``oneVisibleLine(_:as:)``, the first prefixed with the rank under MPI
/// (`[rank 1/2] `): a summary whose later lines belong to the first.
func log(_ lines: [String]) {
    guard let first = lines.first else { return }
    print(ProcessGroup.logPrefix + oneVisibleLine(first))
    printLines(Array(lines.dropFirst()))
}
