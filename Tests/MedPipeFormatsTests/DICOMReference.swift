import Foundation
import MedPipeCore
import TestSupport

/// Expected values computed by tools/reference/dicom.py with pydicom and numpy (Tests/Reference/dicom.json).
struct DICOMReference: Decodable {
    struct FileFields: Decodable, OptionalArray {
        var pydicom: Bool
        var TransferSyntaxUID: String
        var Modality: String?
        var SOPInstanceUID: String?
        var SeriesInstanceUID: String?
        var PhotometricInterpretation: String?
        var PatientID: String?
        var PixelSpacing: [Double]?
        var ImagePositionPatient: [Double]?
        var ImageOrientationPatient: [Double]?
        var RescaleSlope: [Double]?
        var RescaleIntercept: [Double]?
        var WindowCenter: [Double]?
        var affine: [[Double]]?
        var shape: [Int]
        /// `[row, column, value]` for files pydicom cannot decode.
        var values2d: [[Int]]?
        /// 8-bit JPEG: the array through pydicom's Pillow plugin (libjpeg-turbo, MedPipe's decoder).
        var pillow: ArraySummary?
        var hasArray: Bool { pydicom }
    }
    /// pydicom's array beside the file's own keys; `array` is nil where pydicom cannot decode the file.
    typealias File = Summarized<FileFields>

    struct SeriesFields: Decodable {
        var directory: String
        var SeriesInstanceUID: String
        var slices: Int
        var first: String
        var last: String
        var sliceSpacing: Double
        var affine: [[Double]]
    }
    typealias Series = Summarized<SeriesFields>

    struct Walk: Decodable {
        var file: String
        var attributes: Int
        var `private`: Int
        var sequences: Int
        var meta: Int
    }

    struct Truncated: Decodable {
        var file: String
        var expectedBytes: Int
        var foundBytes: Int
    }

    var files: [String: File]
    var series: [String: Series]
    var walk: [Walk]
    var truncated: Truncated

    static let shared: DICOMReference = {
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/dicom.json")
        return try! JSONDecoder().decode(DICOMReference.self, from: Data(contentsOf: url))
    }()

    /// The relative paths of the reference files, sorted.
    static var fileNames: [String] { SharedData.isAvailable ? shared.files.keys.sorted() : [] }
}

/// Largest absolute difference between two 4×4 matrices.
func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
}
