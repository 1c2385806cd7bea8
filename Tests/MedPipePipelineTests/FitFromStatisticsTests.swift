import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// `convert --fit-from CACHE` where CACHE's fitted statistics were edited or damaged: a NaN mean, an infinite or zero
/// scale, an entry at another stage. The convert succeeded and wrote them into the new cache, whose samples were then
/// NaN or infinite, or whose reading failed later in a line naming no cache. Now refused in one line naming CACHE; and
/// `train`, `evaluate` and the other commands that read such a cache refuse it alike (they trained on NaN samples, or
/// failed in the same line naming no cache).
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct FitFromStatisticsTests {
    /// The training cache's statistics with `edit` applied, written into a copy of it named `name`.
    private func crafted(_ training: String, _ name: String, _ edit: (inout FittedPipeline) -> Void) throws -> String {
        let copy = URL(fileURLWithPath: training).deletingLastPathComponent().path + "/" + name
        try FileManager.default.copyItem(atPath: training, toPath: copy)
        let reader = try DatasetCache(directory: copy)
        var fitted = try JSONCoding.decode(FittedPipeline.self, from: try #require(try reader.meta("fitted")), subject: copy, "fitted")
        edit(&fitted)
        let splits = Dictionary(uniqueKeysWithValues: try reader.entries().map { ($0.id, $0.split!) })
        let plans = Dictionary(uniqueKeysWithValues: try DatasetCache.splitNames.map { ($0, try reader.plan(split: $0)) })
        let text = String(decoding: try JSONCoding.encoder().encode(fitted), as: UTF8.self)
        try CacheWriter(directory: copy).finalize(splits: splits, plans: plans, meta: ["fitted": text])
        return copy
    }

    @Test func craftedStatisticsAreRefusedNamingTheCache() async throws {
        let work = temporaryDirectory("fit-from-crafted")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let training = work + "/heart"
        let recipe = try Recipe.load(SharedData.fixture("recipes/heart.yaml"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: training))
        let split = "split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }", text = try SharedData.fixtureRecipe("heart.yaml")
        try #require(text.contains(split))
        try text.replacingOccurrences(of: split, with: "split: { all: test }").write(toFile: work + "/new.yaml", atomically: true, encoding: .utf8)
        let newPatients = try Recipe.load(work + "/new.yaml", knownStages: StageFactory.names)

        func standardize(_ change: @escaping (inout Standardize.Statistics) -> Void) -> (inout FittedPipeline) -> Void {
            { fitted in
                guard case .standardize(var statistics) = fitted.entries[0].statistics else { Issue.record("not standardize"); return }
                change(&statistics)
                fitted.entries[0].statistics = .standardize(statistics)
            }
        }
        let cases: [(name: String, edit: (inout FittedPipeline) -> Void, problem: String)] = [
            ("nan-mean", standardize { $0.mean["age"] = .nan }, "stage 1 (standardize): the mean of column 'age' is nan"),
            ("inf-scale", standardize { $0.scale["chol"] = .infinity }, "stage 1 (standardize): the scale of column 'chol' is inf"),
            ("zero-scale", standardize { $0.scale["age"] = 0 }, "stage 1 (standardize): the scale of column 'age' is 0.0, not positive"),
            ("other-stage", { $0.entries[0].stage = 4 }, "entry 'standardize' is for stage 5, which is no fitted stage of the 1 stage(s)"),
            ("no-entry", { $0.entries = [] }, "stage 1 (standardize) has no statistics, not one"),
        ]
        for (name, edit, problem) in cases {
            let cache = try crafted(training, name, edit)
            let refusal = MedPipeError.malformed(cache, "its fitted statistics (meta 'fitted') cannot be applied: \(problem)")
            await #expect(throws: refusal) {
                _ = try await Converter(recipe: newPatients, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/new-" + name, fitFrom: cache))
            }
            #expect(throws: refusal) { _ = try CacheDataset(directory: cache) }
        }
        #expect(try CacheDataset(directory: training).sampleShape == [13])
        // The training cache's own statistics still apply.
        let summary = try await Converter(recipe: newPatients, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/new", fitFrom: training))
        #expect(summary.entries > 0 && summary.rejected.isEmpty)

        guard SharedData.medpipeBinary != nil else { return }
        let run = try SharedData.runMedpipe(["convert", work + "/new.yaml", "--cache", work + "/cli", "--key", work + "/project.key", "--fit-from", work + "/nan-mean"])
        #expect(run.status == 1 && run.error == "medpipe: error: \(work)/nan-mean: its fitted statistics (meta 'fitted') cannot be applied: stage 1 (standardize): the mean of column 'age' is nan\n",
                "\(run.error)")
    }

    /// A model whose fitted statistics were edited or damaged: `predict` failed on each input in a line naming no model
    /// ("standardize: stage 'standardize' needs statistics...") or in a Swift DecodingError dump, or (for NaN written as
    /// `"nan"`, as caches store it) could not read what a cache holds. Now refused in one line naming the model.
    @Test func aModelsStatisticsThatItsStagesCannotApplyAreRefused() throws {
        let pipeline = #"{"stages":[{"standardize":{"_0":{}}}]}"#
        func metadata(_ entries: String) -> [String: String] { [PreparationKeys.pipeline: pipeline, PreparationKeys.fitted: #"{"entries":["# + entries + "]}"] }
        func standardize(mean: String) -> String {
            #"{"name":"standardize","stage":0,"statistics":{"standardize":{"_0":{"mean":{"age":"# + mean + #"},"scale":{"age":9}}}}}"#
        }
        let model = "m.safetensors"
        #expect(try Preprocessing(metadata: metadata(standardize(mean: "50")), subject: model)?.fitted.entries.count == 1)
        #expect(throws: MedPipeError.malformed(model, "its fitted statistics (metadata 'fitted') cannot be applied: stage 1 (standardize): the mean of column 'age' is nan")) {
            _ = try Preprocessing(metadata: metadata(standardize(mean: #""nan""#)), subject: model)
        }
        #expect(throws: MedPipeError.malformed(model, "its fitted statistics (metadata 'fitted') cannot be applied: stage 1 (standardize) has no statistics, not one")) {
            _ = try Preprocessing(metadata: metadata(""), subject: model)
        }
        #expect(throws: MedPipeError.malformed(model, "its preprocessing metadata 'fitted' cannot be read at entries.Index 0.statistics.standardize._0.mean.age: Expected to decode Double but found a string instead.")) {
            _ = try Preprocessing(metadata: metadata(standardize(mean: #""fifty""#)), subject: model)
        }
    }
}
