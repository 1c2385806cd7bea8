import Foundation
import MedPipeCore

/// Progress on long work: a redrawn bar on a terminal, plain periodic lines otherwise (logs, CI).
final class ProgressBar: @unchecked Sendable {
    // Safety: all state is touched under `lock`.
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastLine = Date.distantPast
    private var finished = false
    private var advanced = 0
    private var ticks = 0

    init(_ label: String) { self.label = label }

    /// Shows `done` of `total`, with an optional note (the current file, shown through ``oneVisibleLine(_:as:)``).
    func update(done: Int, total: Int, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if isTerminal {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let visible = oneVisibleLine(note)
            let tail = visible.count > 40 ? "…" + visible.suffix(39) : visible
            StandardError.write("\r\u{1B}[K\(label) \(bar) \(done)/\(total) \(tail)")
        } else if now.timeIntervalSince(lastLine) >= 5 || done == total {
            StandardError.write("\(label): \(done)/\(total)\n")
            lastLine = now
        }
    }

    /// Counts one more piece of work whose total is not known yet (a file read while `convert` plans) and shows the
    /// count, `what` naming it: on a terminal at most ten times a second, in a log every 5 s.
    func tick(_ what: String) {
        lock.lock()
        defer { lock.unlock() }
        ticks += 1
        let now = Date()
        guard now.timeIntervalSince(lastLine) >= (isTerminal ? 0.1 : 5) else { return }
        lastLine = now
        let line = (isTerminal ? "\r\u{1B}[K" : "") + "\(label): \(what) \(ticks)" + (isTerminal ? "" : "\n")
        StandardError.write(line)
    }

    /// Adds `count` to the work done so far (for workers that finish in any order) and shows it.
    func advance(by count: Int, total: Int) {
        lock.lock()
        advanced += count
        let done = advanced
        lock.unlock()
        update(done: done, total: total)
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal && !finished { StandardError.write("\r\u{1B}[K") }
        finished = true
    }
}
