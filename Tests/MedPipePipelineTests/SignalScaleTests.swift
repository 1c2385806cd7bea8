import Foundation
import Testing
import TestSupport

/// A model whose stages normalize no record (a `dataset-zscore` fitted on the training split's digital values) given a
/// record whose ADC stores 1,000 units per mV where MIT-BIH stores 200: the same numbers stand for a fifth of the
/// voltage, and `predict` gave them classes without a word. The checkpoint now keeps what its training values stood
/// for where the fitted stages took them, `predict` refuses a record on another scale, and `convert` warns of a cache
/// mixing scales. A recipe that normalizes each record (`lead-zscore`) takes both.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct SignalScaleTests {
    @Test func aRecordOnAnotherScaleIsRefused() throws {
        let work = temporaryDirectory("predict-scale")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Record 100 as it is (200 per mV), and the same samples under a header that says 1,000 per mV for MLII.
        _ = try RecordCopy.make("100", in: work + "/100")
        _ = try RecordCopy.make("100", in: work + "/fine", replacing: "100.dat 212 200 11 1024 995 -22131 0 MLII",
                                with: "100.dat 212 1000 11 1024 995 -22131 0 MLII")
        let recipe = { (stage: String, path: String) in """
            name: beats-in-adc-units
            sources:
              - { path: "\(path)", format: wfdb, label: annotations }
            stages:
              - leads: { names: [MLII] }
              - beats: { before: 90, after: 162, labels: aami }
              - \(stage): {}
            split: { by: beat, ratios: { train: 0.8, val: 0.2 }, seed: 1 }
            """ }
        let environment = ["MEDPIPE_KEY": work + "/project.key"]
        for (name, stage) in [("dataset", "dataset-zscore"), ("record", "lead-zscore")] {
            try recipe(stage, "100/100.hea").write(toFile: work + "/\(name).yaml", atomically: true, encoding: .utf8)
            for arguments in [["convert", work + "/\(name).yaml", "--cache", work + "/\(name)"],
                              ["train", "--cache", work + "/\(name)", "--model", "ecg-beat-cnn", "--epochs", "1", "--out", work + "/\(name).safetensors"]] {
                let run = try SharedData.runMedpipe(arguments, environment: environment)
                try #require(run.status == 0, "\(arguments[0]): \(run.error)")
            }
        }
        let same = try SharedData.runMedpipe(["predict", "--model", work + "/dataset.safetensors", work + "/100/100.hea"])
        #expect(same.status == 0, "\(same.error)")
        let fine = try SharedData.runMedpipe(["predict", "--model", work + "/dataset.safetensors", work + "/fine/100.hea"])
        #expect(fine.status != 0)
        #expect(fine.error.contains("holds values in mV (digital: 1000 per mV, baseline 1024) where the model's training signals held mV (digital: 200 per mV, baseline 1024)"),
                "\(fine.error)")
        // Each record normalized before the cache: nothing to compare, both predicted.
        let normalized = try SharedData.runMedpipe(["predict", "--model", work + "/record.safetensors", work + "/fine/100.hea"])
        #expect(normalized.status == 0, "\(normalized.error)")
        // Both records in one cache, unnormalized: said when converted.
        try recipe("dataset-zscore", "*/100.hea").write(toFile: work + "/mixed.yaml", atomically: true, encoding: .utf8)
        let convert = try SharedData.runMedpipe(["convert", work + "/mixed.yaml", "--cache", work + "/mixed"], environment: environment)
        #expect(convert.status == 0, "\(convert.error)")
        // As many beats of each: by name, then.
        #expect((convert.output + convert.error).contains("warning: \(work)/mixed.yaml: its signals' values are on 2 scales (mV (digital: 1000 per mV, baseline 1024): 2271; mV (digital: 200 per mV, baseline 1024): 2271 samples)"),
                "\(convert.output)\(convert.error)")
    }
}
