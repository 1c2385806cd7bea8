import Foundation
import Testing
@testable import MedPipeCore
import MedPipeFormats
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A run interrupted by Ctrl-C or SIGTERM removes the outputs it had not finished before it exits. They stayed: an
/// `anonymize` stopped on the way left a hidden folder of de-identified files that never passed the residual scan in
/// its output folder, which a copy of the folder carried along.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
struct InterruptionTests {
    @Test func anInterruptedAnonymizeLeavesNoPartialOutputs() throws {
        let dir = temporaryDirectory("interrupted")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SharedData.medpipeBinary!)
        process.arguments = ["anonymize", SharedData.path("dicom/mr_series/In"), "--out", out, "--report", dir + "/report.json", "--key", dir + "/project.key"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        // Interrupted once its first outputs are being written (about a second before it would finish).
        let deadline = Date().addingTimeInterval(60)
        while (try partialFolders(in: out)).isEmpty, process.isRunning, Date() < deadline { usleep(2_000) }
        let said = try stop(process, errors)
        #expect(process.terminationStatus == 128 + SIGTERM, "the run ended before the signal; the test proves nothing: \(said)")
        #expect(said.contains("medpipe: interrupted (SIGTERM); its unfinished outputs are removed"), "\(said)")
        #expect(try partialFolders(in: out).isEmpty)
        // What is left was finished: every file moved into place after the scan is a whole DICOM file.
        let left = FileManager.default.enumerator(atPath: out)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") } ?? []
        #expect(left.count < 196)
        for name in left { #expect(throws: Never.self) { _ = try DICOMFile(path: out + "/" + name).attributes() } }
    }

    /// Ctrl-C during a long training lost every epoch run: nothing was written. Now the first interruption stops the
    /// training after its batch and writes the best epoch so far (then exits 128 + the signal); a second ends it at once.
    @Test func anInterruptedTrainingWritesTheBestEpochSoFar() throws {
        let dir = temporaryDirectory("interrupted-train")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recipe = dir + "/heart.yaml", cache = dir + "/cache", metrics = dir + "/metrics.jsonl", model = dir + "/heart.safetensors"
        try SharedData.fixtureRecipe("heart.yaml").write(toFile: recipe, atomically: true, encoding: .utf8)
        let convert = try SharedData.runMedpipe(["convert", recipe, "--cache", cache, "--key", dir + "/project.key"])
        try #require(convert.status == 0, "\(convert.error)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SharedData.medpipeBinary!)
        process.arguments = ["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1000000", "--threads", "1", "--metrics", metrics, "--out", model]
        let errors = Pipe(), output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while epochs(in: metrics) < 3, process.isRunning, Date() < deadline { usleep(10_000) }
        let said = try stop(process, errors)
        #expect(process.terminationStatus == 128 + SIGTERM, "\(said)")
        #expect(said.contains("medpipe: interrupted (SIGTERM): stopping after this batch; the best epoch so far will be written"), "\(said)")
        let run = epochs(in: metrics)
        #expect(run >= 3 && run < 1_000_000)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("(interrupted in epoch \(run)); wrote \(model)"), "\(printed.suffix(400))")
        // The checkpoint is whole: it evaluates.
        let evaluate = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", cache])
        #expect(evaluate.status == 0, "\(evaluate.error)")
    }

    /// Sends SIGTERM to `process` (spawned by a test thread, which may block signals: the child inherits that mask, and
    /// MedPipe unblocks the signals it handles), waits up to a minute for it to end, else kills it; returns its errors.
    private func stop(_ process: Process, _ errors: Pipe) throws -> String {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("still running a minute after SIGTERM")
        }
        process.waitUntilExit()
        return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    private func epochs(in metrics: String) -> Int {
        ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// A staged file (``AtomicFile/Staged``) is removed by an interruption until it is renamed into place.
    @Test func stagedFilesAreRemovedOnInterruptUntilCommitted() throws {
        let dir = temporaryDirectory("staged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let staged = try AtomicFile.Staged(dir + "/array.npy")
        let temporary = dir + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first))
        #expect(Interruption.isRegistered(temporary))
        try staged.commit(durable: false)
        #expect(!Interruption.isRegistered(temporary))
    }

    private func partialFolders(in folder: String) throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(PartialOutputs.prefix) || $0.hasSuffix(".tmp") }
    }
}
