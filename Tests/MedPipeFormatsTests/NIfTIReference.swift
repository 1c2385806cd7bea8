import Foundation
import Testing
import MedPipeCore
import TestSupport

/// One image of Tests/Reference/nifti.json (written by tools/reference/nifti.py with nibabel).
struct NIfTIReference: Decodable, Sendable, CustomTestStringConvertible {
    struct Sample: Decodable, Sendable { let index: [Int]; let value: Double }

    let name: String
    let shape: [Int]
    let nifti_version: Int
    let datatype: String
    let dtype: String
    let scaled: Bool
    let scl_slope: Double
    let scl_inter: Double
    let qform_code: Int
    let sform_code: Int
    let extensions: Int
    let descrip: String
    let big_endian: Bool
    let zooms: [Double]
    let affine: [[Double]]
    let fnv1a64: String
    let sum: Double
    let mean: Double
    let std: Double
    let min: Double
    let max: Double
    let samples: [Sample]

    var testDescription: String { name }

    /// Absolute path: `shared:` names live in ../shared/data, `fixture:` names in Fixtures/.
    var path: String {
        if name.hasPrefix("shared:") { return SharedData.path(String(name.dropFirst("shared:".count))) }
        return SharedData.fixture(String(name.dropFirst("fixture:".count)))
    }

    private struct File: Decodable { let images: [NIfTIReference] }

    static let all: [NIfTIReference] = {
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/nifti.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.images
    }()
    static let shared = all.filter { $0.name.hasPrefix("shared:") }
    static let fixtures = all.filter { $0.name.hasPrefix("fixture:") }
}

/// 64-bit FNV-1a of bytes, matching tools/reference/nifti.py.
func fnv1a64(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
