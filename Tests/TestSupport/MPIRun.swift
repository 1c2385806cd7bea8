import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `medpipe` as the ranks of an Open MPI job, for the tests of multi-process convert and train.
public enum MPIRun {
    /// `mpirun` on the PATH (Open MPI's, which `tools/setup` installs), if any.
    public static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether MPI tests can run: `mpirun`, the built `medpipe` and the shared data are present.
    public static var isPossible: Bool { mpirun != nil && SharedData.medpipeBinary != nil && SharedData.isAvailable }

    /// What a job did: its exit status, the ranks' standard output and standard error (interleaved by line), and
    /// whether it had to be killed after the timeout.
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
        public var timedOut: Bool
    }

    /// `mpirun -np N medpipe ARGUMENTS`; with `killWhen`, every rank is killed (SIGKILL), as by a crash of their
    /// node, as soon as `killWhen` (asked every 20 ms while the job runs) says so.
    public static func medpipe(ranks: Int, _ arguments: [String], killWhen: (() -> Bool)? = nil, timeout: TimeInterval = 600) throws -> Outcome {
        try job(["-np", String(ranks), SharedData.medpipeBinary!] + arguments, killWhen: killWhen, timeout: timeout)
    }

    /// One rank per argument list (`mpirun -np 1 medpipe A : -np 1 medpipe B`), e.g. to make one rank fail.
    public static func medpipe(perRank arguments: [[String]], timeout: TimeInterval = 600) throws -> Outcome {
        let apps = arguments.map { ["-np", "1", SharedData.medpipeBinary!] + $0 }
        return try job(Array(apps.joined(separator: [":"])), timeout: timeout)
    }

    private static func job(_ arguments: [String], killWhen: (() -> Bool)? = nil, timeout: TimeInterval) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: out.path, contents: nil),
              FileManager.default.createFile(atPath: err.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory.path])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun!)
        process.arguments = ["--allow-run-as-root", "--oversubscribe"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false, killWhen = killWhen
        while process.isRunning {
            if Date() > deadline { timedOut = true; process.terminate(); break }
            if let condition = killWhen, condition() {
                for rank in children(of: process.processIdentifier) { kill(rank, SIGKILL) }
                killWhen = nil
            }
            Thread.sleep(forTimeInterval: killWhen == nil ? 0.1 : 0.02)
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: try String(contentsOf: out, encoding: .utf8),
                       error: try String(contentsOf: err, encoding: .utf8), timedOut: timedOut)
    }

    /// The processes whose parent is `pid` (from /proc): the ranks mpirun started on this machine.
    private static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            // /proc/PID/stat: "PID (COMMAND) STATE PPID ..."; the command may hold spaces and parentheses.
            guard let stat = try? procFileText("/proc/\(child)/stat"),
                  let end = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }
}
