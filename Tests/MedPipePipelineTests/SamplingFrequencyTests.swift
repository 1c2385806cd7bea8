import Foundation
import Testing
import TestSupport

/// A model trained on signals at one sampling frequency, without `resample-signal`, given a record sampled otherwise:
/// its stages cut beats of other durations, and `predict` gave them classes without a word. The checkpoint now keeps
/// the frequency of its prepared training signals, and `predict` refuses a record prepared at another; `convert` warns
/// of a cache whose signals come at several frequencies.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct SamplingFrequencyTests {
    @Test func aRecordAtAnotherFrequencyIsRefused() throws {
        let work = temporaryDirectory("predict-frequency")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Record 100 as it is (360 Hz), and the same samples under a header that says 250 Hz.
        _ = try RecordCopy.make("100", in: work + "/100")
        _ = try RecordCopy.make("100", in: work + "/slow", replacing: "100 2 360 650000", with: "100 2 250 650000")
        try """
            name: beats-at-360
            sources:
              - { path: 100/100.hea, format: wfdb, label: annotations }
            stages:
              - leads: { names: [MLII] }
              - beats: { before: 90, after: 162, labels: aami }
              - lead-zscore: {}
            split: { by: beat, ratios: { train: 0.8, val: 0.2 }, seed: 1 }
            """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let environment = ["MEDPIPE_KEY": work + "/project.key"]
        for arguments in [["convert", work + "/recipe.yaml", "--cache", work + "/cache"],
                          ["train", "--cache", work + "/cache", "--model", "ecg-beat-cnn", "--epochs", "1", "--out", work + "/m.safetensors"]] {
            let run = try SharedData.runMedpipe(arguments, environment: environment)
            try #require(run.status == 0, "\(arguments[0]): \(run.error)")
        }
        // Both records in one cache: said when converted.
        let mixed = try String(contentsOfFile: work + "/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "path: 100/100.hea", with: "path: \"*/100.hea\"")
        try mixed.write(toFile: work + "/mixed.yaml", atomically: true, encoding: .utf8)
        let convert = try SharedData.runMedpipe(["convert", work + "/mixed.yaml", "--cache", work + "/mixed"], environment: environment)
        #expect(convert.status == 0, "\(convert.error)")
        #expect((convert.output + convert.error).contains("warning: \(work)/mixed.yaml: its signals are sampled at 2 frequencies (360 Hz: "),
                "\(convert.output)\(convert.error)")
        let same = try SharedData.runMedpipe(["predict", "--model", work + "/m.safetensors", work + "/100/100.hea"])
        #expect(same.status == 0, "\(same.error)")
        let slow = try SharedData.runMedpipe(["predict", "--model", work + "/m.safetensors", work + "/slow/100.hea"])
        #expect(slow.status != 0)
        #expect(slow.error.contains("\(work)/slow/100.hea: prepares to signals sampled at 250 Hz; the model was trained on signals at 360 Hz"), "\(slow.error)")
    }
}
