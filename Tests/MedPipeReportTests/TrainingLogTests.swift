import Foundation
import Testing
import MedPipeCore
@testable import MedPipeTrain
import TestSupport
@testable import MedPipeReport

/// `report --metrics` showed the last run of the file whatever model it was given: the epochs of another training
/// (a metrics file several trainings appended to, or another training's file) beside the model's evaluation. A
/// network now carries the digest of its training's epochs, and the report shows that training's, or refuses.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe binary"))
struct TrainingLogTests {
    /// The epoch a training diverged at has a loss that is not finite: its metrics line was empty (JSON has no NaN), so
    /// the file lacked the epoch that stopped the training. It reads back now, and so does its digest.
    @Test func anEpochThatDivergedIsWrittenAndReadBack() throws {
        let diverged = EpochMetrics(epoch: 3, learningRate: 0.1, loss: .nan, accuracy: 0.5, balancedAccuracy: 0.5, valLoss: .infinity,
                                    samplesPerSecond: 100, seconds: 1, best: false)
        #expect(diverged.jsonLine.contains(#""loss":"nan""#) && diverged.jsonLine.contains(#""val_loss":"inf""#), "\(diverged.jsonLine)")
        let path = temporaryDirectory("training-log-nan") + "/m.jsonl"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        try (diverged.jsonLine + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let log = try TrainingLog(path: path, model: ("m", EpochMetrics.curveDigest([diverged])))
        #expect(log.epochs.count == 1 && log.epochs[0].loss.isNaN && log.epochs[0].valLoss == .infinity)
    }

    @Test func theReportShowsTheEpochsOfTheTrainingThatWroteTheModel() throws {
        let work = temporaryDirectory("training-log")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (cache, _) = try HeartModel.train(in: work)
        let metrics = work + "/appended.jsonl"
        func train(_ name: String, _ arguments: [String], metrics log: String? = metrics) throws -> (path: String, curve: String) {
            let path = work + "/" + name
            let run = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--out", path] + arguments + (log.map { ["--metrics", $0] } ?? []))
            try #require(run.status == 0, "\(run.error)")
            return (path, try #require(try Checkpoint.read(path).extra[EpochMetrics.curveMetadataKey]))
        }
        let two = try train("two.safetensors", ["--epochs", "2", "--seed", "1"])
        let pair = try train("pair.safetensors", ["--epochs", "2", "--seed", "5", "--ensemble", "2"])
        let three = try train("three.safetensors", ["--epochs", "3", "--seed", "2"])
        let elsewhere = try train("elsewhere.safetensors", ["--epochs", "2", "--seed", "3"], metrics: work + "/other.jsonl")

        // The file's runs: 2 epochs, 2 networks of 2, then 3 epochs; each model finds its own.
        #expect(try TrainingLog(path: metrics).epochs.count == 3)
        let first = try TrainingLog(path: metrics, model: two)
        #expect(first.epochs.map(\.epoch) == [0, 1] && first.runs == 4 && first.found?.networks == 1)
        let ensemble = try TrainingLog(path: metrics, model: pair)
        #expect(ensemble.epochs.map(\.epoch) == [0, 1] && ensemble.found?.networks == 2)
        // The digest is of the file's own values: the first run's first epoch differs from the ensemble's last network's.
        #expect(ensemble.epochs.first?.loss != first.epochs.first?.loss)
        #expect(try TrainingLog(path: metrics, model: three).epochs.map(\.epoch) == [0, 1, 2])
        #expect(throws: MedPipeError.invalidArgument(metrics, "holds no epoch of the training that wrote \(elsewhere.path) (4 runs of other trainings): give the --metrics file of that training")) {
            _ = try TrainingLog(path: metrics, model: elsewhere)
        }
        let refused = try SharedData.runMedpipe(["report", "--cache", cache, "--model", elsewhere.path, "--metrics", metrics, "--out", work + "/r.html"])
        #expect(refused.status == 1 && refused.error.contains("holds no epoch of the training that wrote \(elsewhere.path)"), "\(refused.error)")
        let page = try SharedData.runMedpipe(["report", "--cache", cache, "--model", two.path, "--metrics", metrics, "--out", work + "/r.html"])
        try #require(page.status == 0, "\(page.error)")
        #expect(try String(contentsOfFile: work + "/r.html", encoding: .utf8).contains("holds 4 runs (appended); this shows the training that wrote \(two.path)."))
    }
}
