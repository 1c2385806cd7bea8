import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import TestSupport
@testable import MedPipePipeline

/// A model carries the patients of its training split (``TrainingGroups``), and `evaluate` and `report` say how many of
/// the judged split's patients it trained on. Every other check passed a model judged on its own training patients:
/// the same recipe's split planned afresh (46 of 150 patients changed splits when 50 were added, before a grown cache
/// kept its patients' splits), or the training sources converted as new patients with `--fit-from` (the statistics are
/// then the training cache's).
@Suite struct TrainingPatientsTests {
    @Test func digestsAreSHA256sFirstBytesAndRoundTripThroughTheMetadata() throws {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de ... (FIPS 180-2, appendix B.1).
        #expect(TrainingGroups.digest("abc") == 0xba78_16bf_8f01_cfea)
        let groups = TrainingGroups(groups: ["abc", "P-1", "abc", "P-2"], key: "f1")
        #expect(groups.digests.count == 3 && groups.digests == groups.digests.sorted())
        #expect(try TrainingGroups(metadata: groups.metadata, subject: "m") == groups)
        #expect(try TrainingGroups(metadata: TrainingGroups(groups: ["abc"], key: nil).metadata, subject: "m")?.key == nil)
        #expect(groups.count(among: ["P-2", "P-3", "P-2", "abc"]) == 2)
        #expect(try TrainingGroups(metadata: [:], subject: "m") == nil)
        for digests in ["not base64!", Data([1, 2, 3, 4, 5, 6, 7]).base64EncodedString()] {
            #expect(throws: MedPipeError.malformed("m", "its metadata 'training_groups' does not hold base64 of 8-byte digests")) {
                _ = try TrainingGroups(metadata: [PreparationKeys.trainingGroups: #"{"digests":"\#(digests)"}"#], subject: "m")
            }
        }
        #expect(throws: MedPipeError.self) { _ = try TrainingGroups(metadata: [PreparationKeys.trainingGroups: "AAAAAAAAAAA="], subject: "m") }
    }

    /// The heart table's rows are each their own patient: a cache of the same table converted as new patients holds every
    /// training row in its test split.
    @Test(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
    func judgingAModelOnItsTrainingPatientsIsSaid() throws {
        let work = temporaryDirectory("training-patients")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (cache, network) = try HeartModel.train(in: work)
        let forest = work + "/forest.json", key = work + "/project.key"
        let trees = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "random-forest", "--trees", "5", "--out", forest])
        try #require(trees.status == 0, "\(trees.error)")
        let trained = try DatasetCache(directory: cache).entryCount(split: "train")
        #expect(trained > 100)

        let inspected = try SharedData.runMedpipe(["inspect", network, forest])
        #expect(inspected.output.components(separatedBy: "  trained:  on \(trained) patients (groups)").count == 3, "\(inspected.output)")
        for model in [network, forest] {
            let own = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", cache, "--split", "test"])
            #expect(own.status == 0 && !own.error.contains("warning"), "\(own.error)")
        }

        let split = "split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }", text = try SharedData.fixtureRecipe("heart.yaml")
        try #require(text.contains(split))
        try text.replacingOccurrences(of: split, with: "split: { all: test }").write(toFile: work + "/again.yaml", atomically: true, encoding: .utf8)
        let again = work + "/again"
        let converted = try SharedData.runMedpipe(["convert", work + "/again.yaml", "--cache", again, "--fit-from", cache, "--key", key])
        try #require(converted.status == 0, "\(converted.error)")
        let all = try DatasetCache(directory: again).entryCount(split: "test")
        for model in [network, forest] {
            let judged = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", again, "--split", "test"])
            #expect(judged.status == 0 && judged.error.hasPrefix("medpipe: warning: \(model): \(trained) of the \(all) patients (groups) of the test split "
                                                                 + "were in the model's training split: these scores are not those of unseen patients"), "\(judged.error)")
        }

        // Pseudonyms under another project key cannot be compared: said, where counting them found none.
        let otherKey = work + "/other-key"
        let other = try SharedData.runMedpipe(["convert", work + "/again.yaml", "--cache", otherKey, "--fit-from", cache, "--key", work + "/other.key"])
        try #require(other.status == 0, "\(other.error)")
        let unknown = try SharedData.runMedpipe(["evaluate", "--model", network, "--cache", otherKey, "--split", "test"])
        #expect(unknown.status == 0 && unknown.error.hasPrefix("medpipe: warning: \(network): the patients of \(otherKey) are pseudonyms under another "
                                                                 + "project key"), "\(unknown.error)")

        let report = work + "/report.html"
        let ownPage = try SharedData.runMedpipe(["report", "--cache", cache, "--model", network, "--split", "test", "--out", report])
        try #require(ownPage.status == 0, "\(ownPage.error)")
        let tested = try DatasetCache(directory: cache).entryCount(split: "test")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("None of the \(tested) patients (groups) of the test split was in the model's training split."))
        let page = try SharedData.runMedpipe(["report", "--cache", again, "--model", network, "--split", "test", "--out", report])
        try #require(page.status == 0, "\(page.error)")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("<p class=\"fail\">\(trained) of the \(all) patients (groups) of the test split were in"))
        let otherPage = try SharedData.runMedpipe(["report", "--cache", otherKey, "--model", network, "--split", "test", "--out", report])
        try #require(otherPage.status == 0, "\(otherPage.error)")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("<p class=\"warning\">the patients of \(otherKey) are pseudonyms under another project key"))
    }
}
