import Foundation
import MedPipeCore
import MedPipeMPI

/// Prints one line to standard error, prefixed `medpipe: error: ` (and the rank under MPI).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((ProcessGroup.logPrefix + "medpipe: error: " + oneVisibleLine(message) + "\n").utf8))
}

/// Prints one line to standard error, prefixed `medpipe: warning: ` (and the rank under MPI): a problem that did
/// not stop the work, such as a file of a series skipped.
func printWarning(_ message: String) {
    FileHandle.standardError.write(Data((ProcessGroup.logPrefix + "medpipe: warning: " + oneVisibleLine(message) + "\n").utf8))
}

/// `message` with its control characters and line breaks written as `\u{1B}`: a file name or value from the inputs
/// (`ESC ] 2 ; … BEL` retitles the terminal, other sequences rewrite what it shows) reaches the terminal as text, and
/// the message stays one line.
func oneVisibleLine(_ message: String) -> String {
    var out = ""
    for scalar in message.unicodeScalars {
        if scalar.isControlOrLineBreak {
            out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Prints one line to standard output, prefixed with the rank under MPI (`[rank 1/2] `).
func log(_ line: String) {
    print(ProcessGroup.logPrefix + line)
}
