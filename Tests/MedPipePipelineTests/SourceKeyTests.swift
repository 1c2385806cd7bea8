import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// A source's unit key covers every file its reader reads, not only the file the recipe names: an edited
/// annotation or signal file of a WFDB record, or the `.img` of a NIfTI pair, is read again (the key hashed the
/// `.hea` or `.hdr` alone, so corrected beat labels never reached the cache).
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct SourceKeyTests {
    func convert(_ recipe: String, into cache: String) async throws -> ConvertSummary {
        try await Converter(recipe: try Recipe.load(recipe, knownStages: StageFactory.names), pseudonyms: testPseudonyms)
            .run(ConvertOptions(cache: cache))
    }

    @Test func aRecordsAnnotationAndSignalFilesAreInItsKey() async throws {
        let work = temporaryDirectory("record-key")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for ext in ["hea", "dat", "atr"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.\(ext)"), toPath: work + "/100.\(ext)") }
        try """
        name: record-key
        sources:
          - { path: 100.hea, format: wfdb, label: annotations }
        stages:
        \(MITBIHPreparation.stages)
          - beats: { before: 45, after: 81, labels: symbol }
        split: { by: patient, ratios: { train: 1.0 } }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let first = try await convert(work + "/recipe.yaml", into: work + "/cache")
        #expect(first.computed == 1)
        #expect(try await convert(work + "/recipe.yaml", into: work + "/cache").reused == 1, "unchanged: nothing read again")

        // Another annotation file (record 101's beats on record 100's signal): read again, the new beats cached.
        try FileManager.default.removeItem(atPath: work + "/100.atr")
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/mitdb/101.atr"), toPath: work + "/100.atr")
        let relabelled = try await convert(work + "/recipe.yaml", into: work + "/cache")
        #expect(relabelled.computed == 1 && relabelled.removed == 1)
        #expect(relabelled.entries != first.entries, "\(relabelled.entries) beats against \(first.entries)")

        // One byte of the signal file changed: read again.
        var signal = try FileBytes.read(work + "/100.dat")
        signal[1000] ^= 0xFF
        try Data(signal).write(to: URL(fileURLWithPath: work + "/100.dat"))
        #expect(try await convert(work + "/recipe.yaml", into: work + "/cache").computed == 1)
    }

    @Test func theImageFileOfANIfTIPairIsInItsKey() async throws {
        let work = temporaryDirectory("pair-key")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for ext in ["hdr", "img"] {
            try FileManager.default.copyItem(atPath: SharedData.fixture("nifti/pair_qform_uint8.\(ext)"), toPath: work + "/pair.\(ext)")
        }
        try """
        name: pair-key
        sources:
          - { path: pair.hdr, format: nifti }
        stages: []
        split: { by: patient, ratios: { train: 1.0 } }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        #expect(try await convert(work + "/recipe.yaml", into: work + "/cache").computed == 1)
        #expect(try await convert(work + "/recipe.yaml", into: work + "/cache").reused == 1)
        var image = try FileBytes.read(work + "/pair.img")
        image[0] &+= 1
        try Data(image).write(to: URL(fileURLWithPath: work + "/pair.img"))
        #expect(try await convert(work + "/recipe.yaml", into: work + "/cache").computed == 1)
        let cache = try DatasetCache(directory: work + "/cache")
        #expect(try cache.tensor(for: try #require(try cache.entries().first)).bytes.first == image[0])
    }

    /// Sources with one key (a copy of a file, a file matched by two patterns) are read once, under the first path,
    /// and the others named in a warning: they were each read, and stored once without a word.
    @Test func sourcesWithTheSameDataArePlannedOnce() async throws {
        let work = temporaryDirectory("same-key")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in ["a.dcm", "b.dcm"] { try FileManager.default.copyItem(atPath: SharedData.path("dicom/pydicom_subset/CT_small.dcm"), toPath: work + "/" + name) }
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/pydicom_subset/MR_small.dcm"), toPath: work + "/c.dcm")
        try """
        name: same-key
        sources:
          - { path: "*.dcm", format: dicom }
          - { path: c.dcm, format: dicom }
        stages: []
        split: { by: patient, ratios: { train: 1.0 } }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let summary = try await convert(work + "/recipe.yaml", into: work + "/cache")
        #expect(summary.sources == 2 && summary.computed == 2 && summary.entries == 2)
        #expect(summary.warnings.map(\.source) == [work + "/b.dcm", work + "/c.dcm"])
        #expect(summary.warnings.map(\.warning) == ["holds the same data as \(work)/a.dcm: converted once, as that source",
                                                    "is listed more than once in the recipe: converted once"])
    }
}
