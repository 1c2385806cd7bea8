import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// The recipe a cache keeps: written again from its tree, its sources' file names pseudonymized. The cache had kept
/// the recipe's text as written, so a source in a folder named after a patient put that name in the cache, and
/// `cache info` and the report showed it.
@Suite struct RecipeForCacheTests {
    /// The tree without line numbers, which the written YAML does not keep.
    private func unlined(_ node: RecipeNode) -> RecipeNode {
        switch node {
        case .scalar(let value, _): .scalar(value, line: 0)
        case .list(let items, _): .list(items.map(unlined), line: 0)
        case .map(let pairs, _): .map(pairs.map { ($0.key, unlined($0.value)) }, line: 0)
        }
    }

    @Test func theYAMLOfATreeParsesBackToTheSameTree() throws {
        let recipes = try FileManager.default.contentsOfDirectory(atPath: SharedData.fixture("recipes")).filter { $0.hasSuffix(".yaml") }
        #expect(recipes.count >= 8)
        var texts = try recipes.map { try String(contentsOfFile: SharedData.fixture("recipes/" + $0), encoding: .utf8) }
        texts.append(#"""
        odd: ["a \"quoted\" \\ back", "line\nbreak", "tab\there", "# not a comment", "- not an item", ": colon", "ünïcödé ✓", "\u0085\u00A0\uFEFF", "", "null", "~", "true", "0.50"]
        nested: [[1, [2, []]], {}, {a: {}, b: [[]]}, [{c: d, e: [f]}]]
        "key with: colon": { "#": x }
        """#)
        for text in texts {
            let tree = try RecipeNode.parse(text, file: "recipe")
            let again = try RecipeNode.parse(tree.yaml, file: "written")
            #expect(unlined(again) == unlined(tree), "\(tree.yaml)")
        }
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func theCacheKeepsNoFileNameTheRecipeGives() async throws {
        let work = temporaryDirectory("recipe-for-cache")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let patient = work + "/Doe_John_MRN778899"
        try FileManager.default.createDirectory(atPath: patient, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: patient + "/cleveland.csv", withDestinationPath: SharedData.path("tabular/processed.cleveland.data"))
        let text = try SharedData.fixtureRecipe("heart.yaml")
            .replacingOccurrences(of: SharedData.projectRoot + "/../shared/data/tabular/processed.cleveland.data", with: "Doe_John_MRN778899/cleveland.csv")
            .replacingOccurrences(of: "cache: ../../out/heart-cache", with: "cache: cache  # for patient Quimbly Zyxwert")
            + "train: { model: heart-mlp, epochs: 3 }\n"
        #expect(text.contains("Doe_John_MRN778899/cleveland.csv"))
        try text.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))

        for file in try FileManager.default.subpathsOfDirectory(atPath: work + "/cache") {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: work + "/cache/" + file, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let bytes = try FileBytes.read(work + "/cache/" + file)
            for name in ["Doe_John", "MRN778899", "Quimbly"] {
                #expect(!String(decoding: bytes, as: UTF8.self).contains(name), "\(file) holds \(name)")
            }
        }
        let cache = try DatasetCache(directory: work + "/cache")
        let kept = try #require(try cache.meta("recipe"))
        #expect(try cache.meta("recipe_hash") == ContentHash.of(Array(text.utf8)), "the hash is still the recipe's own")
        #expect(kept.contains(testPseudonyms.make("recipe-file:Doe_John_MRN778899/cleveland.csv")))
        #expect(try TrainSpec.of(recipeText: kept, file: "kept") == recipe.train)
        #expect(try TrainSpec.of(recipeText: kept, file: "kept").model == "heart-mlp")
    }
}
