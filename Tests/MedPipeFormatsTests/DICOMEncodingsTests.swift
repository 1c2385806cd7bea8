import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Valid encodings that real files use (issue 10 §1) decode to what pydicom decodes: bit-packed frames
/// (DICOM SEG), 32-bit samples in big endian, RLE with 32-bit samples and many frames, UN elements, Modality
/// LUTs, native YBR_FULL_422 and JPEG streams without EOI. Fixtures and expected arrays: tools/reference/dicom_encodings.py.
@Suite struct DICOMEncodingsTests {
    @Test(arguments: DICOMEncodingsReference.fileNames)
    func fixtureDecodesAsPydicom(_ name: String) throws {
        let expected = try #require(DICOMEncodingsReference.shared.files[name])
        let record = try DICOMFileReader().read(DICOMEncodingsReference.path(name))
        #expect(record.metadata["TransferSyntaxUID"] == .string(expected.TransferSyntaxUID))
        expectDecodedAsPydicom(record.tensor, expected, name)
        #expect(record.warnings.contains { $0.contains("bytes beyond") } == expected.fields.excess_padding, "\(record.warnings)")
        #expect(record.warnings.contains { $0.contains("whole frames where Number of Frames (0028,0008) says") } == expected.fields.excess_frames,
                "\(record.warnings)")
    }

    /// Pixel data longer than its header says. Before, MedPipe read only what the header described, without a
    /// word, where pydicom 3 reads every whole frame the data holds beyond Number of Frames (5 where it says 2)
    /// and warns of other bytes as excess padding: MedPipe now reads the same values (above) and says both.
    @Test func pixelDataLongerThanItsHeaderIsSaid() throws {
        let frames = try DICOMFileReader().read(DICOMEncodingsReference.path("excess_frames.dcm"))
        #expect(frames.tensor.shape == [5, 5, 6])
        #expect(frames.warnings == ["its pixel data holds 5 whole frames where Number of Frames (0028,0008) says 2: all are read, as pydicom reads them"])
        let bytes = try DICOMFileReader().read(DICOMEncodingsReference.path("excess_bytes.dcm"))
        #expect(bytes.tensor.shape == [5, 6])
        #expect(bytes.warnings == ["its pixel data holds 10 bytes beyond 1 frame(s) of 5 × 6: they are not read, as pydicom does not read them (pixels are lost if Rows or Columns is too small)"])
    }

    /// Encapsulated pixel data holding a third frame under a Number of Frames of 2 (an offset table of three, or
    /// JPEG streams that each start a frame). Before, MedPipe decoded two of the three frames without a word (RLE,
    /// JPEG-LS, JPEG through DCMTK or libjpeg-turbo) or refused the file (JPEG 2000), where pydicom 3 decodes all
    /// three and warns: MedPipe now reads the same values (above) and says so, whichever decoder reads them.
    @Test(arguments: ["excess_frames_rle.dcm", "excess_frames_jpegls.dcm", "excess_frames_jpeg.dcm", "excess_frames_j2k.dcm"])
    func encapsulatedFramesBeyondNumberOfFramesAreRead(_ name: String) throws {
        let record = try DICOMFileReader().read(DICOMEncodingsReference.path(name))
        #expect(record.tensor.shape == [3, 8, 10])
        #expect(record.warnings == ["its pixel data holds 3 whole frames where Number of Frames (0028,0008) says 2: all are read, as pydicom reads them"])
    }

    /// An enhanced multi-frame image keeps its geometry in functional groups (shared Pixel Measures and Plane
    /// Orientation, a Plane Position per frame), not at the top level: its affine is theirs, the frame axis the step
    /// between frames (3 mm, where the slice thickness is 2.5). It was a plain 1 mm grid.
    @Test func enhancedMultiFrameGeometryIsItsFunctionalGroups() throws {
        let name = "enhanced_ct_functional_groups.dcm"
        let expected = try #require(DICOMEncodingsReference.shared.geometry[name])
        let record = try DICOMFileReader().read(DICOMEncodingsReference.path(name))
        guard case .spatial(let spacing, let affine)? = record.geometry else { Issue.record("no geometry"); return }
        #expect(zip(spacing, [0.8, 0.7, 3.0]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(spacing)")
        for (row, want) in zip(affine.matrix, expected) {
            #expect(zip(row, want).allSatisfy { abs($0 - $1) < 1e-9 }, "\(affine.matrix) against \(expected)")
        }
    }

    /// An Enhanced CT keeps Rescale Slope and Intercept in the Pixel Value Transformation of its functional groups,
    /// shared or per frame: its values are highdicom's (above), in Hounsfield units, where pydicom 3.0's
    /// `apply_modality_lut`, which reads the top level only, leaves stored values. A shared rescale is named in the
    /// metadata as a top-level one is; per-frame ones are not, as they differ.
    @Test func enhancedMultiFrameRescaleIsItsFunctionalGroups() throws {
        let shared = try DICOMFileReader().read(DICOMEncodingsReference.path("enhanced_ct_rescale_shared.dcm"))
        #expect(shared.tensor.dtype == .float64)
        #expect(shared.metadata["RescaleSlope"] == .double(0.5) && shared.metadata["RescaleIntercept"] == .double(-1024))
        let perFrame = try DICOMFileReader().read(DICOMEncodingsReference.path("enhanced_ct_rescale_per_frame.dcm"))
        #expect(perFrame.metadata["RescaleSlope"] == nil)
    }

    /// Per-frame Pixel Value Transformations missing from some frames leave those frames' values unknown: refused,
    /// counted over the groups a file holds rather than over a Number of Frames it may set to billions.
    @Test func frameRescalesMissingFromSomeFramesAreRefused() throws {
        var groups = DICOMFunctionalGroups()
        groups.frameRescales = [0: DICOMRescale(slope: 1, intercept: -1024), 2: DICOMRescale(slope: 2, intercept: 0)]
        #expect(throws: MedPipeError.self) { try groups.rescales(frames: 3, path: "ct.dcm") }
        #expect(throws: MedPipeError.self) { try groups.rescales(frames: Int(Int32.max), path: "ct.dcm") }
        groups.frameRescales[1] = DICOMRescale(slope: 0.5, intercept: 3)
        #expect(try groups.rescales(frames: 3, path: "ct.dcm")?.map(\.slope) == [1, 0.5, 2])
        groups.frameRescales = [0: DICOMRescale(slope: 2, intercept: 1), 1: DICOMRescale(slope: 2, intercept: 1)]
        #expect(try groups.rescales(frames: 2, path: "ct.dcm") == [DICOMRescale(slope: 2, intercept: 1)])
    }

    /// Single-frame enhanced slices whose functional groups rescale them differently: each slice through its own
    /// (values above, by `seriesStacksAsPydicom`), said, and no one rescale named for the volume, as for slices
    /// rescaled differently at the top level.
    @Test func enhancedSlicesRescaledDifferentlyAreSaid() throws {
        let record = try #require(try DICOMSeriesReader().read(SharedData.fixture("dicom/series_enhanced_rescale")).first)
        #expect(record.warnings.contains("rescale slope/intercept differ between slices (2 distinct): applied per slice"), "\(record.warnings)")
        #expect(record.metadata["RescaleSlope"] == nil && record.metadata["RescaleIntercept"] == nil)
    }

    /// The same enhanced CT with its second frame moved to z = 1e200 mm (the frames then lie on no line): the step from
    /// the first frame, 1e200 mm, has a length whose square overflows, and the evenness check, relative to that length,
    /// took every other position as on the line, so the frame axis was infinitely long (spacing inf). The frames are no
    /// volume: the frame axis is the normal times the slice thickness, as for any file whose frames are not evenly spaced
    /// (PS3.3 C.7.6.2.1.1: row cosines (0.8, 0.6, 0) × column cosines (0, 0, -1) = (-0.6, 0.8, 0), times 2.5 mm).
    @Test func framesOfAnOverflowingStepAreNoVolume() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: DICOMEncodingsReference.path("enhanced_ct_functional_groups.dcm"))))
        let (old, new) = (Array("-11.8\\22.4\\5.0".utf8), Array("-10\\20\\1.0e200".utf8))
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: old) })
        bytes.replaceSubrange(at..<(at + old.count), with: new)
        let folder = temporaryDirectory("enhanced-overflow")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/enhanced.dcm"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let record = try DICOMFileReader().read(path)
        guard case .spatial(let spacing, let affine)? = record.geometry else { Issue.record("no geometry"); return }
        #expect(zip(spacing, [0.8, 0.7, 2.5]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(spacing)")
        // LPS to RAS: x and y negated.
        #expect(zip(affine.matrix.map { $0[2] }, [1.5, -2, 0, 0]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(affine.matrix)")
        #expect(zip(affine.matrix.map { $0[3] }, [10, -20, 5, 1]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(affine.matrix)")
    }

    /// Slices stacked by the series reader, each through its own Modality LUT, rescale or bit unpacking.
    @Test(arguments: DICOMEncodingsReference.seriesNames)
    func seriesStacksAsPydicom(_ name: String) throws {
        let expected = try #require(DICOMEncodingsReference.shared.series[name])
        let records = try DICOMSeriesReader().read(SharedData.fixture("dicom/" + name))
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.metadata["SliceCount"] == .int(expected.slices))
        expectEqual(record.tensor, expected.summary, name)
    }

    /// A folder of single files of every encoding: one record per file, as the file reader reads each.
    @Test func folderOfEncodingsGivesOneRecordPerFile() throws {
        let records = try DICOMSeriesReader().read(SharedData.fixture("dicom/encodings"))
        #expect(records.count == DICOMEncodingsReference.fileNames.count)
        for record in records {
            let name = URL(fileURLWithPath: record.source).lastPathComponent
            let expected = try #require(DICOMEncodingsReference.shared.files[name], "\(record.source) is not a fixture")
            expectDecodedAsPydicom(record.tensor, expected, name)
        }
    }

    /// Headers promising more than the file holds, and LUTs that cannot apply: one clean error naming the file.
    @Test(arguments: DICOMEncodingsReference.malformedNames)
    func malformedFixtureFailsCleanly(_ name: String) throws {
        let expected = try #require(DICOMEncodingsReference.shared.errors[name])
        let path = SharedData.fixture("dicom/malformed/" + name)
        let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(path) }
        #expect(error.kind == .malformed)
        #expect(error.subject == path)
        #expect(error.message.contains(expected.contains), "\(error.message)")
    }

    /// The largest sizes a header can state: no arithmetic overflow, a clear error.
    @Test func bitPackedSizeNearTheLimitsIsATruncationError() throws {
        let path = SharedData.fixture("dicom/malformed/bad_ba1_huge.dcm")
        let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(path) }
        // 65535 × 65535 × 2147483647 bits, in bytes: the exact count, not a wrapped one.
        #expect(error.message.contains("expected 1152886319966339072 bytes"), "\(error.message)")
    }

    /// UN elements get the dictionary's VR: the header sees numbers, not bytes.
    @Test func unknownVRElementsAreReadWithTheDictionaryVR() throws {
        let file = try DICOMFile(path: DICOMEncodingsReference.path("un_elements.dcm"))
        let header = try DICOMHeader(file)
        #expect(header.rows == 8 && header.columns == 9)
        #expect(header.metadata["BitsStored"] == .int(12))
        #expect(header.metadata["PhotometricInterpretation"] == .string("MONOCHROME2"))
        #expect(header.patientID == "ENC-un_eleme")
        #expect(header.rescale?.slope == 2 && header.rescale?.intercept == -100)
        let vrs = Dictionary(try file.attributes().map { ($0.tag, $0.vr) }, uniquingKeysWith: { first, _ in first })
        #expect(vrs[DICOMTag.rows] == "US" && vrs[DICOMTag.rescaleSlope] == "DS" && vrs[DICOMTag.patientID] == "LO")
    }

    /// A Modality LUT replaces the rescale (present in the fixture too) and sets the output type.
    @Test func modalityLUTTakesPrecedenceOverRescale() throws {
        let header = try DICOMHeader(try DICOMFile(path: DICOMEncodingsReference.path("modality_lut_ow_signed.dcm")))
        let lut = try #require(header.modalityLUT)
        #expect(lut.firstMapped == -50 && lut.entries.count == 200 && lut.dtype == .uint8)
        #expect(header.rescale != nil)
        guard case .lut = header.modality else {
            Issue.record("the rescale was chosen over the LUT")
            return
        }
    }

    /// High-Throughput JPEG 2000 cut off in its fragments: told as compressed data cut off. It was told as native pixel
    /// data ("expected 360 bytes (3 frame(s) ...), found 334"), as DCMTK first reads a transfer syntax it does not know.
    @Test func truncatedHighThroughputJPEG2000IsToldAsCompressed() throws {
        let folder = temporaryDirectory("htj2k-truncated")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: DICOMEncodingsReference.path("htj2k_rpcl_8bit_frames.dcm")))
        let path = folder + "/cut.dcm"
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(path) }
        #expect(error.subject == path && error.message.contains("the file ends 334 bytes into the compressed fragments"), "\(error)")
    }

    /// A transfer syntax DCMTK 3.6.7 does not know (here pydicom's JPEG 2000 file relabelled with a made-up UID): one
    /// "not supported" error naming it. DCMTK read its encapsulated pixel data as native data of no length, which was
    /// told as "truncated pixel data: expected 524288 bytes ..., found 0". (High-Throughput JPEG 2000, which DCMTK
    /// 3.6.7 does not know either, is read: the htj2k fixtures above.)
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data")) func unknownTransferSyntaxIsNamed() throws {
        try ReferencePython.require("pydicom")
        let folder = temporaryDirectory("unknown-syntax")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import sys, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            ds.file_meta.TransferSyntaxUID = '1.2.826.0.1.3680043.9999.1'
            ds.save_as(sys.argv[2])
            """, [SharedData.path("dicom/pydicom_subset/JPEG2000.dcm"), folder + "/unknown.dcm"])
        try #require(make.status == 0, "\(make.output)")
        let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(folder + "/unknown.dcm") }
        #expect(error.kind == .unsupported && error.subject == folder + "/unknown.dcm", "\(error)")
        #expect(error.message.hasPrefix("transfer syntax 1.2.826.0.1.3680043.9999.1 is not supported"), "\(error)")
    }
}

/// `medpipe inspect --array` on the fixtures, as a user runs it; and the JPEG decoder choice.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct DICOMEncodingsCommandTests {
    private func array(_ path: String, environment: [String: String] = [:]) throws -> Tensor {
        let out = NSTemporaryDirectory() + "medpipe-encodings-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try SharedData.runMedpipe(["inspect", path, "--array", out], environment: environment)
        #expect(run.status == 0, "\(run.error)")
        return try NPYReader().read(out).tensor
    }

    @Test(arguments: DICOMEncodingsReference.fileNames)
    func inspectArrayIsPydicoms(_ name: String) throws {
        let expected = try #require(DICOMEncodingsReference.shared.files[name])
        expectDecodedAsPydicom(try array(DICOMEncodingsReference.path(name)), expected, name)
    }

    /// MEDPIPE_JPEG=dcmtk tries DCMTK's IJG decoder first: it rejects streams without EOI, and libjpeg-turbo
    /// decodes them; where it decodes (the shared colour JPEGs), its values are libjpeg-turbo's.
    @Test func dcmtkFirstFallsBackToLibjpegTurbo() throws {
        for name in ["jpeg_no_eoi_grey.dcm", "jpeg_no_eoi_colour_multi.dcm"] {
            let expected = try #require(DICOMEncodingsReference.shared.files[name])
            expectDecodedAsPydicom(try array(DICOMEncodingsReference.path(name), environment: ["MEDPIPE_JPEG": "dcmtk"]), expected, name)
        }
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func bothJPEGDecodersAgreeOnTheSharedFiles() throws {
        for name in ["dicom/deid_data/humans/ctbrain1.dcm", "dicom/pydicom_subset/SC_rgb_jpeg_dcmtk.dcm"] {
            let path = SharedData.path(name)
            #expect(try array(path) == (try array(path, environment: ["MEDPIPE_JPEG": "dcmtk"])), "\(name)")
        }
    }

    /// High-Throughput JPEG 2000, which DCMTK 3.6.7 parses as JPEG 2000, is de-identified under its own transfer syntax:
    /// DCMTK names JPEG 2000 in the meta header it writes, which decoders of Part 1 alone cannot read. pydicom reads the
    /// written file as HTJ2K, with the same pixels, and MedPipe reads it back.
    @Test func highThroughputJPEG2000IsAnonymizedUnderItsOwnUID() throws {
        try ReferencePython.require("pydicom", "openjpeg")
        let work = temporaryDirectory("htj2k-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in ["htj2k_lossless_signed12.dcm", "htj2k_rgb.dcm"] {
            let source = DICOMEncodingsReference.path(name), out = work + "/" + name
            let run = try SharedData.runMedpipe(["anonymize", source, "--out", out, "--report", out + ".json",
                                                 "--key", work + "/key", "--allow-burned-in"])
            #expect(run.status == 0, "\(run.error)")
            let written = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".dcm") }
            try #require(written.count == 1, "\(written)")
            let expected = try #require(DICOMEncodingsReference.shared.files[name])
            let record = try DICOMFileReader().read(out + "/" + written[0])
            #expect(record.metadata["TransferSyntaxUID"] == .string(expected.TransferSyntaxUID))
            expectDecodedAsPydicom(record.tensor, expected, name)
            let check = try ReferencePython.run("""
                import sys, numpy, pydicom
                a, b = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2])
                print(a.file_meta.TransferSyntaxUID, a.PatientID != b.PatientID, numpy.array_equal(a.pixel_array, b.pixel_array))
                """, [out + "/" + written[0], source])
            #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(expected.TransferSyntaxUID) True True", "\(check.output)")
        }
    }

    /// `anonymize --blank` on JPEG 2000 and High-Throughput JPEG 2000: DCMTK has no JPEG 2000 codec, so it was refused
    /// ("cannot blank JPEG 2000 pixel data"), and a file with burned-in text could not be de-identified. Now the frames
    /// OpenJPEG decodes replace the compressed data, the rectangle is blanked and the file is written uncompressed: its
    /// pixels are pydicom's of the source with the rectangle zeroed (every frame; RGB from YBR_RCT; the third frame
    /// beyond Number of Frames kept, as read).
    @Test func jpeg2000IsBlankedOnItsDecodedFrames() throws {
        try ReferencePython.require("pydicom", "openjpeg")
        let work = temporaryDirectory("j2k-blank")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in ["htj2k_rgb.dcm", "excess_frames_j2k.dcm", "htj2k_lossless_signed12.dcm"] {
            let source = DICOMEncodingsReference.path(name), out = work + "/" + name
            let run = try SharedData.runMedpipe(["anonymize", source, "--out", out, "--report", out + ".json", "--key", work + "/key",
                                                 "--allow-burned-in", "--blank", "1,2,3,4"])
            #expect(run.status == 0, "\(name): \(run.error)")
            let written = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".dcm") }
            try #require(written.count == 1, "\(name): \(written)")
            let check = try ReferencePython.run("""
                import sys, numpy, pydicom
                out, source = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2])
                expected = source.pixel_array.reshape((-1,) + (int(source.Rows), int(source.Columns)) + ((3,) if source.SamplesPerPixel == 3 else ()))
                expected[:, 2:6, 1:4] = 0
                print(out.file_meta.TransferSyntaxUID, out.PhotometricInterpretation, numpy.array_equal(out.pixel_array.reshape(expected.shape), expected))
                """, [out + "/" + written[0], source])
            let photometric = name == "htj2k_rgb.dcm" ? "RGB" : "MONOCHROME2"
            #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1.2.840.10008.1.2.1 \(photometric) True", "\(name): \(check.output)")
        }
    }

    @Test func malformedFixtureIsOneErrorLine() throws {
        let path = SharedData.fixture("dicom/malformed/bad_ba1_huge.dcm")
        let run = try SharedData.runMedpipe(["inspect", path])
        #expect(run.status != 0)
        let lines = run.error.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("medpipe: error: \(path): truncated pixel data") == true)
    }
}
