import Foundation

/// Headless Chromium (Debian's `chromium`), run as a command: `--dump-dom` prints the DOM after the page's
/// scripts ran, `--screenshot` writes a PNG, and `--enable-logging=stderr --v=0` prints every console
/// message (errors, content-security-policy violations) as an `INFO:CONSOLE` line on standard error.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Run {
        var status: Int32
        var output: String
        var error: String
        /// The page's console messages (the page writes none when all is well).
        var console: [String] { error.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init) }
    }

    /// Flags that cut every network path: host names resolve to nothing and any proxied request goes to a closed port.
    static let offline = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                          "--disable-background-networking"]

    /// Opens `file` headless with `arguments` in a fresh profile; the browser is stopped after `timeout` seconds.
    static func open(_ file: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> Run {
        let scratch = NSTemporaryDirectory() + "medpipe-chromium-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outputPath = scratch + "/stdout", errorPath = scratch + "/stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                             "--user-data-dir=" + scratch + "/profile", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
            + arguments + [URL(fileURLWithPath: file).absoluteString]
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
        let started = Date()
        while process.isRunning {
            if Date().timeIntervalSince(started) > timeout { process.terminate() }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return Run(status: process.terminationStatus,
                   output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
                   error: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}
