import Foundation
import MedPipeCore
import TestSupport

/// Tests/Reference/imagesets.json, written by tools/reference/imagesets.py with numpy, gzip and Pillow.
struct ImageSetReference: Decodable, Sendable {
    /// One element; `value` is Python's repr (exact for 64-bit integers, `inf` for infinity).
    struct Sample: Decodable, Sendable { let flat_index: Int; let value: String }

    /// Checksums of one array: FNV-1a 64 of its little-endian row-major bytes, exact sums.
    struct ArraySummary: Decodable, Sendable {
        let shape: [Int]
        let dtype: String
        let fnv1a64: String
        let sum: Double?
        let sum_squares: Double?
        let samples: [Sample]
        let mode: String?
        let text: [String: String]?
    }

    struct MNIST: Decodable, Sendable {
        let test_images: ArraySummary
        let test_labels: ArraySummary
        let test_label_counts: [String: Int]
        let train_labels: ArraySummary
        let train_label_counts: [String: Int]
        let first_labels: [Int]
        let image_0_fnv1a64: String
        let image_9999_fnv1a64: String
    }

    struct Split: Decodable, Sendable {
        let images: ArraySummary
        let labels: ArraySummary
        let label_counts: [String: Int]
        let image_0_fnv1a64: String
    }

    struct MedMNIST: Decodable, Sendable {
        let members: [String]
        let splits: [String: Split]
    }

    struct Member: Decodable, Sendable {
        let name: String
        let shape: [Int]
        let dtype: String
        let fnv1a64: String
        let samples: [Sample]
    }

    /// A fixture: an array summary (.npy, .png) or the members of an .npz.
    struct Fixture: Decodable, Sendable {
        let shape: [Int]?
        let dtype: String?
        let fnv1a64: String?
        let sum: Double?
        let sum_squares: Double?
        let samples: [Sample]?
        let mode: String?
        let text: [String: String]?
        let members: [Member]?
    }

    let mnist: MNIST
    let medmnist: MedMNIST
    let fixtures: [String: Fixture]

    static let loaded: ImageSetReference? = {
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/imagesets.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(ImageSetReference.self, from: data)
    }()

    /// Fixture names of one kind (by extension), sorted.
    static func fixtureNames(_ ext: String) -> [String] {
        (loaded?.fixtures.keys.filter { $0.hasSuffix(ext) } ?? []).sorted()
    }
}

/// Exact sum and sum of squares of a tensor's values (integers up to 2^53 are exact in Double).
func sums(_ tensor: Tensor) -> (sum: Double, squares: Double) {
    var sum = 0.0, squares = 0.0
    for value in tensor.doubleValues() { sum += value; squares += value * value }
    return (sum, squares)
}

