import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

@Suite struct PNGExportTests {
    /// An export into the folder of an earlier one is refused, before anything is written, when files of the earlier
    /// one would stay and pass for part of it: samples past the new count, slices past a volume's new depth, a
    /// volume's folder where an image is now written. The same export again replaces every file and is allowed.
    @Test func filesOfAnEarlierExportThatWouldStayAreRefused() throws {
        let root = temporaryDirectory("png-earlier")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = Tensor(shape: [3, 4], values: [UInt8](repeating: 7, count: 12))
        func volume(_ depth: Int) -> CacheItem {
            CacheItem(tensor: Tensor(shape: [depth, 3, 4], values: [UInt8](repeating: 9, count: depth * 12)), label: "a", group: "P-v",
                      geometry: .spatial(spacing: [1, 1, 2], affine: .scaling([1, 1, 2])))
        }
        let caches = (1...3).map { root + "/cache\($0)" }
        try makeCache(caches[0], items: [volume(3), CacheItem(tensor: image, label: "a", group: "P-a")], splits: ["train", "train"])
        try makeCache(caches[1], items: [volume(2)], splits: ["train"])
        try makeCache(caches[2], items: [CacheItem(tensor: image, label: "a", group: "P-a"), CacheItem(tensor: image, label: "a", group: "P-b")], splits: ["train", "train"])
        let out = root + "/out"
        func export(_ cache: String, _ format: ExportFormat = .png) throws { _ = try Exporter(cacheDirectory: cache).run(ExportOptions(format: format, output: out, makeUID: testUIDs)) }
        try export(caches[0])
        try export(caches[0])
        #expect(throws: MedPipeError.invalidArgument(out + "/train", "holds 2 files of an earlier export that this one (1 sample) would not replace, first \(out)/train/train_00001/0003.png: remove them, or export into an empty folder")) {
            try export(caches[1])
        }
        #expect(throws: MedPipeError.invalidArgument(out + "/train", "holds 1 file of an earlier export that this one (2 samples) would not replace, first \(out)/train/train_00001: remove it, or export into an empty folder")) {
            try export(caches[2], .dicom)
        }
        #expect(FileManager.default.fileExists(atPath: out + "/train/train_00001/0003.png") && !FileManager.default.fileExists(atPath: out + "/train/train_00001.dcm"), "nothing written")
    }

    /// An npz export of some splits into the folder of an earlier one is refused when it would rewrite `classes.txt`
    /// with other classes under the earlier export's other splits, whose `y` it would relabel without a word.
    @Test func anArrayExportDoesNotRelabelAnEarlierOnesSplits() throws {
        let root = temporaryDirectory("npz-classes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        func item(_ label: String) -> CacheItem { CacheItem(tensor: Tensor(shape: [2], values: [Float(1), 2]), label: label, group: "P-" + label) }
        try makeCache(root + "/first", items: [item("a"), item("b")], splits: ["train", "test"])
        try makeCache(root + "/second", items: [item("c"), item("d")], splits: ["train", "test"])
        let out = root + "/out"
        _ = try Exporter(cacheDirectory: root + "/first").run(ExportOptions(format: .npz, output: out, makeUID: testUIDs))
        _ = try Exporter(cacheDirectory: root + "/first").run(ExportOptions(format: .npz, output: out, split: "test", makeUID: testUIDs))
        #expect(throws: MedPipeError.invalidArgument(out, "holds \(out)/train.npz, whose labels index its classes.txt, which this export would replace with other classes (c, d): remove the earlier export, or export into an empty folder")) {
            _ = try Exporter(cacheDirectory: root + "/second").run(ExportOptions(format: .npz, output: out, split: "test", makeUID: testUIDs))
        }
        #expect(try String(contentsOfFile: out + "/classes.txt", encoding: .utf8) == "a\nb\n")
    }

    /// A sample no writer can store is an error naming the cache and the entry: it named "export" or the file stem
    /// `train_00001`, which no file has.
    @Test func aSampleThatCannotBeWrittenNamesItsEntry() throws {
        let root = temporaryDirectory("png-nan")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCache(root + "/cache", items: [CacheItem(tensor: Tensor(shape: [2, 2], values: [Float(1), .nan, 2, 3]), label: "a", group: "P-a")], splits: ["train"])
        for format in [ExportFormat.png, .dicom] {
            #expect(throws: MedPipeError.invalidArgument(root + "/cache", "entry 1, to be written as train_00001: the sample holds NaN or infinite values, which integer pixels cannot store")) {
                _ = try Exporter(cacheDirectory: root + "/cache").run(ExportOptions(format: format, output: root + "/out", makeUID: testUIDs))
            }
        }
    }

    /// An export that fails partway (a NaN in the last sample, of a later split, for formats that refuse NaN) leaves the
    /// output folder as it was: the samples written before the failure stayed and passed for a whole export, or replaced
    /// an earlier export's first files. No hidden folder of partial outputs is left either, nor one of a killed export.
    @Test func anExportThatFailsPartwayLeavesTheFolderAsItWas() throws {
        let root = temporaryDirectory("export-partway")
        defer { try? FileManager.default.removeItem(atPath: root) }
        func image(_ value: Float) -> CacheItem { CacheItem(tensor: Tensor(shape: [2, 2], values: [value, 1, 2, 3]), label: "a", group: "P-\(value)") }
        try makeCache(root + "/good", items: [image(0), image(4), image(5)], splits: ["train", "train", "test"])
        try makeCache(root + "/bad", items: [image(6), image(7), image(.nan)], splits: ["train", "train", "test"])
        let refusal = MedPipeError.invalidArgument(root + "/bad", "entry 3, to be written as test_00001: the sample holds NaN or infinite values, which integer pixels cannot store")
        for format in [ExportFormat.png, .dicom] {
            let out = root + "/out-" + format.rawValue
            func export(_ cache: String) throws -> ExportSummary {
                try Exporter(cacheDirectory: root + "/" + cache).run(ExportOptions(format: format, output: out, makeUID: testUIDs))
            }
            #expect(throws: refusal) { _ = try export("bad") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [], "\(format): nothing written")
            // The partial outputs of an export killed on the way (a process that no longer runs) are removed.
            try FileManager.default.createDirectory(atPath: out + "/.medpipe-partial-999999999-1/train", withIntermediateDirectories: true)
            let earlier = try export("good")
            let bytes = try earlier.files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            #expect(earlier.files.count == 3 && earlier.files.allSatisfy { $0.hasPrefix(out + "/t") })
            #expect(throws: refusal) { _ = try export("bad") }
            #expect(try earlier.files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == bytes, "\(format): the earlier export as it was")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["test", "train"])
        }
    }

    /// A split whose entries have different shapes or dtypes is refused for npz before anything is written: the export
    /// stopped at the first sample that differed, having replaced the earlier export's `train.npz` by a broken file.
    @Test func aSplitOfManyShapesLeavesTheEarlierArrayFileAlone() throws {
        let root = temporaryDirectory("npz-shapes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCache(root + "/cache", items: [CacheItem(tensor: Tensor(shape: [2, 2], values: [UInt8](repeating: 1, count: 4)), label: "a", group: "P-a"),
                                               CacheItem(tensor: Tensor(shape: [2, 2], values: [UInt16](repeating: 1, count: 4)), label: "b", group: "P-b")],
                      splits: ["train", "train"])
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        try "earlier".write(toFile: root + "/out/train.npz", atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(root + "/cache", "npz holds one array per split: entry 2 of split train is uint16 [2, 2], its first entry 1 is uint8 [2, 2] (add resize or crop-or-pad to the recipe, or export another format)")) {
            _ = try Exporter(cacheDirectory: root + "/cache").run(ExportOptions(format: .npz, output: root + "/out", makeUID: testUIDs))
        }
        #expect(try String(contentsOfFile: root + "/out/train.npz", encoding: .utf8) == "earlier")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/out") == ["train.npz"], "no temporary file left")
    }

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
        let unitBytes: [UInt8] = (0..<12).map { (i: Int) -> UInt8 in UInt8(i * 21) }
        #expect(first.tensor.values(as: UInt8.self) == unitBytes)
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
        let sliceValues: [UInt16] = (12..<24).map { (i: Int) -> UInt16 in UInt16(i * 1000) }
        #expect(slice.tensor.values(as: UInt16.self) == sliceValues)
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
