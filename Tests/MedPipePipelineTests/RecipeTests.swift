import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
@testable import MedPipePipeline

/// Writes `text` as a recipe in a fresh folder holding an empty `data.csv`; returns the recipe path.
private func recipeFile(_ text: String) throws -> String {
    let dir = NSTemporaryDirectory() + "medpipe-recipe-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir + "/images/a", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/images/b", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: dir + "/data.csv", contents: Data("x,num\n1,0\n".utf8))
    let path = dir + "/recipe.yaml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private let stages: Set<String> = ["zscore", "impute", "standardize"]

@Suite struct RecipeTests {
    @Test func parsesAFullRecipe() throws {
        let path = try recipeFile("""
            name: heart
            cache: out/heart
            sources:
              - path: data.csv
                format: csv
                label: { column: num, greater-than: 0 }
              - path: images/*
                label: folder
            stages:
              - impute: { strategy: median }
              - standardize
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 7 }
            balance: class-weights
            """)
        let recipe = try Recipe.load(path, knownStages: stages)
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        #expect(recipe.name == "heart")
        #expect(recipe.cache == dir + "/out/heart")
        #expect(recipe.sources.count == 2)
        #expect(recipe.sources[0].format == .csv)
        #expect(recipe.sources[0].label == .column("num", greaterThan: 0))
        #expect(recipe.sources[1].paths == [dir + "/images/a", dir + "/images/b"])
        #expect(recipe.stages.map(\.name) == ["impute", "standardize"])
        #expect(recipe.stages[0].line == 10)
        #expect(recipe.split.ratios == ["train": 0.6, "val": 0.2, "test": 0.2])
        #expect(recipe.split.seed == 7)
        #expect(recipe.balance == .classWeights)
    }

    @Test func unknownStageNamesItsLine() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
            stages:
              - zscor: {}
            """)
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "unknown stage 'zscor' (known: impute, standardize, zscore)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
    }

    @Test func misspeltFieldIsRejected() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
                lable: folder
            """)
        #expect {
            _ = try Recipe.load(path, knownStages: stages)
        } throws: { error in
            guard let error = error as? MedPipeError else { return false }
            return error.subject == path + ":3" && error.message.hasPrefix("unknown field 'lable'")
        }
    }

    @Test func missingSourceFileFailsBeforeAnyWork() throws {
        let path = try recipeFile("""
            sources:
              - path: nowhere/*.dcm
            """)
        #expect(throws: MedPipeError.invalidArgument(path + ":2", "no file matches 'nowhere/*.dcm'")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
    }

    @Test func ratiosMustSumToOne() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
            split: { ratios: { train: 0.6, val: 0.6, test: 0.2 } }
            """)
        #expect(throws: MedPipeError.self) { _ = try Recipe.load(path, knownStages: stages) }
    }
}
