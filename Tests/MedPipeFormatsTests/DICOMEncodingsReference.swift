import Foundation
import Testing
import MedPipeCore
import TestSupport

/// Expected arrays of the DICOM encoding fixtures (Fixtures/dicom/encodings, series_*, malformed), computed with
/// pydicom by tools/reference/dicom_encodings.py (Tests/Reference/dicom_encodings.json).
struct DICOMEncodingsReference: Decodable {
    /// `apply_modality_lut(ds.pixel_array, ds)` summarized as tools/reference/dicom.py summarizes it.
    struct Summary: Decodable {
        var shape: [Int]
        var dtype: String
        var checksum: [UInt64]
        var sum: Double
        var min: Double
        var max: Double
        /// `[flat index, value]` pairs.
        var values: [[Double]]
    }

    struct File: Decodable {
        var TransferSyntaxUID: String
        var PhotometricInterpretation: String
        /// JPEG baseline: compared within ±3 with pydicom's default plugin, exactly with its Pillow plugin.
        var lossy: Bool
        var shape: [Int]
        var dtype: String
        var checksum: [UInt64]
        var sum: Double
        var min: Double
        var max: Double
        var values: [[Double]]
        var pillow: Summary?

        var summary: Summary { Summary(shape: shape, dtype: dtype, checksum: checksum, sum: sum, min: min, max: max, values: values) }
    }

    struct Series: Decodable {
        var slices: Int
        /// The file pydicom puts first (the lowest position along the normal).
        var first: String
        var shape: [Int]
        var dtype: String
        var checksum: [UInt64]
        var sum: Double
        var min: Double
        var max: Double
        var values: [[Double]]

        var summary: Summary { Summary(shape: shape, dtype: dtype, checksum: checksum, sum: sum, min: min, max: max, values: values) }
    }

    /// A malformed fixture: the words its error must contain, and pydicom's own error for it.
    struct Failure: Decodable {
        var contains: String
        var pydicom: String
    }

    var files: [String: File]
    var series: [String: Series]
    var errors: [String: Failure]

    static let shared: DICOMEncodingsReference = {
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/dicom_encodings.json")
        return try! JSONDecoder().decode(DICOMEncodingsReference.self, from: Data(contentsOf: url))
    }()

    static var fileNames: [String] { shared.files.keys.sorted() }
    static var seriesNames: [String] { shared.series.keys.sorted() }
    static var malformedNames: [String] { shared.errors.keys.sorted() }

    /// The path of an encoding fixture.
    static func path(_ name: String) -> String { SharedData.fixture("dicom/encodings/" + name) }
}

/// Expects `tensor` to hold exactly the summarized array: shape, dtype, byte checksum, sum and sampled values.
func expectEqual(_ tensor: Tensor, _ expected: DICOMEncodingsReference.Summary, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tensor.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    #expect(tensor.dtype.rawValue == expected.dtype, "\(what): dtype", sourceLocation: sourceLocation)
    #expect(byteChecksum(tensor.bytes) == expected.checksum, "\(what): checksum", sourceLocation: sourceLocation)
    let values = tensor.doubleValues()
    #expect(values.reduce(0, +) == expected.sum, "\(what): sum", sourceLocation: sourceLocation)
    for pair in expected.values where Int(pair[0]) < values.count {
        #expect(values[Int(pair[0])] == pair[1], "\(what): at flat index \(Int(pair[0]))", sourceLocation: sourceLocation)
    }
}

/// Expects a fixture's decoded tensor to be pydicom's: exactly, or for lossy JPEG exactly as pydicom's Pillow
/// plugin (libjpeg-turbo) decodes it and within ±3 of its default plugin.
func expectDecodedAsPydicom(_ tensor: Tensor, _ expected: DICOMEncodingsReference.File, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    guard expected.lossy, let pillow = expected.pillow else {
        expectEqual(tensor, expected.summary, what, sourceLocation: sourceLocation)
        return
    }
    expectEqual(tensor, pillow, what + " (pydicom's Pillow plugin)", sourceLocation: sourceLocation)
    let values = tensor.doubleValues()
    #expect(abs(values.reduce(0, +) - expected.sum) / Double(values.count) < 0.1, "\(what): mean", sourceLocation: sourceLocation)
    for pair in expected.values {
        #expect(abs(values[Int(pair[0])] - pair[1]) <= 3, "\(what): at flat index \(Int(pair[0]))", sourceLocation: sourceLocation)
    }
}
