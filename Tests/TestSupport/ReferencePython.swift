import Foundation
import Testing

/// Runs the Python reference stack (nibabel, pydicom, wfdb, torch, pytorch-grad-cam) from tests.
/// Tests that need it are enabled only when ``available(_:)`` says the modules import.
public enum ReferencePython {
    /// A failed reference run: its exit status and what it printed.
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int32
        public var output: String
        public var description: String { "python3 exited with \(status): \(output)" }

        public init(status: Int32, output: String) {
            self.status = status
            self.output = output
        }
    }

    /// True when `tools/test` runs the tests (`MEDPIPE_REFERENCE=required`): then every reference check runs,
    /// and a missing module fails its test instead of skipping it.
    public static let isRequired = ProcessInfo.processInfo.environment["MEDPIPE_REFERENCE"] == "required"

    /// True when python3 runs and can import every module, or when the reference stack is required
    /// (the test then runs and fails on the missing module, naming it).
    public static func available(_ modules: String...) -> Bool {
        isRequired || imports(modules)
    }

    /// Continues when python3 can import every module; otherwise fails the test where the stack is required,
    /// or ends it as skipped (cancelled) with the reason.
    public static func require(_ modules: String...) throws {
        guard !imports(modules) else { return }
        let reason = "python3 cannot import \(modules.joined(separator: ", ")): install the reference stack with tools/setup --python"
        if isRequired { throw Failure(status: -1, output: reason) }
        try Test.cancel(Comment(rawValue: reason))
    }

    private static func imports(_ modules: [String]) -> Bool {
        (try? run("import " + modules.joined(separator: ", "), [])).map { $0.status == 0 } ?? false
    }

    /// Runs a snippet (`python3 -c script arguments...`); standard error is appended to the output on failure.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try launch(["-c", script] + arguments)
    }

    /// Runs a script file of the project (`python3 path arguments...`), e.g. `tools/reference/torch_parity.py`.
    public static func runFile(_ relativePath: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try launch([SharedData.projectRoot + "/" + relativePath] + arguments)
    }

    /// Runs `script` and decodes its standard output as a JSON object.
    public static func json(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let (status, output) = try run(script, arguments)
        guard status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw Failure(status: status, output: output)
        }
        return object
    }

    private static func launch(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return (process.terminationStatus, process.terminationStatus == 0 ? text : text + String(decoding: errorData, as: UTF8.self))
    }
}
