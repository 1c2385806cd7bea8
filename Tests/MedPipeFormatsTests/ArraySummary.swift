import Foundation
import Testing
import MedPipeCore
import TestSupport

/// A decoded array as the reference scripts summarize it (tools/reference/dicom.py, dicom_encodings.py):
/// shape, dtype, byte checksum, sum, extremes and sampled values.
struct ArraySummary: Decodable {
    var shape: [Int]
    var dtype: String
    var checksum: [UInt64]
    var sum: Double
    var min: Double
    var max: Double
    /// `[flat index, value]` pairs.
    var values: [[Double]]
}

/// A reference entry: its own keys (`Fields`, read through dynamic member lookup) and, in the same JSON
/// object, the summary of its array (absent where `hasArray` says so, e.g. files pydicom cannot decode).
@dynamicMemberLookup
struct Summarized<Fields: Decodable>: Decodable {
    var fields: Fields
    var array: ArraySummary?

    init(from decoder: Decoder) throws {
        fields = try Fields(from: decoder)
        array = (fields as? any OptionalArray)?.hasArray == false ? nil : try ArraySummary(from: decoder)
    }

    /// The array, for entries that always have one.
    var summary: ArraySummary { array! }

    subscript<T>(dynamicMember keyPath: KeyPath<Fields, T>) -> T { fields[keyPath: keyPath] }
}

extension Summarized: Sendable where Fields: Sendable {}

/// Fields of an entry that may lack an array summary.
protocol OptionalArray { var hasArray: Bool { get } }

/// Expects `tensor` to hold exactly the summarized array: shape, dtype, byte checksum, sum and sampled values.
func expectEqual(_ tensor: Tensor, _ expected: ArraySummary, _ what: String,
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

/// Expects a decoded tensor to be pydicom's array: exactly, or for lossy JPEG within ±3 of pydicom's default
/// plugin (pylibjpeg-libjpeg and libjpeg-turbo round a few samples differently; YBR → RGB widens it) and
/// exactly as its Pillow plugin (libjpeg-turbo, MedPipe's decoder) where the reference has that array.
func expectDecodedAsPydicom(_ tensor: Tensor, _ expected: ArraySummary, lossy: Bool, pillow: ArraySummary?, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    guard lossy else {
        expectEqual(tensor, expected, what, sourceLocation: sourceLocation)
        return
    }
    #expect(tensor.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    #expect(tensor.dtype.rawValue == expected.dtype, "\(what): dtype", sourceLocation: sourceLocation)
    let values = tensor.doubleValues()
    guard values.count == expected.shape.reduce(1, *), !values.isEmpty else { return }
    #expect(abs(values.reduce(0, +) - expected.sum) / Double(values.count) < 0.1, "\(what): mean", sourceLocation: sourceLocation)
    #expect(abs(values.min()! - expected.min) <= 3 && abs(values.max()! - expected.max) <= 3, "\(what): extremes", sourceLocation: sourceLocation)
    for pair in expected.values {
        #expect(abs(values[Int(pair[0])] - pair[1]) <= 3, "\(what): at flat index \(Int(pair[0]))", sourceLocation: sourceLocation)
    }
    if let pillow {
        expectEqual(tensor, pillow, what + " (pydicom's Pillow plugin)", sourceLocation: sourceLocation)
    }
}
