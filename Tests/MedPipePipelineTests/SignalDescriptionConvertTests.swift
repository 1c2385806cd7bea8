import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct SignalDescriptionConvertTests {
    /// A WFDB signal description holding a patient's name or record number passed into the cache as a lead's name
    /// (`signalNames`), and on to every export. Only plain signal names enter the cache; the others are `sig` and the
    /// signal's index, by which a recipe can still choose the lead.
    @Test func aDescriptionThatIsNoSignalNameEntersTheCacheNeutral() async throws {
        let work = temporaryDirectory("signal-description")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/test01_00s.dat"), toPath: work + "/test01_00s.dat")
        let header = try String(contentsOfFile: SharedData.path("wfdb/test01_00s.hea"), encoding: .utf8)  // CRLF line ends
        #expect(header.contains(" 0 ECG 2\r\n") && header.contains(" 0 ECG 3\r\n"))
        try header.replacingOccurrences(of: " 0 ECG 2\r\n", with: " 0 Quimbly Zyxwert\r\n")
            .replacingOccurrences(of: " 0 ECG 3\r\n", with: " 0 MRN 778899\r\n")
            .write(toFile: work + "/test01_00s.hea", atomically: true, encoding: .utf8)
        try """
        name: descriptions
        sources:
          - path: test01_00s.hea
            format: wfdb
        stages:
          - leads: { names: [ECG 1, sig1, sig2] }
        split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 }, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(summary.entries == 1 && summary.rejected.isEmpty, "\(summary.rejected)")
        let entry = try #require(try DatasetCache(directory: work + "/cache").entries().first)
        #expect(entry.metadata["signalNames"] == .strings(["ECG 1", "sig1", "sig2"]))
        for file in FileManager.default.subpaths(atPath: work + "/cache") ?? [] where FileBytes.isRegularFile(work + "/cache/" + file) {
            let text = String(decoding: try FileBytes.read(work + "/cache/" + file), as: UTF8.self)
            #expect(!text.contains("Zyxwert") && !text.contains("778899"), "\(file)")
        }
    }
}
