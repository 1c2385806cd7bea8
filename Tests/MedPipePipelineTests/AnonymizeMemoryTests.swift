import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// The peak memory of `anonymize` over a folder five times larger, and a table four times longer.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct AnonymizeMemoryTests {
    /// `anonymize` kept, for every DICOM file until the end of the run, its identifying values beside the batch's set of
    /// them and its own list of touched attributes, then built the whole JSON report in memory (4.6 KB per file):
    /// about 14 KB per file, 2.7 GB for an archive of 200,000 files. The values now join the batch's set as each file
    /// ends, equal lists of attributes share one storage, and the report is written a megabyte at a time: the same bytes.
    ///
    /// Copies of pydicom's MR_small.dcm (one patient), each with its own SOP Instance UID: 300, then 1,500 of them. The
    /// larger run may peak at most 5 KB per extra file above the smaller (it was about 14 KB; it is now about 1.2 KB).
    @Test func memoryPerFileIsSmall() throws {
        let root = temporaryDirectory("anonymize-memory")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let counts = (small: 300, large: 1500)
        let file = try DICOMFile(path: SharedData.path("dicom/pydicom_subset/MR_small.dcm"))
        for index in 0..<counts.large {
            let folder = root + (index < counts.small ? "/small" : "/large")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try file.replace("(0008,0018)", "1.2.826.0.1.3680043.10.1425.\(index + 1)")
            try file.save(to: folder + "/\(index).dcm")
        }
        // The large folder holds the small one's files too (as links), and 1,200 more.
        for index in 0..<counts.small {
            try FileManager.default.createSymbolicLink(atPath: root + "/large/\(index).dcm", withDestinationPath: root + "/small/\(index).dcm")
        }
        var peaks: [Int] = []
        for (name, count) in [("small", counts.small), ("large", counts.large)] {
            let report = root + "/\(name)-report.json"
            let run = try PeakMemory.run("/usr/bin/env", ["MEDPIPE_KEY=" + root + "/project.key", SharedData.medpipeBinary!, "anonymize", root + "/" + name,
                                                          "--out", root + "/\(name)-out", "--report", report, "--jobs", "2"], in: root)
            try #require(run.status == 0, "anonymize \(name): \(run.error)")
            #expect(run.output.contains("anonymized \(count) file(s)"), "\(run.output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
            #expect((json["files"] as? [Any])?.count == count)
            peaks.append(run.peak)
        }
        let extra = counts.large - counts.small
        print("anonymize peak RSS: \(counts.small) files \(peaks[0] >> 10) KiB, \(counts.large) files \(peaks[1] >> 10) KiB: \((peaks[1] - peaks[0]) / extra) bytes per extra file")
        #expect(peaks[1] - peaks[0] < extra * 5_000, "anonymize grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `anonymize` of a CSV table held it four times over (its fields, the scrubbed fields, the output text and its bytes):
    /// about 0.5 KB per row of 36 bytes, 28 GB for a 2 GB export of a hospital system. It now scrubs each row as it is
    /// split and writes the output a megabyte at a time: what grows with the table is its bytes and the output's.
    ///
    /// The UCI heart table's rows repeated to 20,000, then 80,000 rows (0.7 and 2.9 MB), four columns kept: the larger
    /// may peak at most 200 bytes per extra row above the smaller (it was about 500; it is now about 80).
    @Test func aTableIsScrubbedRowByRow() throws {
        let root = temporaryDirectory("anonymize-memory-csv")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = try String(contentsOfFile: SharedData.path("tabular/heart.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let counts = (small: 20_000, large: 80_000)
        var peaks: [Int] = []
        for count in [counts.small, counts.large] {
            let table = root + "/heart-\(count).csv"
            try ([String(lines[0])] + (0..<count).map { String(lines[1 + $0 % (lines.count - 1)]) }).joined(separator: "\n")
                .appending("\n").write(toFile: table, atomically: true, encoding: .utf8)
            let report = root + "/report-\(count).json"
            let run = try PeakMemory.run("/usr/bin/env", ["MEDPIPE_KEY=" + root + "/project.key", SharedData.medpipeBinary!, "anonymize", table,
                                                          "--out", root + "/out-\(count)", "--report", report, "--keep-columns", "age,sex,chol,target"], in: root)
            try #require(run.status == 0, "anonymize \(count) rows: \(run.error)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
            let file = try #require((json["files"] as? [[String: Any]])?.first)
            let output = try String(contentsOfFile: root + "/out-\(count)/" + (file["output"] as! String), encoding: .utf8)
            #expect(output.split(separator: "\n").count == count + 1 && output.hasPrefix("age,sex,chol,target\n"), "\(output.prefix(200))")
            peaks.append(run.peak)
        }
        let extra = counts.large - counts.small
        print("anonymize CSV peak RSS: \(counts.small) rows \(peaks[0] >> 10) KiB, \(counts.large) rows \(peaks[1] >> 10) KiB: \((peaks[1] - peaks[0]) / extra) bytes per extra row")
        #expect(peaks[1] - peaks[0] < extra * 200, "anonymize grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }
}
