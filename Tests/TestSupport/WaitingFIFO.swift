import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes a FIFO at `path` (replacing a file there) and, after `seconds`, opens it for writing and closes it again, twice
/// a second for a minute or until the FIFO is removed. That releases a reader that opened it and waits for a writer:
/// code that still opens a FIFO as a file then reads an empty file and fails its test, instead of hanging the run.
public func makeWaitingFIFO(_ path: String, releasedAfter seconds: Double = 10) throws {
    try? FileManager.default.removeItem(atPath: path)
    guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    Thread.detachNewThread {
        Thread.sleep(forTimeInterval: seconds)
        var status = stat()
        for _ in 0..<120 where stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO {
            // Non-blocking: with no reader waiting (the code under test refused the FIFO), the open fails at once.
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }
}
