import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

@Suite struct PNGExportTests {
    @Test func bytesScaledToUnitRangeAreExactEightBitAndOtherFloatsSixteenBitWithTheirScale() throws {
        let cache = temporaryDirectory("png-cache"), out = temporaryDirectory("png-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        let unit = Tensor(shape: [3, 4], values: (0..<12).map { Float($0 * 21) / 255 })
        let wide = Tensor(shape: [3, 4], values: (0..<12).map { Float($0) * 0.731 - 2.5 })
        let volume = Tensor(shape: [2, 3, 4], values: (0..<24).map { UInt16($0 * 1000) })
        try makeCache(cache, items: [
            CacheItem(tensor: unit, label: "benign", group: "P-a"),
            CacheItem(tensor: wide, label: "malignant", group: "P-b"),
            CacheItem(tensor: volume, label: "benign", group: "P-c", geometry: .spatial(spacing: [1, 1, 2], affine: .scaling([1, 1, 2]))),
        ], splits: ["train", "train", "val"])
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .png, output: out, makeUID: testUIDs))
        #expect(summary.files == [out + "/train/train_00001.png", out + "/train/train_00002.png",
                                  out + "/val/val_00001/0001.png", out + "/val/val_00001/0002.png"])
        let reader = PNGReader()
        let first = try reader.readImage(summary.files[0])
        #expect(first.storedBitDepth == 8)
        #expect(first.tensor.values(as: UInt8.self) == (0..<12).map { UInt8($0 * 21) })
        let text = Dictionary(first.text.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(text["label"] == "benign" && text["split"] == "train" && text["recipe_hash"] == "test-recipe-hash")
        #expect(text["value_slope"] == "\(1.0 / 255)")

        let second = try reader.readImage(summary.files[1])
        #expect(second.storedBitDepth == 16)
        let secondText = Dictionary(second.text.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let slope = try #require(secondText["value_slope"].flatMap(Double.init)), intercept = try #require(secondText["value_intercept"].flatMap(Double.init))
        let decoded = second.tensor.doubleValues().map { $0 * slope + intercept }
        let worst = zip(decoded, wide.doubleValues()).map { abs($0 - $1) }.max()!
        #expect(worst <= slope / 2 + 1e-9 && slope < 1e-3, "error \(worst), slope \(slope)")

        let slice = try reader.readImage(summary.files[3])
        #expect(slice.storedBitDepth == 16)
        #expect(slice.tensor.values(as: UInt16.self) == (12..<24).map { UInt16($0 * 1000) })
        #expect(!slice.text.contains { $0.key == "value_slope" })
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func mnistDigitsExportWithinTheirDeclaredQuantization() async throws {
        let cache = temporaryDirectory("mnist-cache"), out = temporaryDirectory("mnist-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("mnist.yaml", into: cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .png, output: out, split: "test", limit: 25, makeUID: testUIDs))
        #expect(summary.files.count == 25)
        let source = try DatasetCache(directory: cache)
        var eightBit = 0
        for (entry, path) in zip(try source.entries(split: "test"), summary.files) {
            let image = try PNGReader().readImage(path)
            #expect(image.tensor.shape == [28, 28])
            // Min-max scaling of a digit whose darkest and brightest bytes are 0 and 255 gives multiples of
            // 1/255, stored as the original bytes; other digits are 16-bit with their slope and intercept.
            let text = Dictionary(image.text.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let slope = Double(text["value_slope"] ?? "1")!, intercept = Double(text["value_intercept"] ?? "0")!
            let cached = try source.tensor(for: entry).doubleValues()
            let worst = zip(image.tensor.doubleValues(), cached).map { abs($0 * slope + intercept - $1) }.max()!
            if image.storedBitDepth == 8 {
                eightBit += 1
                #expect(slope == 1.0 / 255 && worst < 1e-6)
            } else {
                #expect(worst <= slope / 2 + 1e-7)
            }
            #expect(text["label"] == entry.label && text["split"] == "test")
        }
        #expect(eightBit > 0)
    }
}
