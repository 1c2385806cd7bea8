import Foundation
import Testing
import MedPipeCache
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// A PNG class-folder set is one cache unit per image: a changed, added or removed image recomputes
/// only itself, and moving an image to another class changes its label.
@Suite struct PNGFolderIncrementalTests {
    @Test func eachImageIsAUnitOfItsOwn() async throws {
        let work = temporaryDirectory("png-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let images = work + "/images", cache = work + "/cache"
        try FileManager.default.copyItem(atPath: SharedData.fixture("demo/images"), toPath: images)
        try """
        name: png-units
        sources:
          - path: images
            format: png-folder
            label: dataset
        stages:
          - minmax: {}
        split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        func convert() async throws -> ConvertSummary {
            let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
            return try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        }

        let first = try await convert()
        #expect(first.sources == 240 && first.computed == 240 && first.entries == 240)
        let again = try await convert()
        #expect(again.reused == 240 && again.computed == 0)

        // One image changed: only it is read again.
        try FileManager.default.removeItem(atPath: images + "/left/000.png")
        try FileManager.default.copyItem(atPath: images + "/left/002.png", toPath: images + "/left/000.png")
        let changed = try await convert()
        #expect(changed.computed == 1 && changed.reused == 239 && changed.removed == 1 && changed.entries == 240)

        // One image moved to the other class: its unit is replaced and its label follows the folder.
        try FileManager.default.moveItem(atPath: images + "/left/002.png", toPath: images + "/right/moved.png")
        let moved = try await convert()
        #expect(moved.computed == 1 && moved.removed == 1 && moved.entries == 240)
        let entries = try DatasetCache(directory: cache).entries()
        #expect(entries.filter { $0.label == "right" }.count == 121)
        #expect(try DatasetCache(directory: cache).verify().isSound)
    }
}
