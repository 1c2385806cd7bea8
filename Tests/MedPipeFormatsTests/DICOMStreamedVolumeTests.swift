import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport

/// A DICOM folder of one volume written to `.npy` slice by slice as the workers decode them (`inspect DIR --array`),
/// never held whole: the same bytes, record and errors as reading it whole, which ``DICOMSeriesReaderTests`` checks
/// against pydicom. Any other folder is read whole, its records given back, nothing written.
@Suite("DICOM volumes written as decoded", .enabled(if: SharedData.isAvailable))
struct DICOMStreamedVolumeTests {
    /// Reads `directory` both ways and checks that they agree; returns the streamed record, or nil when the folder is
    /// not one volume (its records read whole, nothing written).
    private func readBothWays(_ directory: String) throws -> StreamedRecord? {
        let folder = temporaryDirectory("dicom-streamed")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/a.npy"
        let whole = try DICOMSeriesReader().read(directory)
        var given: [Record] = []
        switch try RecordReading.read(directory, arrayTo: out, otherwise: { given.append($0) }) {
        case .streamed(let streamed):
            let expected = try #require(whole.count == 1 ? whole.first : nil, "streamed a folder of \(whole.count) records")
            #expect(try NPYReader().read(out).tensor == expected.tensor, "\(directory)")
            #expect(streamed.shape == expected.tensor.shape && streamed.dtype == expected.tensor.dtype)
            #expect(streamed.record.tensor.shape == [0] + expected.tensor.shape.dropFirst() && streamed.record.tensor.bytes.isEmpty)
            #expect(streamed.record.metadata == expected.metadata && streamed.record.geometry == expected.geometry)
            #expect(streamed.record.warnings == expected.warnings && streamed.record.source == expected.source)
            #expect(streamed.record.patientKey == expected.patientKey && streamed.record.format == expected.format)
            #expect(given.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.npy"], "a temporary file was left")
            return streamed
        case .records(let late):
            #expect(given.map(\.tensor) == whole.map(\.tensor) && given.map(\.geometry) == whole.map(\.geometry), "\(directory)")
            if !given.isEmpty { given[0].warnings += late }   // as `read` tells them
            #expect(given.map(\.warnings) == whole.map(\.warnings))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "declined, yet wrote")
            return nil
        }
    }

    /// A folder of symbolic links to `names` of `source` (nothing copied).
    private func links(_ names: [String], from source: String) throws -> String {
        let directory = temporaryDirectory("dicom-streamed-links")
        for name in names {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + name, withDestinationPath: SharedData.path(source + "/" + name))
        }
        return directory
    }

    @Test("the 196-slice MR series, an oblique series and a rescaled JPEG 2000 pair are written as decoded")
    func volumesAreWrittenAsDecoded() throws {
        let mr = try #require(try readBothWays(SharedData.path("dicom/mr_series/In")))
        #expect(mr.shape == [196, 256, 256] && mr.dtype == .int16)
        let names = try FileManager.default.contentsOfDirectory(atPath: SharedData.path("dicom/dwv_subset"))
        let oblique = try links(names.filter { $0.hasPrefix("bbmri-") }, from: "dicom/dwv_subset")
        let rescaled = try links(names.filter { $0.hasPrefix("osirix-toutatix-") }, from: "dicom/dwv_subset")
        defer { for folder in [oblique, rescaled] { try? FileManager.default.removeItem(atPath: folder) } }
        #expect(try #require(try readBothWays(oblique)).shape.first == 6)
        #expect(try #require(try readBothWays(rescaled)).dtype == .float64)
    }

    @Test("folders of several series, layouts or multi-frame files are read whole, their records given back")
    func otherFoldersAreReadWhole() throws {
        for folder in ["dicom/dwv_subset", "dicom/pydicom_subset"] {
            #expect(try readBothWays(SharedData.path(folder)) == nil, "\(folder)")
        }
    }

    /// Bytes beyond a slice's frame are said as when read whole; a whole second frame in a slice is an error naming
    /// it, and the array's path is left as it was, with no temporary file beside it.
    @Test("a slice beyond its layout is said, and one that cannot be stacked writes nothing")
    func slicesBeyondTheirLayout() throws {
        try ReferencePython.require("pydicom")
        let folder = temporaryDirectory("dicom-streamed-excess")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeSlicesBeyondTheirLayout(in: folder)
        let bytes = try #require(try readBothWays(folder + "/bytes"))
        #expect(bytes.record.warnings.contains { $0.hasPrefix("1 of 3 slices hold pixel data beyond their layout") })

        let out = folder + "/a.npy"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: out))
        let error = try #require(throws: MedPipeError.self) {
            _ = try RecordReading.read(folder + "/frame", arrayTo: out, otherwise: { _ in })
        }
        #expect(error.subject == folder + "/frame/00042.dcm" && error.message.hasPrefix("its pixel data holds 2 whole frames"), "\(error)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "earlier")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.npy", "bytes", "frame"])
    }
}
