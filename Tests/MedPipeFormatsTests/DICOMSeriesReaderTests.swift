import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

@Suite(.enabled(if: SharedData.isAvailable)) struct DICOMSeriesReaderTests {
    private func check(_ record: Record, against expected: DICOMReference.Series) {
        #expect(record.format == "dicom-series")
        expectEqual(record.tensor, expected.summary, expected.directory)
        #expect(record.metadata["SliceCount"] == .int(expected.slices))
        guard case .spatial(let spacing, let affine)? = record.geometry else {
            Issue.record("no spatial geometry")
            return
        }
        #expect(maxDifference(affine.matrix, expected.affine) < 1e-6)
        #expect(abs(spacing[2] - expected.sliceSpacing) < 1e-9)
    }

    @Test func mrSeriesMatchesPydicomStack() throws {
        let expected = DICOMReference.shared.series["mr_series"]!
        let records = try DICOMSeriesReader().read(SharedData.path(expected.directory))
        try #require(records.count == 1)
        check(records[0], against: expected)
        #expect(records[0].metadata["SeriesInstanceUID"] == .string(expected.SeriesInstanceUID))
        #expect(records[0].warnings.isEmpty)
        #expect(records[0].tensor.shape == [196, 256, 256] && records[0].tensor.dtype == .int16)
    }

    /// Past `keptParses` files, each file is parsed again when its series is decoded, to bound the memory of an
    /// archive's headers: the records are the same.
    @Test func filesParsedAgainGiveTheSameRecords() throws {
        for folder in ["dicom/mr_series/In", "dicom/dwv_subset", "dicom/pydicom_subset"] {
            let kept = try DICOMSeriesReader().read(SharedData.path(folder))
            let parsedAgain = try DICOMSeriesReader(keptParses: 0).read(SharedData.path(folder))
            #expect(kept.map(\.tensor) == parsedAgain.map(\.tensor) && kept.map(\.geometry) == parsedAgain.map(\.geometry), "\(folder)")
            #expect(kept.map(\.metadata) == parsedAgain.map(\.metadata) && kept.map(\.warnings) == parsedAgain.map(\.warnings), "\(folder)")
            #expect(kept.map(\.source) == parsedAgain.map(\.source) && kept.count > 0, "\(folder)")
        }
    }

    @Test func dwvSubsetSplitsIntoSeries() throws {
        let records = try RecordReading.read(SharedData.path("dicom/dwv_subset"))
        let bbmri = DICOMReference.shared.series["dwv_bbmri"]!
        let ct = DICOMReference.shared.series["dwv_ct_j2k"]!
        let oblique = try #require(records.first { $0.metadata["SeriesInstanceUID"] == .string(bbmri.SeriesInstanceUID) })
        check(oblique, against: bbmri)
        let j2k = try #require(records.first { $0.metadata["SeriesInstanceUID"] == .string(ct.SeriesInstanceUID) })
        check(j2k, against: ct)
        #expect(j2k.tensor.dtype == .float64)
        let multiframe = try #require(records.first { $0.source.hasSuffix("multiframe-test1.dcm") })
        #expect(multiframe.tensor.shape == [16, 256, 256])
        // readme.md is skipped with a warning, never an error: said once, on the first record (each of the five
        // records repeated it).
        let readme = { (record: Record) in record.warnings.filter { $0.contains("readme.md") && $0.contains("not a DICOM file") }.count }
        #expect(records.map(readme) == [1, 0, 0, 0, 0])
        #expect(records.count == 5)
    }

    /// A scratch directory of symbolic links to real series files (nothing is copied).
    private func linkDirectory(_ names: [String], as linkNames: [String]? = nil) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-dicom-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, name) in names.enumerated() {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + (linkNames?[index] ?? name),
                                                       withDestinationPath: SharedData.path("dicom/mr_series/In/" + name))
        }
        return directory
    }

    /// A file that cannot be read (an I/O error: here `/proc/self/mem`, whose first page is not mapped, so reading
    /// it fails with EIO even as root; on an archive, a failing disk or too many open files) stops the read with an
    /// error naming it. It was skipped with a warning, as a file that is not DICOM is, and its series assembled
    /// without that slice: `inspect` under `ulimit -n 7` printed one slice of the 196.
    @Test func aFileThatCannotBeReadIsAnErrorNotASkippedSlice() throws {
        let directory = try linkDirectory(["00010.dcm", "00011.dcm", "00012.dcm"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory + "/00013.dcm", withDestinationPath: "/proc/self/mem")
        for read in [{ _ = try DICOMSeriesReader().read(directory) }, { _ = try DICOMSeriesReader().list(directory) }] {
            let error = try #require(throws: MedPipeError.self) { try read() }
            #expect(error.kind == .io && error.subject == directory + "/00013.dcm" && error.message.hasPrefix("cannot read: "), "\(error)")
        }
    }

    @Test func missingSliceGivesNonUniformSpacingWarning() throws {
        let directory = try linkDirectory(["00010.dcm", "00011.dcm", "00012.dcm", "00014.dcm", "00015.dcm"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = try #require(try DICOMSeriesReader().read(directory).first)
        #expect(record.tensor.shape == [5, 256, 256])
        let warning = try #require(record.warnings.first { $0.contains("non-uniform slice spacing") })
        #expect(warning.contains("1.2 to 2.4 mm"))
        // Median gap 1.2 mm, and the affine's slice column has that length too.
        guard case .spatial(let spacing, let affine)? = record.geometry else { Issue.record("no geometry"); return }
        #expect(abs(spacing[2] - 1.2) < 1e-9)
        #expect(abs(affine.voxelSizes[2] - 1.2) < 1e-6)
    }

    @Test func duplicatePositionsAreReported() throws {
        let directory = try linkDirectory(["00020.dcm", "00021.dcm", "00021.dcm"], as: ["a.dcm", "b.dcm", "c.dcm"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = try #require(try DICOMSeriesReader().read(directory).first)
        #expect(record.tensor.shape == [3, 256, 256])
        #expect(record.warnings.contains { $0.contains("1 duplicate slice position") })
    }

    /// A slice whose pixel data is longer than its header says. Before, the series was stacked from what each header
    /// described, without a word. Now bytes short of a frame are not read, as pydicom does not read them, and the
    /// series says so; a whole frame more, which pydicom reads as a second frame of that slice, cannot be stacked:
    /// an error naming the slice.
    @Test func aSliceWithPixelDataBeyondItsLayoutIsSaid() throws {
        try ReferencePython.require("pydicom")
        let plain = try linkDirectory(["00040.dcm", "00041.dcm", "00042.dcm"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("excess-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: folder)
        }
        let expected = try #require(try DICOMSeriesReader().read(plain).first)
        try writeSlicesBeyondTheirLayout(in: folder)
        let record = try #require(try DICOMSeriesReader().read(folder + "/bytes").first)
        #expect(record.tensor == expected.tensor)
        #expect(record.warnings.contains("1 of 3 slices hold pixel data beyond their layout (the first: \(folder)/bytes/00042.dcm: its pixel data holds 10 bytes beyond 1 frame(s) of 256 × 256: they are not read, as pydicom does not read them (pixels are lost if Rows or Columns is too small))"), "\(record.warnings)")
        let error = try #require(throws: MedPipeError.self) { try DICOMSeriesReader().read(folder + "/frame") }
        #expect(error.subject == folder + "/frame/00042.dcm")
        #expect(error.message == "its pixel data holds 2 whole frames where Number of Frames (0028,0008) says 1: it cannot be stacked as one slice of its series (pydicom reads all 2 frames)")
    }

    /// Sorting follows the position along the normal, not file names or InstanceNumber order of listing.
    @Test func sortingIgnoresFileNames() throws {
        let names = ["00030.dcm", "00031.dcm", "00032.dcm"]
        let reversed = try linkDirectory(names, as: ["c.dcm", "b.dcm", "a.dcm"])
        let ordered = try linkDirectory(names)
        defer {
            try? FileManager.default.removeItem(atPath: reversed)
            try? FileManager.default.removeItem(atPath: ordered)
        }
        let a = try #require(try DICOMSeriesReader().read(reversed).first)
        let b = try #require(try DICOMSeriesReader().read(ordered).first)
        #expect(a.tensor == b.tensor)
        #expect(a.geometry == b.geometry)
    }

    /// pydicom_subset mixes series, layouts, encodings of one MR image and a truncated file: every readable
    /// series comes back, the truncated file is a warning (once), and the six lossless encodings of MR_small stack
    /// into six identical slices at one position.
    @Test func mixedDirectoryReadsWhatItCan() throws {
        let records = try DICOMSeriesReader().read(SharedData.path("dicom/pydicom_subset"))
        // Said once, on the first record, as every file skipped is (every record repeated it).
        let truncationWarnings: [Int] = records.map { record in
            record.warnings.filter { $0.contains("MR_truncated.dcm") && $0.contains("truncated pixel data") }.count
        }
        #expect(truncationWarnings == [1] + [Int](repeating: 0, count: records.count - 1))
        let mr = try #require(records.first { $0.tensor.shape == [6, 64, 64] })
        #expect(mr.warnings.contains { $0.contains("5 duplicate slice position") })
        let slices = mr.tensor.values(as: Int16.self)
        for k in 1..<6 { #expect(Array(slices[(k * 4096)..<((k + 1) * 4096)]) == Array(slices[0..<4096]), "slice \(k)") }
        let single = try DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/MR_small.dcm"))
        #expect(Array(slices[0..<4096]) == single.tensor.values(as: Int16.self))
        #expect(records.contains { $0.source.hasSuffix("JPEG2000.dcm") } && records.contains { $0.source.hasSuffix("JPEG-lossy.dcm") })
    }

    /// An archive's layout, patient/study/series folders with no file at the top: the folder was taken for PNG class
    /// folders holding no PNG, and `inspect` printed nothing and exited 0; with a README beside the folders, it was
    /// "neither DICOM files nor PNG class folders". It is read as DICOM series, every level deep.
    @Test func nestedArchiveFoldersAreReadAsSeries() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-archive-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let series = root + "/patient-a/study-1/series-1", single = root + "/patient-b/study-1"
        for folder in [series, single] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for name in ["00010.dcm", "00011.dcm", "00012.dcm"] {
            try FileManager.default.createSymbolicLink(atPath: series + "/" + name, withDestinationPath: SharedData.path("dicom/mr_series/In/" + name))
        }
        try FileManager.default.createSymbolicLink(atPath: single + "/image", withDestinationPath: SharedData.path("dicom/pydicom_subset/MR_small.dcm"))
        #expect(try FormatKind.detect(root) == .dicomSeries)
        try "exported from the PACS".write(toFile: root + "/README.txt", atomically: true, encoding: .utf8)   // a file beside the folders
        #expect(try FormatKind.detect(root) == .dicomSeries)
        let records = try RecordReading.read(root)
        #expect(records.map(\.tensor.shape).sorted { $0.lexicographicallyPrecedes($1) } == [[3, 256, 256], [64, 64]])
        #expect(records.allSatisfy { $0.format == "dicom-series" || $0.format == "dicom" })
    }

    @Test func emptyOrNonDICOMDirectoryIsAnError() throws {
        let error = try #require(throws: MedPipeError.self) {
            try DICOMSeriesReader().read(SharedData.path("nifti/nibabel_repo_docs"))
        }
        #expect(error.message.contains("no readable DICOM image"))
    }
}
