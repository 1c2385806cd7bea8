import Foundation
import Testing
import MedPipeCore
import TestSupport

/// A write that fails outside the command's own outputs never crashes the command. Foundation's `FileHandle.write`
/// traps on a failed write: standard error on a full disk (or past `ulimit -f`, or a pipe whose reader left while
/// SIGPIPE is ignored) crashed a convert at its first progress line, and `train --metrics` on a full disk crashed the
/// training at its first epoch. `/dev/full`, where every write fails with ENOSPC, stands for the full disk.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable && FileManager.default.fileExists(atPath: "/dev/full"),
                "needs the built medpipe binary, ../shared/data and /dev/full"))
struct FailingWritesTests {
    /// Runs medpipe with one of its standard streams, output (1) or error (2), written to /dev/full; returns its exit
    /// status and what it wrote to the other.
    private func runWithStreamOnAFullDisk(_ descriptor: Int32, _ arguments: [String]) throws -> (status: Int32, other: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SharedData.medpipeBinary!)
        process.arguments = arguments
        let other = Pipe(), full = FileHandle(forWritingAtPath: "/dev/full")
        process.standardOutput = descriptor == 1 ? full : other
        process.standardError = descriptor == 2 ? full : other
        try process.run()
        let text = String(decoding: other.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func standardErrorThatCannotBeWrittenDoesNotStopACommand() throws {
        let work = temporaryDirectory("stderr-full")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart"
        #expect(try runWithStreamOnAFullDisk(2, ["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        #expect(try SharedData.runMedpipe(["cache", "verify", cache]).status == 0)
        // An error, too, ends in its exit status.
        #expect(try runWithStreamOnAFullDisk(2, ["inspect", work + "/absent.nii"]).status == 1)
    }

    /// What a command prints to standard output is its result (`inspect`'s description, `predict`'s line per sample):
    /// when it cannot be written, the command fails, naming it, where it exited 0 with its results lost.
    @Test func standardOutputThatCannotBeWrittenFailsTheCommand() throws {
        let (status, text) = try runWithStreamOnAFullDisk(1, ["inspect", SharedData.path("wfdb/100.hea")])
        #expect(status == 1, "\(text)")
        #expect(text == "medpipe: error: standard output: cannot write: No space left on device; what the command printed is incomplete\n")
    }

    @Test func metricsThatCannotBeWrittenAreOneWarningAndTheModelIsWritten() throws {
        let work = temporaryDirectory("metrics-full")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (cache, _) = try HeartModel.train(in: work)
        let model = work + "/m.safetensors"
        let run = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "3", "--out", model, "--metrics", "/dev/full"])
        #expect(run.status == 0, "\(run.error)")
        let warnings = run.error.split(separator: "\n").filter { $0.hasPrefix("medpipe: warning:") }
        #expect(warnings == ["medpipe: warning: /dev/full: cannot write: No space left on device; the training goes on without writing its metrics"], "\(run.error)")
        #expect(FileManager.default.fileExists(atPath: model))
        // A metrics file in folders that do not exist yet: made before the training, as --out's are.
        let metrics = work + "/logs/run1/metrics.jsonl"
        #expect(try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "2", "--out", model, "--metrics", metrics]).status == 0)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n").count == 2)
    }
}
