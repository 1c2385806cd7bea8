import Foundation
import MedPipeMPI

/// Prints one line to standard error, prefixed `medpipe: error: ` (and the rank under MPI).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((ProcessGroup.logPrefix + "medpipe: error: " + message + "\n").utf8))
}

/// Prints one line to standard error, prefixed `medpipe: warning: ` (and the rank under MPI): a problem that did
/// not stop the work, such as a file of a series skipped.
func printWarning(_ message: String) {
    FileHandle.standardError.write(Data((ProcessGroup.logPrefix + "medpipe: warning: " + message + "\n").utf8))
}

/// Prints one line to standard output, prefixed with the rank under MPI (`[rank 1/2] `).
func log(_ line: String) {
    print(ProcessGroup.logPrefix + line)
}
