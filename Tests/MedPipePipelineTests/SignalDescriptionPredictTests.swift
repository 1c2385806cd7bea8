import Foundation
import Testing
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// Record 100 in `folder` with its first signal's description replaced by free text ('Quimbly Zyxwert MRN 778899').
private func recordWithFreeText(in folder: String) throws -> String {
    for ext in ["dat", "atr"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.\(ext)"), toPath: folder + "/100.\(ext)") }
    let header = try String(contentsOfFile: SharedData.path("wfdb/100.hea"), encoding: .utf8)
    #expect(header.contains(" 0 MLII"))
    try header.replacingOccurrences(of: " 0 MLII", with: " 0 Quimbly Zyxwert MRN 778899")
        .write(toFile: folder + "/100.hea", atomically: true, encoding: .utf8)
    return folder + "/100.hea"
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct SignalDescriptionPredictTests {
    /// `convert` names a lead whose description is free text `sig0`, so a model's `leads` stage chooses `sig0`; `predict`
    /// looked for it among the raw descriptions of a raw record and did not find it, telling the free text. It names
    /// the leads as `convert` does.
    @Test func aLeadNamedAsConvertNamesItIsFound() throws {
        let work = temporaryDirectory("predict-description")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let record = try recordWithFreeText(in: work)
        let chosen = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["sig0"]))]), fitted: FittedPipeline(entries: []))
        var shapes: [[Int]] = []
        _ = try chosen.prepare(record) { prepared in shapes += prepared.map(\.shape) }
        #expect(shapes == [[1, 650000]])
        let missing = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["V1"]))]), fitted: FittedPipeline(entries: []))
        #expect(throws: MedPipeError.invalidArgument(record, "leads: no lead named V1 (the record has sig0, V5)")) {
            _ = try missing.prepare(record) { _ in }
        }
    }

    /// convert with a recipe choosing `sig0` → train → predict on the raw record: the lead is found, and nothing
    /// printed or written holds the free text.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the medpipe binary (swift build)"))
    func aModelTrainedOnANeutralLeadPredictsTheRawRecord() async throws {
        let work = temporaryDirectory("predict-description")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let record = try recordWithFreeText(in: work)
        try """
        name: free-text-lead
        sources:
          - path: \(record)
            format: wfdb
            label: annotations
        stages:
          - leads: { names: [sig0] }
          - beats: { before: 90, after: 90, labels: symbol }
          - keep-labels: { labels: [N, A] }
          - lead-zscore: {}
        split: { by: time-block, blocks: 10, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 3 }
        train: { model: ecg-cnn, epochs: 1, batch: 64, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(summary.entries > 0 && summary.rejected.isEmpty, "\(summary.rejected)")
        let trained = try SharedData.runMedpipe(["train", "--cache", work + "/cache", "--out", work + "/model.safetensors"])
        try #require(trained.status == 0, "\(trained.error)")
        let predicted = try SharedData.runMedpipe(["predict", "--model", work + "/model.safetensors", "--out", work + "/predicted.csv", record])
        #expect(predicted.status == 0, "\(predicted.error)")
        let csv = try String(contentsOfFile: work + "/predicted.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count > 2000, "\(csv.prefix(300))")
        for text in [predicted.output, predicted.error, csv] {
            #expect(!text.contains("Quimbly") && !text.contains("Zyxwert") && !text.contains("778899"))
        }
    }
}
