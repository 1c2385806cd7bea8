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

    /// anonymize's report past the limit: "cannot write the report: The operation could not be completed.
    /// (NSCocoaErrorDomain error 512.)", Foundation's words for an errno it has no name for.
    @Test func aReportPastTheLimitIsToldWhy() throws {
        let work = temporaryDirectory("file-size-limit-report")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // One small kept column; the report names each of the 60 dropped ones.
        let columns = (0..<60).map { "column_\($0)" }
        try ((["age"] + columns).joined(separator: ",") + "\n" + (["61"] + columns.map { _ in "1" }).joined(separator: ",") + "\n")
            .write(toFile: work + "/visits.csv", atomically: true, encoding: .utf8)
        let report = work + "/report.json"
        let run = try SharedData.runMedpipe(["anonymize", work + "/visits.csv", "--out", work + "/out", "--report", report, "--key", work + "/key",
                                             "--keep-columns", "age"], fileSizeLimitKiB: 1)
        let errors = run.error.split(separator: "\n").filter { $0.hasPrefix("medpipe:") }  // after the progress lines
        #expect(run.status == 1 && errors == ["medpipe: error: \(report): cannot write: File too large"], "\(run.status) \(run.error)")
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    /// convert past the limit said "cannot open the cache manifest: disk I/O error" (past 8 KiB, creating its tables)
    /// or "cannot write the cache manifest: disk I/O error" (past 64 KiB, committing the units), SQLite's words for
    /// any failed write. It says the system's reason now, and the cache it leaves is sound and converts again.
    @Test func aManifestPastTheLimitIsToldWhy() throws {
        let work = temporaryDirectory("file-size-limit-manifest")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try SharedData.fixtureRecipe("heart.yaml").write(toFile: work + "/heart.yaml", atomically: true, encoding: .utf8)
        for limit in [8, 64] {
            let cache = work + "/cache-\(limit)"
            let run = try SharedData.runMedpipe(["convert", work + "/heart.yaml", "--cache", cache], fileSizeLimitKiB: limit)
            let errors = run.error.split(separator: "\n").filter { $0.hasPrefix("medpipe:") }  // after the progress lines
            #expect(run.status == 1 && errors.count == 1, "\(run.status) \(run.error)")
            #expect(errors.first?.hasPrefix("medpipe: error: \(cache)/manifest.sqlite: cannot ") == true
                    && errors.first?.hasSuffix(" the cache manifest: File too large") == true, "\(errors)")
            let verify = try SharedData.runMedpipe(["cache", "verify", cache])
            #expect(verify.status == 0 && verify.output.contains("all sound"), "\(verify.output) \(verify.error)")
            let again = try SharedData.runMedpipe(["convert", work + "/heart.yaml", "--cache", cache])
            #expect(again.status == 0, "\(again.error)")
        }
    }
}
