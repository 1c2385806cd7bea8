import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Numbers held by a metadata value, whatever its case.
private func numbers(_ value: MetadataValue?) -> [Double]? {
    switch value {
    case .double(let d): [d]
    case .doubles(let a): a
    case .int(let i): [Double(i)]
    default: nil
    }
}

@Suite(.enabled(if: SharedData.isAvailable)) struct DICOMFileReaderTests {
    /// Lossy JPEG baseline/extended: compared within ±3 of pydicom's default plugin and exactly with its Pillow
    /// plugin where the reference has it (`expectDecodedAsPydicom`).
    static let lossyJPEG: Set<String> = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"]

    @Test(arguments: DICOMReference.fileNames)
    func pixelsAndAttributesMatchPydicom(_ name: String) throws {
        let expected = try #require(DICOMReference.shared.files[name])
        let record = try DICOMFileReader().read(SharedData.path(name))
        #expect(record.format == "dicom")
        #expect(record.source == SharedData.path(name))
        #expect(record.metadata["TransferSyntaxUID"] == .string(expected.TransferSyntaxUID))
        #expect(record.metadata["Modality"] == expected.Modality.map { .string($0) })
        #expect(record.metadata["SOPInstanceUID"] == expected.SOPInstanceUID.map { .string($0) })
        #expect(record.metadata["SeriesInstanceUID"] == expected.SeriesInstanceUID.map { .string($0) })
        #expect(record.metadata["PhotometricInterpretation"] == expected.PhotometricInterpretation.map { .string($0) })
        // Without a Patient ID, the study is the patient (DICOMPatientKey).
        #expect(record.patientKey == expected.PatientID.flatMap { $0.isEmpty ? nil : $0 } ?? record.metadata["StudyInstanceUID"].map { "study:\($0)" })
        #expect(numbers(record.metadata["RescaleSlope"]) == expected.RescaleSlope)
        #expect(numbers(record.metadata["RescaleIntercept"]) == expected.RescaleIntercept)
        #expect(numbers(record.metadata["WindowCenter"]) == expected.WindowCenter)
        #expect(numbers(record.metadata["ImagePositionPatient"]) == expected.ImagePositionPatient)
        #expect(numbers(record.metadata["ImageOrientationPatient"]) == expected.ImageOrientationPatient)
        if expected.PixelSpacing?.count == 2 { #expect(numbers(record.metadata["PixelSpacing"]) == expected.PixelSpacing) }

        let tensor = record.tensor
        guard expected.pydicom else {
            // pydicom cannot decode it (invalid JPEG scan header); check the values its GDCM tests used.
            #expect(tensor.shape == expected.shape)
            let values = tensor.doubleValues()
            for triple in expected.values2d ?? [] {
                #expect(values[triple[0] * tensor.shape[1] + triple[1]] == Double(triple[2]), "at \(triple[0]), \(triple[1])")
            }
            return
        }
        let array = try #require(expected.array, "\(name): pydicom decodes it, the reference has its array")
        expectDecodedAsPydicom(tensor, array, lossy: Self.lossyJPEG.contains(expected.TransferSyntaxUID), pillow: expected.pillow, name)
        if let affine = expected.affine, case .spatial(let spacing, let actual)? = record.geometry {
            #expect(maxDifference(actual.matrix, affine) < 1e-9)
            #expect(spacing[0] == expected.PixelSpacing![1] && spacing[1] == expected.PixelSpacing![0])
        }
    }

    /// dcm_qa_ts: one MR image in 9 transfer syntaxes (all lossless) decodes to identical stored values.
    @Test func allTransferSyntaxesOfOneImageAgree() throws {
        let records = try (1...9).map { try DICOMFileReader().read(SharedData.path("dicom/dcm_qa_ts/In/\($0).dcm")) }
        let syntaxes = Set(records.map { $0.metadata["TransferSyntaxUID"]?.description ?? "" })
        #expect(syntaxes.count >= 7)
        for record in records.dropFirst() {
            #expect(record.tensor == records[0].tensor, "\(record.source) differs from 1.dcm")
        }
        #expect(records[0].tensor.dtype == .uint16 && records[0].tensor.shape == [384, 384])
    }

    @Test func truncatedPixelDataIsOneClearError() throws {
        let reference = DICOMReference.shared.truncated
        let path = SharedData.path(reference.file)
        let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(path) }
        #expect(error.kind == .malformed)
        #expect(error.subject == path)
        #expect(error.message.contains("truncated pixel data"))
        #expect(error.message.contains("expected \(reference.expectedBytes) bytes"))
        #expect(error.message.contains("found \(reference.foundBytes)"))
    }

    @Test func nonDICOMInputIsRejected() throws {
        for path in [SharedData.path("dicom/dwv_subset/readme.md"), SharedData.path("wfdb/100.hea")] {
            let error = try #require(throws: MedPipeError.self) { try DICOMFileReader().read(path) }
            #expect(error.kind == .malformed)
            #expect(error.subject == path)
            #expect(error.message.contains("not a DICOM file"))
        }
        let missing = try #require(throws: MedPipeError.self) { try DICOMFileReader().read("/nonexistent/x.dcm") }
        #expect(missing.kind == .io)
    }

    /// An ImageOrientationPatient of zeros (or one direction twice) gave a singular affine without a word: it is
    /// ignored with a warning, and the image reads as it would without it.
    @Test func anOrientationThatSpansNoPlaneIsIgnored() throws {
        let work = temporaryDirectory("dicom-orientation")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = SharedData.path("dicom/pydicom_subset/MR_small.dcm")
        for (name, value) in [("zeros", "0\\0\\0\\0\\0\\0"), ("parallel", "1\\0\\0\\1\\0\\0")] {
            let file = try DICOMFile(wholeFileAt: source)
            try file.put("(0020,0037)", value)
            try file.save(to: work + "/\(name).dcm")
            let record = try DICOMFileReader().read(work + "/\(name).dcm")
            #expect(record.warnings.contains { $0.hasPrefix("ImageOrientationPatient (0020,0037) holds ") && $0.hasSuffix("not two independent directions; ignored") }, "\(name): \(record.warnings)")
            let original = try DICOMFileReader().read(source)
            #expect(record.metadata["ImageOrientationPatient"] == nil && record.tensor == original.tensor)
        }
        #expect(try DICOMFileReader().read(source).warnings.isEmpty)
    }

    /// A bare dataset (no preamble, no "DICM", no meta header), cut at test time from a real file.
    @Test func fileWithoutMetaHeaderIsRead() throws {
        let original = SharedData.path("dicom/pydicom_subset/MR_small_implicit.dcm")
        let bytes = try FileBytes.read(original)
        // (0002,0000) UL group length sits right after "DICM": tag 4 + VR 2 + length 2, value at 140.
        let groupLength = Int(bytes[140]) | Int(bytes[141]) << 8 | Int(bytes[142]) << 16 | Int(bytes[143]) << 24
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-nometa-\(UUID().uuidString).dcm").path
        try Data(bytes[(144 + groupLength)...]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bare = try DICOMFileReader().read(path)
        let full = try DICOMFileReader().read(original)
        #expect(bare.tensor == full.tensor)
        #expect(bare.metadata["SOPInstanceUID"] == full.metadata["SOPInstanceUID"])
    }

    @Test func multiFrameFileHasAFrameAxis() throws {
        let record = try DICOMFileReader().read(SharedData.path("dicom/dwv_subset/multiframe-test1.dcm"))
        #expect(record.tensor.shape == [16, 256, 256])
        #expect(record.metadata["NumberOfFrames"] == .int(16))
    }

    @Test func recordReadingDispatchesDICOMFiles() throws {
        let records = try RecordReading.read(SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        #expect(records.count == 1 && records[0].tensor.dtype == .float64 && records[0].tensor.shape == [128, 128])
    }
}
