import Foundation
import Testing
import MedPipeCore
@testable import MedPipeFormats
import TestSupport

@Suite("IDX reader")
struct IDXReaderTests {
    static let folder = "images/mnist/"

    @Test("MNIST test images match numpy byte for byte", .enabled(if: SharedData.isAvailable))
    func mnistImages() throws {
        let reference = try #require(ImageSetReference.loaded).mnist
        let tensor = try IDXReader().readTensor(SharedData.path(Self.folder + "t10k-images-idx3-ubyte.gz"))
        #expect(tensor.shape == [10000, 28, 28])
        #expect(tensor.dtype == .uint8)
        #expect(fnv1a64(tensor.bytes) == reference.test_images.fnv1a64)
        let (sum, squares) = sums(tensor)
        #expect(sum == reference.test_images.sum)
        #expect(squares == reference.test_images.sum_squares)
    }

    @Test("MNIST labels: counts per digit", .enabled(if: SharedData.isAvailable),
          arguments: ["t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"])
    func mnistLabels(file: String) throws {
        let reference = try #require(ImageSetReference.loaded).mnist
        let expected = file.hasPrefix("t10k") ? reference.test_label_counts : reference.train_label_counts
        let summary = file.hasPrefix("t10k") ? reference.test_labels : reference.train_labels
        let tensor = try IDXReader().readTensor(SharedData.path(Self.folder + file))
        #expect(tensor.shape == summary.shape)
        #expect(fnv1a64(tensor.bytes) == summary.fnv1a64)
        var counts: [String: Int] = [:]
        for label in tensor.bytes { counts[String(label), default: 0] += 1 }
        #expect(counts == expected)
    }

    @Test("MNISTDataset: images, labels and per-image records", .enabled(if: SharedData.isAvailable))
    func dataset() throws {
        let reference = try #require(ImageSetReference.loaded).mnist
        let set = try MNISTDataset.load(images: SharedData.path(Self.folder + "t10k-images-idx3-ubyte.gz"),
                                        labels: SharedData.path(Self.folder + "t10k-labels-idx1-ubyte.gz"))
        #expect(set.count == 10000)
        #expect(Array(set.labels.prefix(20)) == reference.first_labels)
        let records = set.records()
        #expect(records.count == 10000)
        #expect(records[0].tensor.shape == [28, 28])
        #expect(fnv1a64(records[0].tensor.bytes) == reference.image_0_fnv1a64)
        #expect(fnv1a64(records[9999].tensor.bytes) == reference.image_9999_fnv1a64)
        #expect(records[0].label == String(reference.first_labels[0]))
        #expect(records[17].metadata["index"] == .int(17))
        #expect(records[17].label == String(reference.first_labels[17]))
    }

    @Test("MNISTDataset rejects a label count that differs from the image count", .enabled(if: SharedData.isAvailable))
    func mismatchedCounts() throws {
        #expect(throws: MedPipeError.self) {
            try MNISTDataset.load(images: SharedData.path(Self.folder + "t10k-images-idx3-ubyte.gz"),
                                  labels: SharedData.path(Self.folder + "train-labels-idx1-ubyte.gz"))
        }
    }

    @Test("every idx type code, big-endian values converted", arguments: [
        (UInt8(0x08), DType.uint8), (0x09, .int8), (0x0B, .int16), (0x0C, .int32), (0x0D, .float32), (0x0E, .float64),
    ])
    func typeCodes(code: UInt8, dtype: DType) throws {
        let values: [Double] = [0, 1, -2, 100, 7, -128]
        var bytes: [UInt8] = [0, 0, code, 2, 0, 0, 0, 2, 0, 0, 0, 3]
        for value in values {
            switch dtype {
            case .uint8: bytes.append(UInt8(abs(value)))
            case .int8: bytes.append(UInt8(bitPattern: Int8(value)))
            case .int16: withUnsafeBytes(of: Int16(value).bigEndian) { bytes += $0 }
            case .int32: withUnsafeBytes(of: Int32(value).bigEndian) { bytes += $0 }
            case .float32: withUnsafeBytes(of: Float(value).bitPattern.bigEndian) { bytes += $0 }
            default: withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes += $0 }
            }
        }
        let tensor = try IDXReader().decode(bytes, source: "typed.idx")
        #expect(tensor.shape == [2, 3])
        #expect(tensor.dtype == dtype)
        #expect(tensor.doubleValues() == (dtype == .uint8 ? values.map(abs) : values))
    }

    @Test("truncated gzip is an error naming the file", .enabled(if: SharedData.isAvailable))
    func truncatedGzip() throws {
        let whole = try FileBytes.read(SharedData.path(Self.folder + "t10k-images-idx3-ubyte.gz"))
        let path = temporaryDirectory("idx") + "/cut-images-idx3-ubyte.gz"
        try Data(whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: MedPipeError.self) { try IDXReader().readTensor(path) }
        #expect(error.kind == .malformed)
        #expect(error.subject == path)
        #expect(error.message.contains("truncated"))
    }

    @Test("dimensions exceeding the data are an error, before any large allocation")
    func dimensionsExceedData() throws {
        // 60000 × 28 × 28 announced, 10 bytes present.
        let bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 1, count: 10)
        let error = try #require(throws: MedPipeError.self) { try IDXReader().decode(bytes, source: "short.idx") }
        #expect(error.message.contains("47040000"))
        // A gzip header announcing 4 GiB of data from a few bytes is refused by the expansion bound.
        let path = temporaryDirectory("idx") + "/huge-idx3-ubyte.gz"
        let gz = try gzip([0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0, 0, 1])
        try Data(gz).write(to: URL(fileURLWithPath: path))
        let huge = try #require(throws: MedPipeError.self) { try IDXReader().readTensor(path) }
        #expect(huge.message.contains("more than"))
    }

    @Test("extra bytes, bad magic and unknown type codes are rejected")
    func malformedHeaders() throws {
        #expect(throws: MedPipeError.self) { try IDXReader().decode([0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3], source: "extra.idx") }
        #expect(throws: MedPipeError.self) { try IDXReader().decode([1, 0, 8, 1, 0, 0, 0, 1, 1], source: "magic.idx") }
        #expect(throws: MedPipeError.self) { try IDXReader().decode([0, 0, 0x0A, 1, 0, 0, 0, 1, 1], source: "type.idx") }
        #expect(throws: MedPipeError.self) { try IDXReader().decode([0, 0, 8, 3, 0, 0], source: "dims.idx") }
    }

    @Test("RecordReading reads a raw idx file as one record")
    func recordReading() throws {
        let path = temporaryDirectory("idx") + "/digits-idx1-ubyte"
        try Data([0, 0, 8, 1, 0, 0, 0, 4, 3, 1, 4, 1]).write(to: URL(fileURLWithPath: path))
        let records = try RecordReading.read(path)
        #expect(records.count == 1)
        #expect(records[0].format == "idx")
        #expect(records[0].tensor.bytes == [3, 1, 4, 1])
    }
}

/// gzip-compresses `bytes` with the system's gzip tool.
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let input = temporaryDirectory("gzip") + "/data"
    try Data(bytes).write(to: URL(fileURLWithPath: input))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", input]
    try process.run()
    process.waitUntilExit()
    return try FileBytes.read(input + ".gz")
}
