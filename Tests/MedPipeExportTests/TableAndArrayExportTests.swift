import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct CSVExportTests {
    @Test func heartRowsExportPerSplitWithTheirColumnsAndExactValues() async throws {
        let cache = temporaryDirectory("heart-cache"), out = temporaryDirectory("heart-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("heart.yaml", into: cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .csv, output: out, makeUID: testUIDs))
        #expect(summary.files == ["train", "val", "test"].map { out + "/\($0).csv" })
        let source = try DatasetCache(directory: cache)
        var rows = 0
        for (split, path) in zip(["train", "val", "test"], summary.files) {
            let table = try CSVReader().read(path)
            let entries = try source.entries(split: split)
            #expect(table.columns.map(\.name) == ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal", "label"])
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").dropFirst()
            #expect(lines.count == entries.count)
            for (line, entry) in zip(lines, entries) {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                let want = try source.tensor(for: entry)
                let values = fields.dropLast().map { Double($0)! }
                #expect(values == want.doubleValues(), "row of entry \(entry.id)")
                #expect(String(fields.last!) == entry.label)
            }
            rows += lines.count
        }
        #expect(rows == 297)
    }

    @Test func fittedStagesStandardizeTheTrainingSplit() async throws {
        let cache = temporaryDirectory("heart-cache"), out = temporaryDirectory("heart-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("heart.yaml", into: cache)
        let summary = try Exporter(cacheDirectory: cache, fitted: true)
            .run(ExportOptions(format: .csv, output: out, split: "train", fitted: true, makeUID: testUIDs))
        let lines = try String(contentsOfFile: summary.files[0], encoding: .utf8).split(separator: "\r\n").dropFirst()
        let ages = lines.map { Double($0.split(separator: ",")[0])! }
        let mean = ages.reduce(0, +) / Double(ages.count)
        let variance = ages.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(ages.count)
        #expect(abs(mean) < 1e-5 && abs(variance - 1) < 0.02, "mean \(mean) variance \(variance)")
    }

    @Test func tablesAreRefusedByImageFormats() async throws {
        let cache = temporaryDirectory("heart-cache"), out = temporaryDirectory("heart-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("heart.yaml", into: cache)
        #expect(throws: MedPipeError.self) {
            try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, makeUID: testUIDs))
        }
        #expect {
            try Exporter(cacheDirectory: cache).run(ExportOptions(format: .csv, output: out, split: "validation", makeUID: testUIDs))
        } throws: { error in
            (error as? MedPipeError)?.message == "the cache has no entry in split 'validation' (it has: test, train, val)"
        }
    }
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct NPZExportTests {
    @Test func mnistSplitsBecomeArraysOurReaderAndNumpyLoad() async throws {
        let cache = temporaryDirectory("mnist-cache"), out = temporaryDirectory("mnist-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("mnist.yaml", into: cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .npz, output: out, split: "test", makeUID: testUIDs))
        #expect(summary.files == [out + "/classes.txt", out + "/test.npz"])
        #expect(try String(contentsOfFile: out + "/classes.txt", encoding: .utf8) == (0..<10).map { "\($0)\n" }.joined())
        let source = try DatasetCache(directory: cache)
        let entries = try source.entries(split: "test")
        #expect(entries.count == 2000)
        let members = Dictionary(uniqueKeysWithValues: try NPZReader().read(summary.files[1]).map { ($0.name, $0.tensor) })
        let x = try #require(members["x"]), y = try #require(members["y"])
        #expect(x.shape == [2000, 28, 28] && x.dtype == .float32)
        var stacked: [UInt8] = []
        for entry in entries { stacked += try source.tensor(for: entry).bytes }
        #expect(x.bytes == stacked)
        #expect(y.values(as: Int64.self) == entries.map { Int64($0.label!)! })

        try ReferencePython.require("numpy")
        let result = try ReferencePython.json("""
            import json, sys, numpy
            with numpy.load(sys.argv[1]) as f:
                print(json.dumps({"files": sorted(f.files), "x": list(f["x"].shape), "dtype": str(f["x"].dtype),
                  "sum": float(f["x"].astype(numpy.float64).sum()), "y": f["y"][:10].tolist()}))
            """, [summary.files[1]])
        #expect(result["files"] as? [String] == ["x", "y"])
        #expect(result["x"] as? [Int] == [2000, 28, 28] && result["dtype"] as? String == "float32")
        let sum = x.floatValues().reduce(0.0) { $0 + Double($1) }
        #expect(abs((result["sum"] as? Double ?? 0) - sum) < 1e-6 * sum)
        #expect(result["y"] as? [Int] == entries.prefix(10).map { Int($0.label!)! })
    }

    /// classes.txt lists the class names one a line: a label holding a line break (in a cache converted before convert
    /// refused it) was written as two lines, so every class after it was read under the name of the one before.
    @Test func aLabelHoldingALineBreakIsRefusedBeforeClassesTxtIsWritten() throws {
        let cache = temporaryDirectory("npz-label-cache"), out = temporaryDirectory("npz-label-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        let image = Tensor(shape: [2, 2], values: [Float](repeating: 1, count: 4))
        try makeCache(cache, items: ["a\nb", "c"].map { CacheItem(tensor: image, label: $0, group: "P-" + $0) }, splits: ["train", "train"])
        #expect(throws: MedPipeError.malformed(cache, "label \"a\\nb\" holds U+000A, a control character or line break, which no class name may hold (class names are listed one a line): convert the cache again")) {
            _ = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .npz, output: out, makeUID: testUIDs))
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/classes.txt"))
    }
}
