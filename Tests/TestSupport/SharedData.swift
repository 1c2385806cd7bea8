import Foundation

/// Locates the real public data in `../shared/data` beside the project root.
public enum SharedData {
    /// The project root (the folder holding Package.swift), found from this file's path.
    public static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/data`, resolved; tests that need it are disabled when it is absent.
    public static let root: String = URL(fileURLWithPath: projectRoot + "/../shared/data").standardizedFileURL.path

    /// True when the shared data folder is present.
    public static var isAvailable: Bool { FileManager.default.fileExists(atPath: root + "/MANIFEST.tsv") }

    /// Absolute path of a file below `../shared/data`, e.g. `path("wfdb/100.hea")`.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// The project's own `Fixtures/` folder.
    public static func fixture(_ relative: String) -> String { projectRoot + "/Fixtures/" + relative }

    /// The text of the fixture recipe `Fixtures/recipes/NAME`, its paths into `../shared` made absolute, for a test
    /// that edits it and writes it elsewhere.
    public static func fixtureRecipe(_ name: String) throws -> String {
        try String(contentsOfFile: fixture("recipes/" + name), encoding: .utf8)
            .replacingOccurrences(of: "../../../shared", with: projectRoot + "/../shared")
    }

    /// The built `medpipe` binary (`swift build --build-tests` builds it beside the test bundle), if any.
    public static let medpipeBinary: String? = {
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent("medpipe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        let fallback = projectRoot + "/.build/debug/medpipe"
        return FileManager.default.isExecutableFile(atPath: fallback) ? fallback : nil
    }()

    /// Runs the `medpipe` binary with `arguments` (under `ulimit -f fileSizeLimitKiB` when given, with `standardInput`
    /// written to a pipe it reads as standard input when given); returns its exit status (the signal's number when one
    /// ended it), standard output and standard error.
    public static func runMedpipe(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKiB: Int? = nil,
                                  standardInput: Data? = nil) throws -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        if let fileSizeLimitKiB {  // `ulimit -f`, set by a shell that then becomes medpipe
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -f \(fileSizeLimitKiB) && exec \"$0\" \"$@\"", medpipeBinary!] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: medpipeBinary!)
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let input = standardInput.map { _ in Pipe() }
        if let input { process.standardInput = input }
        try process.run()
        if let input, let standardInput {
            // From another thread, so that a child that writes much before it reads to the end cannot block both; with
            // SIGPIPE blocked on that thread, a child that exits before reading it all ends the write, not the tests.
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                try? writer.write(contentsOf: standardInput)
                try? writer.close()
            }
        }
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
