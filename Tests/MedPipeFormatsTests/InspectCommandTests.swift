import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// `medpipe inspect` as a user runs it: the array it writes, its JSON, and its errors.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
struct InspectCommandTests {
    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "medpipe-inspect-\(UUID().uuidString)-\(name)" }

    @Test func niftiArrayIsNibabelsXYZOrder() throws {
        let source = SharedData.path("nifti/nibabel_subset/example4d.nii.gz"), out = temporary("a.npy")
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(try SharedData.runMedpipe(["inspect", source, "--array", out]).status == 0)
        let bytes = try FileBytes.read(out)
        let header = String(decoding: bytes[10..<128], as: UTF8.self)
        // nibabel's shape for example4d is (128, 96, 24, 2); the bytes are the file's own order.
        #expect(header.contains("'fortran_order': True, 'shape': (128, 96, 24, 2)"))
        let record = try NIfTIReader().read(source)
        #expect(Array(bytes.suffix(record.tensor.bytes.count)) == record.tensor.bytes)
    }

    @Test func wfdbPhysicalArrayAndJSONSummary() throws {
        let out = temporary("p.npy")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try SharedData.runMedpipe(["inspect", SharedData.path("wfdb/100.hea"), "--json", "--physical", "--array", out])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["shape"] as? [Int] == [650000, 2])
        #expect(object["dtype"] as? String == "float64")
        #expect(object["sampling_frequency"] as? Double == 360)
        #expect((object["annotation_counts"] as? [String: Int])?["A"] == 33)
        let array = try NPYReader().read(out).tensor
        #expect(array.shape == [650000, 2] && array.dtype == .float64)
        // Written as decoded (WFDBStreamedArrayTests), the same array as the record read whole.
        #expect(array == (try WFDBReader(options: ReadOptions(physical: true)).read(SharedData.path("wfdb/100.hea")).tensor))
    }

    /// `inspect 100.hea --array 100.dat` replaced the record's samples with the array read from them (and `--array`
    /// naming the header, or the DICOM file read, replaced those): the array is refused before anything is read.
    @Test func anArrayOverAnInputIsRefused() throws {
        let folder = temporaryDirectory("inspect-over-input")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["100.hea", "100.dat", "100.atr"] {
            try FileManager.default.copyItem(atPath: SharedData.path("wfdb/" + name), toPath: folder + "/" + name)
        }
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/pydicom_subset/CT_small.dcm"), toPath: folder + "/ct.dcm")
        let before = try ["100.hea", "100.dat", "100.atr", "ct.dcm"].map { try FileBytes.read(folder + "/" + $0) }
        for (input, output) in [("100.hea", "100.dat"), ("100.hea", "100.atr"), ("100.hea", "100.hea"), ("ct.dcm", "ct.dcm")] {
            let run = try SharedData.runMedpipe(["inspect", folder + "/" + input, "--array", folder + "/" + output])
            #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(folder)/\(output): is also an input")
                    && run.error.split(separator: "\n").count == 1, "\(input) → \(output): \(run.status) \(run.error)")
        }
        #expect(try ["100.hea", "100.dat", "100.atr", "ct.dcm"].map { try FileBytes.read(folder + "/" + $0) } == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 4)
    }

    @Test func badInputIsOneLineNamingTheFileAndANonZeroExit() throws {
        let truncated = SharedData.path("dicom/pydicom_subset/MR_truncated.dcm")
        let run = try SharedData.runMedpipe(["inspect", truncated])
        #expect(run.status != 0)
        let lines = run.error.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("medpipe: error: \(truncated): truncated pixel data") == true)

        let missing = try SharedData.runMedpipe(["inspect", SharedData.path("wfdb/multi-segment/p000878/p000878-2137-10-26-16-57.hea")])
        #expect(missing.status != 0)
        #expect(missing.error.contains("3269321_0003.hea"))
    }
}
