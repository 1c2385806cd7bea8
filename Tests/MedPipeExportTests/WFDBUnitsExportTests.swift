import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import MedPipePipeline
import MedPipeStages
import TestSupport

/// Converts record 03700181 (MCL1 in mV, ABP in mmHg, RESP without units: mV) with `stages`, choosing its leads in
/// another order, and exports the cache as WFDB records; returns the exported header of the first sample.
private func convertAndExport(_ stages: String, in work: String) async throws -> String {
    try """
    name: units
    sources:
      - path: \(SharedData.path("wfdb/03700181.hea"))
        format: wfdb
    stages:
    \(stages)
    split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 }, seed: 1 }
    """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
    let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
    let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
    #expect(summary.entries == 1 && summary.rejected.isEmpty, "\(summary.rejected)")
    let export = try Exporter(cacheDirectory: work + "/cache").run(ExportOptions(format: .wfdb, output: work + "/out", makeUID: testUIDs))
    return try #require(export.files.first { $0.hasSuffix(".hea") })
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct WFDBUnitsExportTests {
    /// Every exported signal was labelled mV, an ABP signal in mmHg included, and the record's digital values were
    /// written as if they were millivolts. The leads' units travel with them (in the order `leads` chose), and the
    /// values written are the physical values the digital ones stand for.
    @Test func unitsAndPhysicalValuesTravelFromTheRecordToTheExport() async throws {
        let work = temporaryDirectory("wfdb-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let exported = try await convertAndExport("  - leads: { names: [ABP, RESP, MCL1] }", in: work)
        let original = try WFDBHeader.read(SharedData.path("wfdb/03700181.hea")).signals
        let order = ["ABP", "RESP", "MCL1"].map { name in original.firstIndex { $0.description == name }! }
        #expect(order.map { original[$0].units } == ["mmHg", "mV", "mV"])
        let header = try WFDBHeader.read(exported), text = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(header.signals.map(\.units) == order.map { original[$0].units }, "\(text)")
        #expect(header.signals.map(\.description) == ["ABP", "RESP", "MCL1"])

        let want = try WFDBReader(options: ReadOptions(physical: true)).read(SharedData.path("wfdb/03700181.hea")).tensor
        let read = try WFDBReader(options: ReadOptions(physical: true)).read(exported).tensor
        #expect(read.shape == [want.shape[0], 3])
        let (got, expected) = (read.doubleValues(), want.doubleValues())
        for (c, from) in order.enumerated() {
            let step = 0.5 / header.signals[c].gain
            // Invalid samples (NaN) of the record are digital sentinels in the cache: compared where valid.
            let worst = (0..<want.shape[0]).map { s -> Double in
                let e = expected[s * 3 + from]
                return e.isNaN ? 0 : abs(got[s * 3 + c] - e)
            }.max()!
            #expect(worst <= step + 1e-9, "\(header.signals[c].description): error \(worst), step \(step)")
        }
    }

    /// A z-scored lead has no physical units: it is written as WFDB's normalized units, `NU`.
    @Test func aZScoredLeadIsWrittenDimensionless() async throws {
        let work = temporaryDirectory("wfdb-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let exported = try await convertAndExport("  - leads: { names: [ABP, MCL1] }\n  - lead-zscore: {}", in: work)
        #expect(try WFDBHeader.read(exported).signals.map(\.units) == ["NU", "NU"])
    }

    /// A high-pass filter removes the offset of digital values (their ADC baseline): the record written is the filtered
    /// physical signal, not one shifted by baseline / gain (125 mmHg for this ABP).
    @Test func aHighPassedLeadIsWrittenWithoutTheDigitalOffset() async throws {
        let work = temporaryDirectory("wfdb-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let exported = try await convertAndExport("  - leads: { names: [ABP] }\n  - highpass: { cutoff: 0.5 }", in: work)
        let physical = try WFDBReader(options: ReadOptions(physical: true)).read(SharedData.path("wfdb/03700181.hea"))
        let abp = try #require(try SelectLeads(names: ["ABP"]).run(Sample(record: physical)).samples.first)
        let want = try #require(try HighPass(cutoff: 0.5).run(abp).samples.first).tensor.doubleValues()
        let got = try WFDBReader(options: ReadOptions(physical: true)).read(exported).tensor.doubleValues()
        #expect(got.count == want.count)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 0.01, "worst difference \(worst) mmHg")
        #expect(try WFDBHeader.read(exported).signals.map(\.units) == ["mmHg"])
    }

    /// wfdb-python reads the exported header's units as the original header's, in the order chosen.
    @Test(.enabled(if: ReferencePython.available("wfdb"), "needs python3 with wfdb"))
    func wfdbPythonReadsTheRecordsUnits() async throws {
        let work = temporaryDirectory("wfdb-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let exported = try await convertAndExport("  - leads: { names: [RESP, ABP, MCL1] }\n  - bandpass: { low: 0.5, high: 40 }", in: work)
        let result = try ReferencePython.json("""
            import json, sys, wfdb
            exported, original = wfdb.rdheader(sys.argv[1]), wfdb.rdheader(sys.argv[2])
            units = dict(zip(original.sig_name, original.units))
            print(json.dumps({"exported": exported.units, "original": [units[n] for n in exported.sig_name]}))
            """, [String(exported.dropLast(4)), SharedData.path("wfdb/03700181")])
        let units = try #require(result["exported"] as? [String])
        #expect(units == ["mV", "mmHg", "mV"])
        #expect(units == result["original"] as? [String])
    }
}
