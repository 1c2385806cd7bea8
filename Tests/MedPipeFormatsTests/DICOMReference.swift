import Foundation
import MedPipeCore
import TestSupport

/// Expected values computed by tools/reference/dicom.py with pydicom and numpy (Tests/Reference/dicom.json).
struct DICOMReference: Decodable {
    struct File: Decodable {
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
        /// pydicom's array, its keys beside the others; nil where pydicom cannot decode the file.
        var array: ArraySummary?

        private enum CodingKeys: String, CodingKey {
            case pydicom, TransferSyntaxUID, Modality, SOPInstanceUID, SeriesInstanceUID, PhotometricInterpretation, PatientID,
                 PixelSpacing, ImagePositionPatient, ImageOrientationPatient, RescaleSlope, RescaleIntercept, WindowCenter,
                 affine, shape, values2d, pillow
        }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pydicom = try c.decode(Bool.self, forKey: .pydicom)
            TransferSyntaxUID = try c.decode(String.self, forKey: .TransferSyntaxUID)
            Modality = try c.decodeIfPresent(String.self, forKey: .Modality)
            SOPInstanceUID = try c.decodeIfPresent(String.self, forKey: .SOPInstanceUID)
            SeriesInstanceUID = try c.decodeIfPresent(String.self, forKey: .SeriesInstanceUID)
            PhotometricInterpretation = try c.decodeIfPresent(String.self, forKey: .PhotometricInterpretation)
            PatientID = try c.decodeIfPresent(String.self, forKey: .PatientID)
            PixelSpacing = try c.decodeIfPresent([Double].self, forKey: .PixelSpacing)
            ImagePositionPatient = try c.decodeIfPresent([Double].self, forKey: .ImagePositionPatient)
            ImageOrientationPatient = try c.decodeIfPresent([Double].self, forKey: .ImageOrientationPatient)
            RescaleSlope = try c.decodeIfPresent([Double].self, forKey: .RescaleSlope)
            RescaleIntercept = try c.decodeIfPresent([Double].self, forKey: .RescaleIntercept)
            WindowCenter = try c.decodeIfPresent([Double].self, forKey: .WindowCenter)
            affine = try c.decodeIfPresent([[Double]].self, forKey: .affine)
            shape = try c.decode([Int].self, forKey: .shape)
            values2d = try c.decodeIfPresent([[Int]].self, forKey: .values2d)
            pillow = try c.decodeIfPresent(ArraySummary.self, forKey: .pillow)
            array = pydicom ? try ArraySummary(from: decoder) : nil
        }
    }

    struct Series: Decodable {
        var directory: String
        var SeriesInstanceUID: String
        var slices: Int
        var first: String
        var last: String
        var sliceSpacing: Double
        var affine: [[Double]]
        var summary: ArraySummary

        private enum CodingKeys: String, CodingKey { case directory, SeriesInstanceUID, slices, first, last, sliceSpacing, affine }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            directory = try c.decode(String.self, forKey: .directory)
            SeriesInstanceUID = try c.decode(String.self, forKey: .SeriesInstanceUID)
            slices = try c.decode(Int.self, forKey: .slices)
            first = try c.decode(String.self, forKey: .first)
            last = try c.decode(String.self, forKey: .last)
            sliceSpacing = try c.decode(Double.self, forKey: .sliceSpacing)
            affine = try c.decode([[Double]].self, forKey: .affine)
            summary = try ArraySummary(from: decoder)
        }
    }

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
