import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// A command reads a cache in several reads (its statistics, then each split, then its training patients), and a
/// `convert` may finish between two of them: a split planned afresh (here, with another seed) moves patients, and the
/// reader would have trained on one run's training split and validated on another's, a patient in both, without a word.
/// A convert that changes the cache counts a generation; a reader that finds another generation after its reads fails.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct CacheGenerationTests {
    @Test func aConvertThatChangesTheCacheBetweenAReadersReadsIsCaught() async throws {
        let work = temporaryDirectory("cache-generation")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart", text = try SharedData.fixtureRecipe("heart.yaml")
        try text.write(toFile: work + "/heart.yaml", atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(work + "/heart.yaml", knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(try DatasetCache(directory: cache).generation() == "1")
        // A run that changes nothing writes nothing, and counts no generation.
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(try DatasetCache(directory: cache).generation() == "1")

        let reader = try CacheDataset(directory: cache)
        _ = try reader.batchSource(only: [.train])
        try reader.cache.requireUnchangedSinceOpened()
        // The split planned with another seed: the patients move, and a reader opened before fails after.
        let seed = "test: 0.2 }, seed: 42 }"
        try #require(text.contains(seed))
        try text.replacingOccurrences(of: seed, with: "test: 0.2 }, seed: 7 }").write(toFile: work + "/heart.yaml", atomically: true, encoding: .utf8)
        _ = try await Converter(recipe: try Recipe.load(work + "/heart.yaml", knownStages: StageFactory.names), pseudonyms: testPseudonyms)
            .run(ConvertOptions(cache: cache))
        #expect(try DatasetCache(directory: cache).generation() == "2")
        #expect(throws: MedPipeError.io(cache, "changed while it was being read (a convert finished meanwhile, and may have moved patients between splits): run the command again")) {
            try reader.cache.requireUnchangedSinceOpened()
        }
        try CacheDataset(directory: cache).cache.requireUnchangedSinceOpened()
    }
}
