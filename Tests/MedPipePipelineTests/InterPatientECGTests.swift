import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// Writes `text` as `recipe.yaml` in `directory` and loads it.
private func writeRecipe(_ text: String, in directory: String) throws -> Recipe {
    let path = directory + "/recipe.yaml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path, knownStages: StageFactory.names)
}

/// Two DS1 records (two patients) as the DS1 recipe prepares them, with the given split and `train:` section.
private func twoRecords(split: String, train: String = "") -> String {
    """
    name: two-records
    sources:
      - path: [\(SharedData.path("wfdb/mitdb/106.hea")), \(SharedData.path("wfdb/mitdb/119.hea"))]
        format: wfdb
        label: annotations
    stages:
    \(MITBIHPreparation.stages)
      - beats: { before: 45, after: 81, labels: aami, rr: true }
      - keep-labels: { labels: [N, V] }
    split: \(split)
    balance: class-weights
    \(train)
    """
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct InterPatientECGTests {
    /// convert → `medpipe train` with no flag but the cache and output (the recipe's `train:` decides) →
    /// `medpipe evaluate` on the other patient, with AAMI statistics; the same seed gives the same file.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the medpipe binary (swift build)"))
    func twoRecordsConvertTrainAndEvaluate() async throws {
        let directory = temporaryDirectory("ecg-two-records")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recipe = try writeRecipe(twoRecords(split: "{ by: patient, ratios: { train: 0.5, val: 0.5 }, seed: 1 }",
                                                train: "train: { model: ecg-cnn, epochs: 2, batch: 32, lr: 0.001, monitor: val_balanced_accuracy, seed: 5 }"),
                                     in: directory)
        #expect(recipe.train == TrainSpec(model: "ecg-cnn", epochs: 2, batch: 32, learningRate: 0.001, monitor: .validationBalancedAccuracy, seed: 5))
        let cache = directory + "/cache"
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(summary.splitIssues.isEmpty)
        let dataset = try CacheDataset(directory: cache)
        #expect(dataset.sampleShape == [6, 126] && dataset.classNames == ["N", "V"])
        // One patient per split, and each patient's beats all in one.
        let entries = try dataset.cache.entries()
        let splitsByGroup = Dictionary(grouping: entries, by: \.group).mapValues { Set($0.map(\.split)) }
        #expect(splitsByGroup.count == 2 && Set(splitsByGroup.values) == [["train"], ["val"]])
        #expect(entries.count > 3900, "106 and 119 hold 4,014 N and V beats; \(entries.count) kept")

        var outputs: [Data] = []
        for run in 0..<2 {
            let model = directory + "/model\(run).safetensors"
            let trained = try SharedData.runMedpipe(["train", "--cache", cache, "--out", model, "--threads", "2"])
            #expect(trained.status == 0, "\(trained.error)")
            #expect(trained.output.contains("training ecg-cnn on"), "\(trained.output)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: model)))
        }
        #expect(outputs[0] == outputs[1], "the same recipe and seed must give the same model")
        let evaluated = try SharedData.runMedpipe(["evaluate", "--model", directory + "/model0.safetensors", "--cache", cache, "--split", "val", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let report = try JSONDecoder().decode(ClassificationReport.self, from: Data(evaluated.output.utf8))
        #expect(report.samples == entries.filter { $0.split == "val" }.count)
        let v = try #require(report.perClass.first { $0.name == "V" })
        print("two records, 2 epochs, the other patient's beats: balanced accuracy \(report.balancedAccuracy), V Se \(v.recall) +P \(v.precision)")
        #expect(report.balancedAccuracy > 0.6, "balanced accuracy on the unseen patient \(report.balancedAccuracy)")
        let text = try SharedData.runMedpipe(["evaluate", "--model", directory + "/model0.safetensors", "--cache", cache, "--split", "val"])
        #expect(text.output.contains("AAMI gross statistics") && text.output.contains(String(format: "%7.4f %7.4f", v.recall, v.precision)), "\(text.output)")
        // The model carries its preprocessing: predicting the raw records gives, beat for beat, the classes
        // that evaluating the cache's train and val splits gives (column sums of the confusion matrices).
        let csv = directory + "/predictions.csv"
        let predicted = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", "--out", csv,
                                                   SharedData.path("wfdb/mitdb/106.hea"), SharedData.path("wfdb/mitdb/119.hea")])
        #expect(predicted.status == 0, "\(predicted.error)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == entries.count)
        #expect(!predicted.error.contains("warning"), "\(predicted.error)")
        // What the reader tolerates in a raw input is said on standard error, naming the input: here a blank line
        // in a copy of record 119's header.
        for ext in ["dat", "atr"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/mitdb/119.\(ext)"), toPath: directory + "/119.\(ext)") }
        var header = try String(contentsOfFile: SharedData.path("wfdb/mitdb/119.hea"), encoding: .utf8).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)   // PhysioNet's lines end in CR LF
        header.insert("", at: 1)
        try header.joined(separator: "\n").write(toFile: directory + "/119.hea", atomically: true, encoding: .utf8)
        let quirky = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", directory + "/119.hea"])
        #expect(quirky.status == 0, "\(quirky.error)")
        #expect(quirky.error.contains("medpipe: warning: \(directory)/119.hea: blank line before line 3 ignored"), "\(quirky.error)")
        // Without its annotation file, the record's R peaks are detected, with a warning: nearly the same beats,
        // nearly all given the classes they were given at the annotated peaks.
        try FileManager.default.removeItem(atPath: directory + "/119.atr")
        let unannotated = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", "--out", directory + "/detected.csv", directory + "/119.hea"])
        #expect(unannotated.status == 0, "\(unannotated.error)")
        #expect(unannotated.error.contains("medpipe: warning: \(directory)/119.hea: the record has no beat annotations: its R peaks were detected"), "\(unannotated.error)")
        let detectedRows = try String(contentsOfFile: directory + "/detected.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let annotatedRows = rows.filter { $0[0] == SharedData.path("wfdb/mitdb/119.hea") }
        #expect(abs(detectedRows.count - annotatedRows.count) <= annotatedRows.count / 100, "\(detectedRows.count) beats detected, \(annotatedRows.count) annotated")
        #expect(detectedRows.allSatisfy { $0[4].isEmpty })
        // R peaks are told in seconds: 119's V beat at its sample 503 (360 Hz) is at 1.397 s, within one sample of the
        // model's 180 Hz signal (a sample number would count at 180 Hz, not the record's rate).
        #expect(annotatedRows.contains { abs(Double($0[3])! - 503.0 / 360) <= 1.0 / 180 && $0[4] == "V" }, "\(annotatedRows.prefix(3))")
        let annotatedBeats = annotatedRows.map { (time: Double($0[3])!, predicted: $0[5]) }
        var agreeing = 0
        for row in detectedRows {
            let time = Double(row[3])!
            let near = annotatedBeats.filter { abs($0.time - time) <= 0.15 }.min { abs($0.time - time) < abs($1.time - time) }
            if let near, near.predicted == row[5] { agreeing += 1 }
        }
        #expect(Double(agreeing) >= 0.97 * Double(annotatedRows.count), "\(agreeing) of \(annotatedRows.count) beats given the same class")
        // A record whose lead is named otherwise (a 12-lead ECG's "ii") is refused naming its leads, and predicted
        // as the same beats when the lead is renamed for the model.
        let renamedDirectory = directory + "/renamed"
        try FileManager.default.createDirectory(atPath: renamedDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory + "/119.dat", toPath: renamedDirectory + "/119.dat")
        try header.joined(separator: "\n").replacingOccurrences(of: " MLII", with: " ii").write(toFile: renamedDirectory + "/119.hea", atomically: true, encoding: .utf8)
        let unnamed = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", renamedDirectory + "/119.hea"])
        #expect(unnamed.status == 1 && unnamed.error.contains("no lead named MLII (the record has ii, V1)"), "\(unnamed.error)")
        let renamed = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", "--rename-lead", "ii=MLII",
                                                 "--out", renamedDirectory + "/detected.csv", renamedDirectory + "/119.hea"])
        #expect(renamed.status == 0, "\(renamed.error)")
        let renamedRows = try String(contentsOfFile: renamedDirectory + "/detected.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst() }
        #expect(renamedRows == detectedRows.map { $0.dropFirst() })
        // A record too short for one beat's window is said to give nothing: the run printed nothing and exited 0.
        try header.joined(separator: "\n").replacingOccurrences(of: "119 2 360 650000", with: "119 2 360 400").replacingOccurrences(of: " MLII", with: " ii").write(toFile: renamedDirectory + "/119.hea", atomically: true, encoding: .utf8)
        let short = try SharedData.runMedpipe(["predict", "--model", directory + "/model0.safetensors", "--rename-lead", "ii=MLII", renamedDirectory + "/119.hea"])
        #expect(short.status == 1 && short.error.hasSuffix("medpipe: error: \(renamedDirectory)/119.hea: gives no sample to predict: the model's stages kept nothing of it\n"), "\(short.error)")
        // The other patient's beats cut at detected R peaks (with their annotated classes) are a cache the model is
        // judged on: where the peaks come from is not how the beats are prepared.
        let detectedRecipe = try writeRecipe(twoRecords(split: "{ all: test }")
            .replacingOccurrences(of: "rr: true }", with: "rr: true, peaks: detect }")
            .replacingOccurrences(of: "\(SharedData.path("wfdb/mitdb/106.hea")), ", with: ""), in: directory)
        _ = try await Converter(recipe: detectedRecipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/detected", fitFrom: cache))
        let judged = try SharedData.runMedpipe(["evaluate", "--model", directory + "/model0.safetensors", "--cache", directory + "/detected", "--split", "test", "--json"])
        #expect(judged.status == 0, "\(judged.error)")
        let onDetected = try JSONDecoder().decode(ClassificationReport.self, from: Data(judged.output.utf8))
        #expect(abs(onDetected.samples - annotatedRows.count) <= annotatedRows.count / 100, "\(onDetected.samples) beats judged, \(annotatedRows.count) annotated")
        // A recipe of it alone (peaks read from annotations) caches nothing, saying why (not that a split of nothing fails).
        let alone = try writeRecipe(twoRecords(split: "{ by: patient, ratios: { train: 0.5, val: 0.5 }, seed: 1 }")
            .replacingOccurrences(of: "[\(SharedData.path("wfdb/mitdb/106.hea")), \(SharedData.path("wfdb/mitdb/119.hea"))]", with: directory + "/119.hea"), in: directory)
        let error = await #expect(throws: MedPipeError.self) {
            try await Converter(recipe: alone, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/alone"))
        }
        #expect(error?.message.hasPrefix("gives no sample to cache: its source was rejected (\(directory)/119.hea: beats: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains("the record has no beat annotations") == true)
        let trainReport = try JSONDecoder().decode(ClassificationReport.self, from: Data(try SharedData.runMedpipe(
            ["evaluate", "--model", directory + "/model0.safetensors", "--cache", cache, "--split", "train", "--json"]).output.utf8))
        for (k, name) in ["N", "V"].enumerated() {
            let fromCache = (report.confusionMatrix + trainReport.confusionMatrix).map { $0[k] }.reduce(0, +)
            #expect(rows.filter { $0[5] == name }.count == fromCache, "beats predicted \(name)")
        }
        // A flag overrides the recipe: a bad value fails in the parser, naming the values.
        let bad = try SharedData.runMedpipe(["train", "--cache", cache, "--out", directory + "/x.safetensors", "--optimizer", "adamw"])
        #expect(bad.status != 0 && bad.error.contains("adam") && bad.error.contains("sgd"), "\(bad.error)")
    }

    /// `train: { ensemble: 2, seed: 5 }`: one file holding the networks that seeds 5 and 6 train alone, and
    /// `predict` gives each beat the mean of their probabilities; a bad count is refused with the line.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the medpipe binary (swift build)"))
    func ensembleHoldsTheSeedsNetworksAndAveragesThem() async throws {
        let directory = temporaryDirectory("ecg-ensemble")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: MedPipeError.self) { try writeRecipe(twoRecords(split: "{ by: patient, ratios: { train: 0.5, val: 0.5 }, seed: 1 }",
                                                                         train: "train: { model: ecg-beat-cnn, ensemble: 0 }"), in: directory) }
        let recipe = try writeRecipe(twoRecords(split: "{ by: patient, ratios: { train: 0.5, val: 0.5 }, seed: 1 }",
                                                train: "train: { model: ecg-beat-cnn, epochs: 1, monitor: val_balanced_accuracy, seed: 5, ensemble: 2 }"),
                                     in: directory)
        #expect(recipe.train.ensemble == 2)
        let cache = directory + "/cache"
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        func train(_ name: String, _ flags: [String]) throws -> String {
            let path = "\(directory)/\(name).safetensors"
            let run = try SharedData.runMedpipe(["train", "--cache", cache, "--out", path, "--threads", "2"] + flags)
            #expect(run.status == 0, "\(run.error)")
            return path
        }
        let ensemble = try train("ensemble", []), seed5 = try train("seed5", ["--ensemble", "1"]), seed6 = try train("seed6", ["--ensemble", "1", "--seed", "6"])
        let members = try Checkpoint.read(ensemble).ensemble.members
        #expect(members.count == 2)
        #expect(members[0].stateDict().map(\.tensor) == (try Checkpoint.read(seed5).model.stateDict().map(\.tensor)))
        #expect(members[1].stateDict().map(\.tensor) == (try Checkpoint.read(seed6).model.stateDict().map(\.tensor)))
        #expect(members[0].stateDict().map(\.tensor) != members[1].stateDict().map(\.tensor))

        func probabilities(_ model: String) throws -> [[Double]] {
            let csv = model + ".csv"
            let run = try SharedData.runMedpipe(["predict", "--model", model, "--out", csv, SharedData.path("wfdb/mitdb/119.hea")])
            #expect(run.status == 0, "\(run.error)")
            return try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",").suffix(2).map { Double($0)! } }
        }
        let (both, five, six) = (try probabilities(ensemble), try probabilities(seed5), try probabilities(seed6))
        #expect(both.count > 1900 && both.count == five.count && both.count == six.count)
        let diff: Double = both.indices.map { (i: Int) -> Double in
            (0..<2).map { (c: Int) -> Double in abs(both[i][c] - (five[i][c] + six[i][c]) / 2) }.max()!
        }.max()!
        #expect(diff < 2e-6, "max |p(ensemble) − mean p(members)| = \(diff)")
        let evaluated = try SharedData.runMedpipe(["evaluate", "--model", ensemble, "--cache", cache, "--split", "val"])
        #expect(evaluated.status == 0 && evaluated.output.contains("AAMI gross statistics"), "\(evaluated.output)")
        let inspected = try SharedData.runMedpipe(["inspect", ensemble])
        #expect(inspected.output.contains("ensemble: 2 networks"), "\(inspected.output)")
        let explained = try SharedData.runMedpipe(["gradcam", "--model", ensemble, "--cache", cache, "--out", directory + "/cam"])
        #expect(explained.status != 0 && explained.error.contains("ensemble of 2 networks"), "\(explained.error)")
    }

    @Test func beatLevelSplitWarnsAndAllPutsEverySampleInOneSplit() async throws {
        let directory = temporaryDirectory("ecg-splits")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let byBeat = try writeRecipe(twoRecords(split: "{ by: beat, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }"), in: directory)
        let summary = try await Converter(recipe: byBeat, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/beat"))
        #expect(summary.splitIssues.first == SplitSpec.sampleLevelWarning)
        let entries = try DatasetCache(directory: directory + "/beat").entries()
        #expect(Set(entries.map(\.group)).count == 2)
        #expect(Dictionary(grouping: entries, by: \.group).values.allSatisfy { Set($0.map(\.split)) == ["train", "val", "test"] },
                "a beat-level split puts each patient in every split")
        let dataset = try CacheDataset(directory: directory + "/beat")
        let balanced = try #require(try dataset.classWeights(.recipe)), mild = try #require(try dataset.classWeights(.recipe, power: 0.5))
        let train = entries.filter { $0.split == "train" }, vCount = Float(train.filter { $0.label == "V" }.count)
        #expect(abs(balanced[1] - Float(train.count) / (2 * vCount)) < 1e-4, "scikit-learn's balanced weight of V")
        #expect(zip(balanced, mild).allSatisfy { abs($0.squareRoot() - $1) < 1e-6 })
        let test = Double(entries.filter { $0.split == "test" }.count) / Double(entries.count)
        #expect(abs(test - 0.2) < 0.01)

        let all = try writeRecipe(twoRecords(split: "{ all: test }"), in: directory)
        _ = try await Converter(recipe: all, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/all"))
        let allEntries = try DatasetCache(directory: directory + "/all").entries()
        #expect(allEntries.count == entries.count && allEntries.allSatisfy { $0.split == "test" })
        #expect(throws: MedPipeError.self) { try writeRecipe(twoRecords(split: "{ all: test, by: patient }"), in: directory) }

        // Such a cache is to evaluate on: training on it, or evaluating a split it does not have, is refused in
        // one line naming the cache and what its splits hold (training said "training: the training split is
        // empty", after announcing a run on 0 samples).
        guard SharedData.medpipeBinary != nil else { return }
        let held = "(train 0, val 0, test \(entries.count))"
        let trained = try SharedData.runMedpipe(["train", "--cache", directory + "/all", "--model", "ecg-beat-cnn", "--out", directory + "/m.safetensors"])
        #expect(trained.status == 1 && trained.output.isEmpty, "\(trained.output)")
        #expect(trained.error.hasPrefix("medpipe: error: \(directory)/all: has no training samples (val 0, test \(entries.count))"), "\(trained.error)")
        let evaluated = try SharedData.runMedpipe(["evaluate", "--cache", directory + "/all", "--model", directory + "/m.safetensors", "--split", "val"])
        #expect(evaluated.status == 1)
        #expect(evaluated.error.hasPrefix("medpipe: error: \(directory)/all: has no samples in its val split \(held)"), "\(evaluated.error)")
    }

    /// Augmentation changes a beat's waveform and leaves its 5 RR channels as they are: an RR ratio
    /// scaled, shifted or made noisy like a voltage would be a wrong sample.
    @Test func augmentationLeavesTheRRChannelsAlone() async throws {
        let directory = temporaryDirectory("ecg-augment")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recipe = try writeRecipe(twoRecords(split: "{ by: patient, ratios: { train: 0.5, val: 0.5 }, seed: 1 }"), in: directory)
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/cache"))
        let dataset = try CacheDataset(directory: directory + "/cache")
        #expect(dataset.sampleShape == [6, 126] && dataset.rhythmChannels == 5)
        func firstBatch(_ augmentation: Augmentation?) throws -> [Float] {
            var batches = try dataset.batchSource(seed: 3, augmentation: augmentation).batches(.train, batchSize: 16, epoch: 0, seed: 3)
            return try #require(try batches.next()).inputs
        }
        let plain = try firstBatch(nil)
        let doubled = try firstBatch(Augmentation([.amplitudeScale(scales: [2, 2], prob: 1)]))
        let noisy = try firstBatch(Augmentation([.gaussianNoise(mean: 0, std: 0.5, prob: 1), .baselineWander(amplitude: 1, period: [50, 100], prob: 1),
                                                 .timeShift(maxShift: 10, prob: 1)]))
        let sampleSize = 6 * 126, lead = 0..<126, rhythm = 126..<sampleSize
        for k in 0..<16 {
            let at = k * sampleSize
            #expect(lead.allSatisfy { doubled[at + $0] == 2 * plain[at + $0] }, "the lead is scaled")
            #expect(rhythm.allSatisfy { doubled[at + $0] == plain[at + $0] && noisy[at + $0] == plain[at + $0] }, "the RR ratios are kept")
            #expect(lead.contains { noisy[at + $0] != plain[at + $0] })
        }
    }

    /// The heart recipe (standardize is fitted) converted for "new patients" into one test split: its
    /// statistics come from the training cache; a cache made by other stages is refused.
    @Test func fitFromTakesTheStatisticsOfTheSameStagesOnly() async throws {
        let directory = temporaryDirectory("fit-from")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let heart = try Recipe.load(SharedData.fixture("recipes/heart.yaml"), knownStages: StageFactory.names)
        _ = try await Converter(recipe: heart, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/train"))
        let newPatients = try SharedData.fixtureRecipe("heart.yaml")
            .replacingOccurrences(of: "split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }", with: "split: { all: test }")
        try #require(newPatients.contains("all: test"))
        let recipe = try writeRecipe(newPatients, in: directory)

        await #expect(throws: MedPipeError.self) {   // nothing to fit on, and no --fit-from
            _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: directory + "/unfitted"))
        }
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms)
            .run(ConvertOptions(cache: directory + "/test", fitFrom: directory + "/train"))
        let trained = try DatasetCache(directory: directory + "/train"), converted = try DatasetCache(directory: directory + "/test")
        #expect(try converted.meta("fitted") == (try trained.meta("fitted")))
        #expect(try converted.entries().allSatisfy { $0.split == "test" })
        // The same row standardized alike through both caches.
        let a = try CacheDataset(directory: directory + "/train"), b = try CacheDataset(directory: directory + "/test")
        let first = try #require(try a.cache.entries().first)
        let same = try #require(try b.cache.entries().first { $0.sha256 == first.sha256 })
        #expect(try a.input(first) == (try b.input(same)))

        let otherStages = try writeRecipe(newPatients.replacingOccurrences(of: "  - standardize: {}", with: "  - impute: { strategy: mean }\n  - standardize: {}"), in: directory)
        do {
            _ = try await Converter(recipe: otherStages, pseudonyms: testPseudonyms)
                .run(ConvertOptions(cache: directory + "/other", fitFrom: directory + "/train"))
            Issue.record("a cache made by other stages was accepted")
        } catch let error as MedPipeError {
            #expect(error.subject == directory + "/train")
            #expect(error.message.contains("was made by other stages") && error.message.contains("impute"), "\(error.message)")
        }
    }

    /// The shipped DS1 recipe: 22 records, split by patient into train and val only, its beats in
    /// de Chazal et al.'s DS1 counts (N 45,866, S 944, V 3,788, F 415, less the beats too near a record's ends).
    @Test func ds1RecipeGivesDeChazalsBeatsSplitByPatient() async throws {
        let recipe = try Recipe.load(SharedData.fixture("recipes/mitbih-ds1.yaml"), knownStages: StageFactory.names)
        #expect(recipe.sources.flatMap(\.paths).count == 22)
        #expect(recipe.train == TrainSpec(model: "ecg-beat-cnn", epochs: 8, batch: 64, optimizer: .adam, learningRate: 0.001, weightDecay: 0.001,
                                          schedule: .cosine, classWeightPower: 1, monitor: .validationAAMIMeanSensitivity, seed: 1, ensemble: 3))
        let cache = temporaryDirectory("ds1")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache, jobs: 2))
        #expect(summary.rejected.isEmpty && summary.splitIssues.isEmpty, "\(summary.splitIssues)")
        let entries = try DatasetCache(directory: cache).entries()
        let counts = Dictionary(grouping: entries, by: { $0.label ?? "" }).mapValues(\.count)
        #expect(counts["S"] == 944 && counts["V"] == 3788)
        #expect((45_840...45_866).contains(counts["N"] ?? 0) && (410...415).contains(counts["F"] ?? 0), "\(counts)")
        #expect(Set(entries.map(\.split)) == ["train", "val"])
        #expect(Dictionary(grouping: entries, by: \.group).count == 22)
        #expect(Dictionary(grouping: entries, by: \.group).values.allSatisfy { Set($0.map(\.split)).count == 1 })
        #expect(try CacheDataset(directory: cache).sampleShape == [7, 126])
    }
}
