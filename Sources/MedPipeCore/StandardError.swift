/// Standard error, written without ever stopping the process. Foundation's `FileHandle.write(_:)` traps when a write
/// fails: standard error redirected to a full disk or to a file past `ulimit -f`, or a pipe whose reader has gone
/// while SIGPIPE is ignored made a progress line or a warning crash the command, whatever it was in the middle of.
/// What cannot be written is dropped: there is nowhere left to tell of it.
public enum StandardError {
    /// Writes `text`, UTF-8 encoded, whole unless a write fails.
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { _ = try? AtomicFile.writeAll(2, [UnsafeRawBufferPointer($0)], path: "standard error") }
    }
}
