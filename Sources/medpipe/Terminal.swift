import Foundation

/// Prints one line to standard error, prefixed `medpipe: error: `.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("medpipe: error: " + message + "\n").utf8))
}
