import Foundation
import Testing
import TestSupport

/// A write past the file-size limit (`ulimit -f`) ends in one error line naming the file, not in SIGXFSZ.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct FileSizeLimitTests {
    /// `inspect --array` under `ulimit -f 8` was killed by SIGXFSZ as its main thread wrote the array: no error line,
    /// exit status 153 from the shell, and 8 KiB of the array left behind.
    @Test func aWritePastTheLimitIsAnErrorNamingTheFile() throws {
        let work = temporaryDirectory("file-size-limit")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let array = work + "/ct.npy"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f 8 && exec \"$0\" \"$@\"", SharedData.medpipeBinary!,
                             "inspect", SharedData.path("dicom/pydicom_subset/CT_small.dcm"), "--array", array]
        let error = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = error
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(process.terminationReason) \(process.terminationStatus)")
        #expect(message.hasPrefix("medpipe: error: \(array)") && message.hasSuffix("File too large\n") && message.split(separator: "\n").count == 1,
                "\(message)")
        #expect(!FileManager.default.fileExists(atPath: array))
    }
}
