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
        let run = try SharedData.runMedpipe(["inspect", SharedData.path("dicom/pydicom_subset/CT_small.dcm"), "--array", array], fileSizeLimitKiB: 8)
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(array)") && run.error.hasSuffix("File too large\n")
                && run.error.split(separator: "\n").count == 1, "\(run.status) \(run.error)")
        #expect(!FileManager.default.fileExists(atPath: array))
    }
}
