import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import TestSupport
@testable import MedPipeExport

/// An export opened before a convert finished and written after mixed two runs (fitted statistics of one, entries of
/// the other): it now fails before it moves its files into place, and the output folder is left as it was.
@Suite struct ExportWhileConvertTests {
    @Test func anExportOfACacheThatChangedMeanwhileWritesNothing() throws {
        let work = temporaryDirectory("export-while-convert")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/cache"
        let items = (0..<4).map { i in CacheItem(tensor: Tensor(shape: [2], values: [Float(i), 1]), label: i % 2 == 0 ? "a" : "b", group: "p\(i)") }
        try makeCache(cache, items: items, splits: ["train", "train", "val", "test"])
        let exporter = try Exporter(cacheDirectory: cache)
        // A later run moves two patients between splits.
        let writer = try CacheWriter(directory: cache)
        let ids = try writer.entries().map(\.id)
        try writer.finalize(splits: [ids[0]: "train", ids[1]: "test", ids[2]: "val", ids[3]: "train"], plans: [:], meta: [:])
        #expect(throws: MedPipeError.io(cache, "changed while it was being read (a convert finished meanwhile, and may have moved patients between splits): run the command again")) {
            _ = try exporter.run(ExportOptions(format: .npz, output: work + "/out", makeUID: testUIDs))
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work + "/out")) ?? []).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(try Exporter(cacheDirectory: cache).run(ExportOptions(format: .npz, output: work + "/out", makeUID: testUIDs)).samples.map(\.count) == [2, 1, 1])
    }
}
