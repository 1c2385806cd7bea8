import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// `inspect` of an archive folder holding many series.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct ArchiveInspectionTests {
    /// `inspect` of a folder of several series decoded every series into memory before printing the first: its peak
    /// grew by a whole volume per series (an archive of a thousand CT series would not fit in any machine). Series are
    /// now read, printed and released one at a time; what remains per series is its files' parsed headers.
    ///
    /// Four copies of the 196-slice MR series (a 25.7 MB volume each), three of them with their own Series Instance UID,
    /// in an archive's patient/series folders: the peak of the four may exceed that of one series by less than one
    /// volume per extra series (it was about 1.6 volumes per series: the volume and its headers).
    @Test func seriesAreReadOneAtATime() throws {
        let root = temporaryDirectory("archive-inspect")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let original = SharedData.path("dicom/mr_series/In")
        let names = try FileManager.default.contentsOfDirectory(atPath: original).sorted()
        // The original series, file by file (a folder walk does not follow a link to a folder).
        try FileManager.default.createDirectory(atPath: root + "/patient-0/series", withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.createSymbolicLink(atPath: root + "/patient-0/series/" + name, withDestinationPath: original + "/" + name)
        }
        for copy in 1...3 {
            let folder = root + "/patient-\(copy)/series"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for name in names {
                let file = try DICOMFile(path: original + "/" + name)
                try file.replace("(0020,000E)", "1.2.826.0.1.3680043.10.1424.\(copy)")
                try file.save(to: folder + "/" + name)
            }
        }
        let one = try PeakMemory.run(SharedData.medpipeBinary!, ["inspect", root + "/patient-0"], in: root)
        let four = try PeakMemory.run(SharedData.medpipeBinary!, ["inspect", root], in: root)
        try #require(one.status == 0 && four.status == 0, "\(one.error)\(four.error)")
        #expect(four.output.components(separatedBy: "shape:    196 × 256 × 256").count == 5, "\(four.output)")
        let volume = 196 * 256 * 256 * 2
        print("inspect peak RSS: one series \(one.peak >> 20) MiB, four series \(four.peak >> 20) MiB (a volume: \(volume >> 20) MiB)")
        #expect(four.peak - one.peak < 3 * volume, "four series peak at \(four.peak >> 20) MiB, one at \(one.peak >> 20) MiB")
    }
}
