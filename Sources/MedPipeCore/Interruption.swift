import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a run interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP removes before it exits: the hidden files and folders of
/// outputs it had not finished (``AtomicFile/Staged`` temporaries, ``PartialOutputs`` folders). Without it they stayed
/// in the output folder (a folder of de-identified files that never passed the residual scan, which a copy of the folder
/// carries along; a staged array of tens of megabytes) until a later run into the same folder.
///
/// The run then exits with status 128 + the signal's number, as a shell reports a process the signal killed. Work that
/// can stop at a safe point and keep what it has done runs under ``stoppable(_:when:_:)``: the first interruption asks it to
/// stop (``isStopRequested``; training keeps the best epoch so far), a second one ends the run at once. A cache
/// being written by `convert` is left as a kill leaves it: it verifies, and the next `convert` resumes it. A signal
/// ignored when the process started (a job started with `nohup`, or in the background of a script) stays ignored.
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var finishing = false
    /// The note printed when the first interruption asks the work running under ``stoppable(_:when:_:)`` to stop; nil when none runs.
    nonisolated(unsafe) private static var stopNote: String?
    nonisolated(unsafe) private static var stopSignal: Int32?
    nonisolated(unsafe) private static var pipe: (read: Int32, write: Int32) = (-1, -1)
    private static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Removes `path` (a file, or a folder and all it holds) if the run is interrupted before ``keep(_:)``. Called before
    /// the path is created: once an interruption is being handled, the call does not return (the process is exiting), so
    /// nothing is created after the removal.
    public static func removeOnInterrupt(_ path: String) {
        lock.lock()
        guard !finishing else {
            lock.unlock()
            while true { pause() }
        }
        paths.insert(path)
        lock.unlock()
    }

    /// Takes `path` off the list of what an interruption removes: it was moved into place, or removed already.
    public static func keep(_ path: String) {
        lock.withLock { _ = paths.remove(path) }
    }

    /// Runs `body` so that the first interruption asks it to stop at its next safe point (``isStopRequested``) and prints
    /// `note` (what the work will keep), instead of ending the run; a second interruption ends it as usual. With `when`
    /// false (work that cannot stop alone, such as one rank of an MPI job), `body` runs as any other work.
    public static func stoppable<T>(_ note: String, when: Bool = true, _ body: () throws -> T) rethrows -> T {
        guard when else { return try body() }
        lock.withLock { stopNote = note }
        defer { lock.withLock { stopNote = nil } }
        return try body()
    }

    /// True once an interruption asked the work running under ``stoppable(_:when:_:)`` to stop.
    public static var isStopRequested: Bool { lock.withLock { stopSignal != nil } }

    /// Ends the run as an interruption does (status 128 + the signal's number) when one asked the work to stop: called
    /// once that work has kept what it had done.
    public static func exitIfStopped() {
        guard let signal = lock.withLock({ stopSignal }) else { return }
        // As ``finish(signal:)`` ends: `_exit` after flushing what was printed, not `exit`, whose static destructors
        // (the C++ libraries') would run while the stopped work's threads may still hold what they destroy.
        fflush(nil)
        _exit(128 + signal)
    }

    /// True when an interruption would remove `path`.
    static func isRegistered(_ path: String) -> Bool { lock.withLock { paths.contains(path) } }

    /// Handles the signals from now on: the handler only writes the signal's number to a pipe, and a thread of its own
    /// removes what was registered and exits. Called once, at the start of `main`.
    public static func install() {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        pipe = (fds[0], fds[1])
        var installed = false
        for signal in signals {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }  // SIG_IGN: keep it
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = Glibc.write(Interruption.pipe.write, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            installed = sigaction(signal, &action, nil) == 0 || installed
        }
        guard installed else { return }
        // A mask inherited blocked (a parent's thread that blocks signals spawned this process) would hold them pending.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in signals { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        let watcher = Thread {
            while true {
                var byte: UInt8 = 0
                while Glibc.read(pipe.read, &byte, 1) < 0 && errno == EINTR {}
                let signal = Int32(byte)
                let note: String? = lock.withLock {
                    guard let note = stopNote, stopSignal == nil else { return nil }
                    stopSignal = signal
                    return note
                }
                guard let note else { finish(signal: signal) }
                StandardError.write("\nmedpipe: interrupted (\(name(of: signal))): \(note) (interrupt again to stop at once)\n")
            }
        }
        watcher.stackSize = 1 << 18
        watcher.start()
    }

    private static func name(of signal: Int32) -> String {
        signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : signal == SIGHUP ? "SIGHUP" : "signal \(signal)"
    }

    /// Removes every registered path and exits with status 128 + `signal`.
    private static func finish(signal: Int32) -> Never {
        let doomed = lock.withLock {
            finishing = true
            return paths
        }
        // A worker may still be writing a file into a folder being removed: a removal that meets it is tried again.
        for path in doomed {
            for _ in 0..<5 {
                if (try? FileManager.default.removeItem(atPath: path)) != nil || !FileManager.default.fileExists(atPath: path) { break }
                usleep(2_000)
            }
        }
        let note = "medpipe: interrupted (\(name(of: signal)))" + (doomed.isEmpty ? "" : "; its unfinished outputs are removed") + "\n"
        StandardError.write(note)
        _exit(128 + signal)
    }
}
