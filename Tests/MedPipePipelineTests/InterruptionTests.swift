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
        kill(process.processIdentifier, SIGTERM)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM, "the run ended before the signal; the test proves nothing: \(said)")
        #expect(said.contains("medpipe: interrupted (SIGTERM); its unfinished outputs are removed"), "\(said)")
        #expect(try partialFolders(in: out).isEmpty)
        // What is left was finished: every file moved into place after the scan is a whole DICOM file.
        let left = FileManager.default.enumerator(atPath: out)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") } ?? []
        #expect(left.count < 196)
        for name in left { #expect(throws: Never.self) { _ = try DICOMFile(path: out + "/" + name).attributes() } }
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
