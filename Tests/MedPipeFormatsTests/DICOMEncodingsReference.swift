import Foundation
import Testing
import MedPipeCore
import TestSupport

/// Expected arrays of the DICOM encoding fixtures (Fixtures/dicom/encodings, series_*, malformed), computed with
/// pydicom by tools/reference/dicom_encodings.py (Tests/Reference/dicom_encodings.json).
struct DICOMEncodingsReference: Decodable {
    struct FileFields: Decodable {
        var TransferSyntaxUID: String
        var PhotometricInterpretation: String
        /// JPEG baseline: compared within ±3 with pydicom's default plugin, exactly with its Pillow plugin.
        var lossy: Bool
        var pillow: ArraySummary?
        /// pydicom warned of pixel data beyond the layout as excess padding.
        var excess_padding: Bool
        /// pydicom warned of more frames than Number of Frames, which it decodes too.
        var excess_frames: Bool
    }
    /// `apply_modality_lut(ds.pixel_array, ds)` summarized beside the file's own keys.
    typealias File = Summarized<FileFields>

    struct SeriesFields: Decodable {
        var slices: Int
        /// The file pydicom puts first (the lowest position along the normal).
        var first: String
    }
    typealias Series = Summarized<SeriesFields>

    /// A malformed fixture: the words its error must contain, and pydicom's own error for it.
    struct Failure: Decodable {
        var contains: String
        var pydicom: String
    }

    var files: [String: File]
    var series: [String: Series]
    var errors: [String: Failure]
    /// The RAS affine of multi-frame fixtures, from their functional groups by the standard's definition.
    var geometry: [String: [[Double]]]

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

/// Expects a fixture's decoded tensor to be pydicom's, with the fixture's own lossy flag and Pillow array.
func expectDecodedAsPydicom(_ tensor: Tensor, _ expected: DICOMEncodingsReference.File, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    expectDecodedAsPydicom(tensor, expected.summary, lossy: expected.lossy, pillow: expected.pillow, what, sourceLocation: sourceLocation)
}
