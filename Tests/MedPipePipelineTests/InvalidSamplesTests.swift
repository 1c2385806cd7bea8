import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeStages
import Testing
import TestSupport
@testable import MedPipePipeline

/// A WFDB record whose lead was off for a while (its format's invalid-sample value), read and prepared
/// as `convert` and `predict` do: MIT-BIH record 100 with 2 s of lead MLII set to format 212's invalid
/// value (−2048), beside the record as it is.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data")) struct InvalidSamplesTests {
    /// The gap's frames in record 100 (360 Hz): 2 s from frame 100,000.
    static let gap = 100_000..<100_720

    /// Digital values as wfdb-python's `d_signal` gives them (in int32, where wfdb's default is int64; the sentinel kept); for the stages, float64 with
    /// NaN exactly where the physical read (checked against wfdb-python elsewhere) has NaN, the other values unchanged.
    @Test func theStagesReadInvalidSamplesAsNaN() throws {
        let folder = temporaryDirectory("invalid-samples-read")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let record = try Self.recordWithGap(in: folder)
        let plain = try WFDBReader().read(record).tensor
        let marked = try WFDBReader(options: .forStages).read(record).tensor
        let physical = try WFDBReader(options: ReadOptions(physical: true)).read(record).tensor.doubleValues()
        #expect(plain.dtype == .int32 && marked.dtype == .float64 && marked.shape == plain.shape)
        let digital = plain.doubleValues(), values = marked.doubleValues()
        #expect(physical.count(where: \.isNaN) == Self.gap.count)
        #expect(digital.enumerated().filter { $0.element == -2048 }.map(\.offset) == Self.gap.map { $0 * 2 })
        for i in values.indices {
            guard physical[i].isNaN == values[i].isNaN, values[i].isNaN || values[i] == digital[i] else {
                Issue.record("value \(i): marked \(values[i]), digital \(digital[i]), physical \(physical[i])")
                return
            }
        }
        // A record without invalid samples stays int32 for the stages too.
        #expect(try WFDBReader(options: .forStages).read(SharedData.path("wfdb/100.hea")).tensor.dtype == .int32)
    }

    /// Through the DS1 recipe's stages (band-pass, resampling, lead z-score, beats with template and RR features):
    /// the beats whose window touches the gap are dropped and counted, no value is NaN, and beats more than 4.5 s
    /// from the gap are the clean record's within 0.005 in their lead (whose mean and deviation lose 2 s of 30 min)
    /// and 0.02 in the record's median beat (taken over 4 windows fewer). Read with
    /// the sentinel as a value, a −2048 swing through the filter rescaled every beat of the record (by 1.5 in the
    /// median) and gave the beats over it values near 28.
    @Test func beatsAwayFromTheGapAreTheCleanRecordsAndThoseOverItAreDropped() async throws {
        let folder = temporaryDirectory("invalid-samples-beats")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let recipe = try Recipe.parse(try SharedData.fixtureRecipe("mitbih-ds1.yaml"), file: "mitbih-ds1.yaml", knownStages: StageFactory.names)
        let pipeline = try Converter(recipe: recipe, pseudonyms: testPseudonyms).pipeline
        func beats(_ path: String) throws -> (beats: [Int: [Float]], dropped: [String: Int]) {
            let output = try pipeline.run(Sample(record: try WFDBReader(options: .forStages).read(path)))
            var beats: [Int: [Float]] = [:]
            for beat in output.samples {
                guard case .int(let peak)? = beat.metadata["r_peak"] else { continue }
                beats[peak] = beat.tensor.floatValues()
            }
            return (beats, output.dropped)
        }
        let clean = try beats(SharedData.path("wfdb/100.hea"))
        let gapped = try beats(try Self.recordWithGap(in: folder))
        // The recipe resamples 360 Hz to 180 Hz and cuts 45 samples before the R peak and 81 after it.
        let gap = (Self.gap.lowerBound / 2)..<(Self.gap.upperBound / 2)
        let touching = clean.beats.keys.filter { $0 - 45 < gap.upperBound && $0 + 81 > gap.lowerBound }
        #expect(touching.count == 4, "\(touching.sorted())")
        #expect(gapped.dropped["beats: \(InvalidSamples.dropReason)"] == touching.count, "\(gapped.dropped)")
        #expect(Set(clean.beats.keys).subtracting(gapped.beats.keys) == Set(touching))
        #expect(gapped.beats.count == clean.beats.count - touching.count)
        var far = 0
        for (peak, values) in gapped.beats {
            #expect(!values.contains { $0.isNaN }, "beat at \(peak) holds NaN")
            guard abs(peak - gap.lowerBound) > 810, abs(peak - gap.upperBound) > 810, let cleanValues = clean.beats[peak] else { continue }
            far += 1
            // Rows of 7 channels: the lead, the record's median beat (over 4 windows fewer), 5 RR ratios.
            let differences = zip(values, cleanValues).map { abs($0 - $1) }
            let lead = stride(from: 0, to: differences.count, by: 7).map { differences[$0] }.max() ?? 0
            guard lead < 0.005, differences.max() ?? 0 < 0.02 else {
                Issue.record("beat at \(peak) differs by \(lead) in its lead, \(differences.max() ?? 0) in all")
                return
            }
        }
        #expect(far > 2_200)
    }

    /// `convert` (lead MLII alone, which warns of the NaN it keeps) then `export --format wfdb`: the gap is written
    /// invalid again, so the exported record reads NaN exactly there, and the other values as the record's own.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe (swift build --build-tests)"))
    func exportWritesThemInvalidAgain() throws {
        let folder = temporaryDirectory("invalid-samples-export")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let record = try Self.recordWithGap(in: folder)
        try """
            name: lead-off
            sources:
              - { path: 100.hea, format: wfdb, label: annotations }
            stages:
              - leads: { names: [MLII] }
            split: { all: train }
            """.write(toFile: folder + "/recipe.yaml", atomically: true, encoding: .utf8)
        let environment = ["MEDPIPE_KEY": folder + "/project.key"]
        let convert = try SharedData.runMedpipe(["convert", folder + "/recipe.yaml", "--cache", folder + "/cache"], environment: environment)
        try #require(convert.status == 0, "\(convert.error)")
        // The lead keeps its gap (nothing here cuts beats): said when it is converted, not first when training fails.
        #expect((convert.output + convert.error).contains("100.hea: 1 of 1 sample holds NaN or infinite values (the first: sample 1); training and evaluation refuse them"),
                "\(convert.output)\(convert.error)")
        let export = try SharedData.runMedpipe(["export", "--cache", folder + "/cache", "--format", "wfdb", "--out", folder + "/export"], environment: environment)
        try #require(export.status == 0, "\(export.error)")
        let exported = try WFDBReader(options: ReadOptions(physical: true)).read(folder + "/export/train/train_00001.hea").tensor.doubleValues()
        let original = try WFDBReader(options: ReadOptions(physical: true)).read(record).tensor.doubleValues()
        #expect(exported.count == original.count / 2)
        #expect(exported.indices.filter { exported[$0].isNaN } == Array(Self.gap))
        let largest = exported.indices.filter { !exported[$0].isNaN }.map { abs(exported[$0] - original[2 * $0]) }.max() ?? .infinity
        #expect(largest < 1e-4, "largest difference \(largest) mV")
    }

    /// Rows with missing values that an `impute` fills when the cache is read were said to be refused by training, with the
    /// advice to put `replace-nonfinite` first, which would have filled them with 0 before `impute` saw them. Only the values
    /// no stage fills are counted: the Cleveland table's 4 rows missing `ca` and 2 missing `thal`.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe (swift build --build-tests)"),
          arguments: [("  - impute: {}\n", nil), ("  - impute: { columns: [ca] }\n", "2 of 303 samples"), ("", "6 of 303 samples")])
    func valuesAnImputeFillsAreNotCalledRefused(_ impute: String, _ warned: String?) throws {
        let folder = temporaryDirectory("impute-warning")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let heart = try SharedData.fixtureRecipe("heart.yaml")
        try #require(heart.contains("  drop-incomplete-rows: true\n") && heart.contains("stages:\n  - standardize: {}\n"))
        try heart.replacingOccurrences(of: "  drop-incomplete-rows: true\n", with: "")
            .replacingOccurrences(of: "stages:\n", with: "stages:\n" + impute)
            .write(toFile: folder + "/heart.yaml", atomically: true, encoding: .utf8)
        let convert = try SharedData.runMedpipe(["convert", folder + "/heart.yaml", "--cache", folder + "/cache"], environment: ["MEDPIPE_KEY": folder + "/project.key"])
        try #require(convert.status == 0, "\(convert.error)")
        let said = convert.output + convert.error
        if let warned {
            #expect(said.contains("processed.cleveland.data: \(warned) hold NaN or infinite values"), "\(said)")
        } else {
            #expect(!said.contains("NaN"), "\(said)")
        }
    }

    /// `predict`'s preparation of a raw input: a lead with its gap left in (no `beats` to drop it) prepares to NaN there,
    /// which `predict` refuses (PredictHostileInputTests); cut into beats, the record prepares to finite beats only.
    @Test func predictPreparesBeatsWithoutThem() throws {
        let folder = temporaryDirectory("invalid-samples-predict")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let record = try Self.recordWithGap(in: folder)
        let lead = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["MLII"]))]), fitted: FittedPipeline(entries: []))
        var invalid = 0
        _ = try lead.prepare(record) { prepared in invalid += prepared.map { $0.values.count { $0.isNaN } }.reduce(0, +) }
        #expect(invalid == Self.gap.count)
        let beats = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["MLII"])), .beats(try BeatSegmentation(before: 90, after: 162))]),
                                  fitted: FittedPipeline(entries: []))
        var count = 0, nonFinite = 0
        _ = try beats.prepare(record) { prepared in
            count += prepared.count
            nonFinite += prepared.count { $0.values.contains { !$0.isFinite } }
        }
        #expect(count > 2_200 && nonFinite == 0)
    }

    /// Record 100 (`100.hea`, `100.atr`) copied into `folder` with lead MLII at format 212's invalid value over
    /// ``gap``; returns its header's path. Format 212 packs a frame's two 12-bit samples into 3 bytes: MLII in the
    /// first byte and the low half of the second.
    static func recordWithGap(in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for suffix in ["hea", "atr"] {
            try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100." + suffix), toPath: folder + "/100." + suffix)
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path("wfdb/100.dat"))))
        for frame in gap {
            bytes[3 * frame] = 0x00
            bytes[3 * frame + 1] = (bytes[3 * frame + 1] & 0xF0) | 0x08
        }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/100.dat"))
        return folder + "/100.hea"
    }
}
