import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// An archive converted again after rows (patients) were added keeps every earlier patient in its split: planned afresh
/// over all of them, the split moved about half of the heart table's patients, yesterday's test patients into today's
/// training split. `--resplit`, or a changed `split:` declaration, plans afresh, as a new cache would, and says so.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct GrowingArchiveSplitTests {
    /// Each patient's split, by group.
    static func splits(_ cache: String) throws -> [String: String] {
        Dictionary(try DatasetCache(directory: cache).entries().map { ($0.group, $0.split ?? "") }, uniquingKeysWith: { a, b in a == b ? a : "two splits" })
    }

    static func convert(_ recipe: String, into cache: String, resplit: Bool = false) async throws -> ConvertSummary {
        try await Converter(recipe: try Recipe.load(recipe, knownStages: StageFactory.names), pseudonyms: testPseudonyms)
            .run(ConvertOptions(cache: cache, resplit: resplit))
    }

    @Test func patientsKeepTheirSplitsAsTheTableGrows() async throws {
        let work = temporaryDirectory("growing-split")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let rows = try String(contentsOfFile: SharedData.path("tabular/processed.cleveland.data"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let source = "/shared/data/tabular/processed.cleveland.data", text = try SharedData.fixtureRecipe("heart.yaml")
        try #require(text.contains(source) && rows.count > 250)
        let recipe = work + "/heart.yaml", table = work + "/heart.data"
        let line = try #require(text.split(separator: "\n").first { $0.contains(source) })
        let own = text.replacingOccurrences(of: line, with: "  - path: " + table)
        try own.write(toFile: recipe, atomically: true, encoding: .utf8)
        let grown = work + "/grown", fresh = work + "/fresh"

        try (rows.prefix(200).joined(separator: "\n") + "\n").write(toFile: table, atomically: true, encoding: .utf8)
        let first = try await Self.convert(recipe, into: grown)
        #expect(first.splitHistory == nil)
        let before = try Self.splits(grown)
        try (rows.joined(separator: "\n") + "\n").write(toFile: table, atomically: true, encoding: .utf8)
        let second = try await Self.convert(recipe, into: grown)
        let after = try Self.splits(grown)
        #expect(before.count > 150 && after.count > before.count && !after.values.contains("two splits"))
        #expect(before.allSatisfy { after[$0.key] == $0.value }, "every earlier patient in its split")
        #expect(second.splitHistory == "\(before.count) patients (groups) kept the split the last run gave them and \(after.count - before.count) new were placed towards the ratios (--resplit places every patient afresh)")
        #expect(second.splitIssues.isEmpty, "the ratios reached: \(second.splitIssues)")
        // Planned afresh over every patient, many of the earlier ones are in another split.
        _ = try await Self.convert(recipe, into: fresh)
        let planned = try Self.splits(fresh)
        let moved = before.keys.filter { planned[$0] != before[$0] }.count
        #expect(moved > before.count / 4, "\(moved) of \(before.count) moved")
        let again = try await Self.convert(recipe, into: grown)
        let unchanged = try Self.splits(grown)
        #expect(again.splitHistory == nil && unchanged == after, "nothing new, nothing moved")

        // --resplit gives the new cache's split; a changed declaration plans afresh too.
        let resplit = try await Self.convert(recipe, into: grown, resplit: true)
        #expect(try Self.splits(grown) == planned)
        #expect(resplit.splitHistory == "every patient (group) placed afresh (--resplit): some may be in another split than the last run gave them")
        let seed = "seed: 42 }"
        try #require(text.contains(seed))
        try own.replacingOccurrences(of: seed, with: "seed: 7 }").write(toFile: recipe, atomically: true, encoding: .utf8)
        let reseeded = try await Self.convert(recipe, into: grown)
        #expect(reseeded.splitHistory?.hasPrefix("every patient (group) placed afresh: the cache does not record that its patients were placed by this split declaration (") == true,
                "\(reseeded.splitHistory ?? "nil")")
        #expect(try Self.splits(grown) != planned)
    }

    /// The command says what the split kept, and takes --resplit. A model trained before the archive grew is judged on
    /// none of its training patients, with its own fitted statistics (the grown training split's differ); after --resplit,
    /// `evaluate` counts those now in the test split.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func theSummarySaysWhatTheSplitKept() throws {
        let work = temporaryDirectory("growing-split-command")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let rows = try String(contentsOfFile: SharedData.path("tabular/processed.cleveland.data"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let text = try SharedData.fixtureRecipe("heart.yaml"), table = work + "/heart.data", recipe = work + "/heart.yaml"
        let line = try #require(text.split(separator: "\n").first { $0.contains("processed.cleveland.data") })
        try text.replacingOccurrences(of: line, with: "  - path: " + table).write(toFile: recipe, atomically: true, encoding: .utf8)
        let convert = ["convert", recipe, "--cache", work + "/cache", "--key", work + "/project.key"]
        try (rows.prefix(100).joined(separator: "\n") + "\n").write(toFile: table, atomically: true, encoding: .utf8)
        let first = try SharedData.runMedpipe(convert)
        try #require(first.status == 0, "\(first.error)")
        #expect(first.output.contains("\n  entries: 99\n") && !first.output.contains("  split: "), "\(first.output)")
        let model = work + "/forest.json"
        let trained = try SharedData.runMedpipe(["train", "--cache", work + "/cache", "--model", "random-forest", "--trees", "5", "--out", model])
        try #require(trained.status == 0, "\(trained.error)")
        let evaluate = ["evaluate", "--model", model, "--cache", work + "/cache", "--split", "test"]
        try (rows.joined(separator: "\n") + "\n").write(toFile: table, atomically: true, encoding: .utf8)
        let grown = try SharedData.runMedpipe(convert)
        #expect(grown.status == 0 && grown.output.contains("\n  split: 99 patients (groups) kept the split the last run gave them and 198 new were placed"), "\(grown.output)")
        let unseen = try SharedData.runMedpipe(evaluate)
        #expect(unseen.status == 0 && !unseen.error.contains("warning") && unseen.error.contains("note: \(model): judged with the statistics fitted on its own training split"),
                "\(unseen.error)")
        let resplit = try SharedData.runMedpipe(convert + ["--resplit"])
        #expect(resplit.status == 0 && resplit.output.contains("\n  split: every patient (group) placed afresh (--resplit)"), "\(resplit.output)")
        let seen = try SharedData.runMedpipe(evaluate)
        #expect(seen.status == 0 && seen.error.contains("patients (groups) of the test split were in the model's training split"), "\(seen.error)")
        let info = try SharedData.runMedpipe(["cache", "info", work + "/cache"])
        #expect(info.output.contains("\n  split_spec: {by=\"patient\",ratios=[0.6,0.2,0.2],seed=\"42\"}\n"), "\(info.output)")
    }
}
