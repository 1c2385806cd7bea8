import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees
import TestSupport
@testable import MedPipeReport

/// The report of a real run of the command-line tool on the bundled demo, checked against what the other
/// subcommands say about the same cache and model.
@Suite(.enabled(if: DemoRun.isPossible, "needs the medpipe binary: swift build --build-tests"))
struct ReportTests {
    private func demo() throws -> DemoRun { try DemoRun.shared.get() }

    @Test func datasetFactsAgreeWithCacheInfo() throws {
        let run = try demo()
        let facts = try DatasetFacts(dataset: try CacheDataset(directory: run.cache))
        let info = try SharedData.runMedpipe(["cache", "info", run.cache, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(info.output.utf8)) as? [String: Any])
        #expect(facts.before == json["counts"] as? [String: [String: Int]])
        let entries: Int = facts.before.values.flatMap(\.values).reduce(0, +)
        #expect(entries == 240)
        #expect(facts.classNames == ["left", "right"] && facts.inputShape == [1, 28, 28] && facts.kind == .image)
        // The demo oversamples the training split: as many of each class after the plan, as many in all as the plan holds.
        let after = try #require(facts.after["train"])
        #expect(Set(after.values).count == 1)
        #expect(after.values.reduce(0, +) == (json["plan_sizes"] as? [String: Int])?["train"])
        #expect(facts.after["test"] == facts.before["test"])
        // Each image is its own group, and no group crosses splits.
        #expect(facts.groups == facts.before.mapValues { $0.values.reduce(0, +) })
        #expect(facts.leaks.isEmpty && facts.rejected.isEmpty)
        #expect(facts.name == "demo" && facts.sources.first?.first { $0.key == "format" }?.value == "png-folder")
        #expect(facts.samples.map(\.inputs.count) == [6, 6])
        // Inputs are min-max scaled to [0, 1]; every split's histogram sums to 100%.
        #expect(facts.histogram.edges.first! >= 0 && facts.histogram.edges.last! <= 1.0000001)
        for fractions in facts.histogram.fractions.values {
            let total: Double = fractions.reduce(0, +)
            #expect(abs(total - 1) < 1e-9)
        }
    }

    @Test func evaluationIsWhatEvaluateSaysWithCurvesAndMistakes() throws {
        let run = try demo()
        let evaluation = try Evaluation(model: try TrainedModel(reading: run.model), dataset: try CacheDataset(directory: run.cache), split: .test)
        let cli = try SharedData.runMedpipe(["evaluate", "--model", run.model, "--cache", run.cache, "--split", "test", "--json"])
        let expected = try JSONDecoder().decode(ClassificationReport.self, from: Data(cli.output.utf8))
        #expect(evaluation.report.confusionMatrix == expected.confusionMatrix)
        #expect(abs(evaluation.report.accuracy - expected.accuracy) < 1e-12)
        #expect(abs(evaluation.report.balancedAccuracy - expected.balancedAccuracy) < 1e-12)
        #expect(abs(evaluation.report.rocAUC! - expected.rocAUC!) < 1e-6)
        #expect(abs(evaluation.report.loss! - expected.loss!) < 1e-9)
        // The drawn curve's area is the reported AUC (binary: the second class's curve).
        #expect(abs(evaluation.curves[1]!.area - expected.rocAUC!) < 1e-6)
        // Mistakes: wrong, most confident first, at most eight.
        let wrong = expected.samples - expected.confusionMatrix.indices.reduce(0) { $0 + expected.confusionMatrix[$1][$1] }
        #expect(evaluation.mistakes.count == min(8, wrong))
        #expect(evaluation.mistakes.allSatisfy { $0.trueClass != $0.predictedClass && $0.probability >= 0.5 })
        #expect(zip(evaluation.mistakes, evaluation.mistakes.dropFirst()).allSatisfy { $0.probability >= $1.probability })
    }

    /// The training split is visited in a shuffled order: each mistake must still show its own entry, label and input.
    /// Random images with random labels, a linear model trained one epoch: many mistakes on its training split.
    @Test func mistakesOfTheTrainingSplitAreTheirEntries() throws {
        try ReferencePython.require("numpy")
        let work = temporaryDirectory("report-train-mistakes")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let made = try ReferencePython.run("""
            import numpy as np, sys
            rng = np.random.default_rng(7)
            arrays = {}
            for split in ("train", "val", "test"):
                arrays[split + "_images"] = rng.random((40, 8, 8)).astype(np.float32)
                arrays[split + "_labels"] = rng.integers(0, 2, (40, 1))
            np.savez(sys.argv[1], **arrays)
            """, [work + "/images.npz"])
        try #require(made.status == 0, "\(made.output)")
        try "name: random\nsources:\n  - { path: images.npz, format: npz, label: dataset }\nsplit: { by: given }\n"
            .write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        try "- { type: Flatten }\n- { type: Linear, in_features: 64, out_features: 2 }\n".write(toFile: work + "/linear.yaml", atomically: true, encoding: .utf8)
        let environment = ["MEDPIPE_KEY": work + "/project.key"], cache = work + "/cache", model = work + "/m.safetensors"
        let convert = try SharedData.runMedpipe(["convert", work + "/recipe.yaml", "--cache", cache], environment: environment)
        try #require(convert.status == 0, "\(convert.error)")
        let train = try SharedData.runMedpipe(["train", "--cache", cache, "--model", work + "/linear.yaml", "--epochs", "1", "--out", model], environment: environment)
        try #require(train.status == 0, "\(train.error)")

        let dataset = try CacheDataset(directory: cache)
        let evaluation = try Evaluation(model: try TrainedModel(reading: model), dataset: dataset, split: .train)
        try #require(evaluation.mistakes.count == Evaluation.mistakesShown, "\(evaluation.mistakes.count) mistakes")
        var checkpoint = try Checkpoint.read(model)
        for m in evaluation.mistakes {
            #expect(m.entry.label == evaluation.classNames[m.trueClass])
            #expect(m.input == (try dataset.input(m.entry)))
            let scores = try checkpoint.ensemble.scores(Activation(shape: [1] + evaluation.inputShape, data: m.input), model: model)
            #expect(argmaxRows(scores) == [m.predictedClass])
        }
    }

    /// A tree model (the course's random forest) is evaluated as `medpipe evaluate` evaluates it: the report refused
    /// tree models ("the report evaluates networks").
    @Test func aTreeModelIsEvaluatedAsEvaluateDoes() throws {
        let work = temporaryDirectory("report-tree")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/cache", forest = work + "/forest.json"
        for arguments in [["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"],
                          ["train", "--cache", cache, "--model", "random-forest", "--trees", "20", "--out", forest]] {
            let run = try SharedData.runMedpipe(arguments)
            try #require(run.status == 0, "\(arguments[0]): \(run.error)")
        }
        let dataset = try CacheDataset(directory: cache)
        let evaluation = try Evaluation(model: try TrainedModel(reading: forest), dataset: dataset, split: .test)
        let cli = try SharedData.runMedpipe(["evaluate", "--model", forest, "--cache", cache, "--split", "test", "--json"])
        let expected = try JSONDecoder().decode(ClassificationReport.self, from: Data(cli.output.utf8))
        #expect(evaluation.modelName == "random-forest")
        #expect(evaluation.report.confusionMatrix == expected.confusionMatrix)
        #expect(abs(evaluation.report.accuracy - expected.accuracy) < 1e-12 && abs(evaluation.report.loss! - expected.loss!) < 1e-9)
        #expect(abs(evaluation.report.rocAUC! - expected.rocAUC!) < 1e-6)
        for m in evaluation.mistakes { #expect(m.entry.label == evaluation.classNames[m.trueClass]) }
        let page = try SharedData.runMedpipe(["report", "--model", forest, "--cache", cache, "--out", work + "/report.html"])
        #expect(page.status == 0, "\(page.error)")
        #expect(try String(contentsOfFile: work + "/report.html", encoding: .utf8).contains("Model random-forest (\(forest))"))
    }

    @Test func trainingLogKeepsTheEpochTrainSaysItKept() throws {
        let run = try demo()
        let log = try TrainingLog(path: run.metrics)
        #expect(log.epochs.map(\.epoch) == [0, 1] && log.runs == 1)
        #expect(run.trainOutput.contains("kept epoch \(try #require(log.keptEpoch))"))
        // A file appended by a second run: the report shows the last run and says so.
        let twice = temporaryDirectory("report-log") + "/twice.jsonl"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: twice).deletingLastPathComponent().path) }
        let text = try String(contentsOfFile: run.metrics, encoding: .utf8)
        try (text + text).write(toFile: twice, atomically: true, encoding: .utf8)
        let appended = try TrainingLog(path: twice)
        #expect(appended.runs == 2 && appended.epochs.count == 2)
        try (text + "{\"epoch\": 3}\n").write(toFile: twice, atomically: true, encoding: .utf8)
        #expect { try TrainingLog(path: twice) } throws: { "\($0)".contains("line 3 is not an epoch") }
    }

    @Test func pageHoldsEverySectionWithReadablePicturesAndNoExternalReference() throws {
        let run = try demo()
        let report = try Report(ReportRequest(cache: run.cache, model: run.model, metrics: run.metrics, gradcam: run.gradcam, deidentification: run.deid),
                                charts: try ChartLibrary.installed())
        #expect(report.sections == ["dataset", "training", "evaluation", "gradcam", "deidentification"])
        let html = report.html
        #expect(html.components(separatedBy: "<img ").count - 1 == report.images)
        // 12 samples, 8 or fewer mistakes, 6 Grad-CAM samples × 3 pictures, one colour bar.
        let mistakes = try Evaluation(model: try TrainedModel(reading: run.model), dataset: try CacheDataset(directory: run.cache), split: .test).mistakes.count
        #expect(report.images == 12 + mistakes + 6 * 3 + 1)
        if ChartLibraryTests.debianChartJS != nil {
            #expect(html.components(separatedBy: "<canvas ").count - 1 == report.charts)
            // Balance before and after, histogram, loss, accuracy, AUC, learning rate, ROC.
            #expect(report.charts == 8)
        } else {
            #expect(report.charts == 0 && html.contains("Chart.js, which is not installed here"))
        }
        #expect(ExternalReferences.find(in: html).isEmpty, "\(ExternalReferences.find(in: html).prefix(3))")
        // The Grad-CAM gallery's pictures are at least 192 pixels (28-pixel inputs magnified 7×).
        let gallery = try #require(html.components(separatedBy: "<section id=\"gradcam\">").last?.components(separatedBy: "</section>").first)
        let sizes = gallery.matches(of: /<img src="data:image\/png;base64,[^"]+" width="(\d+)" height="(\d+)"/).map { (Int($0.1)!, Int($0.2)!) }
        #expect(sizes.count == 6 * 3 + 1)
        #expect(sizes.dropFirst().allSatisfy { $0 == (196, 196) }, "\(sizes)")
        // The de-identification section names the residual scan's result.
        #expect(html.contains("Residual scan") && html.contains("Passed:"))
    }

    @Test func withoutChartJSThePageShowsTheNumbersOfEveryChart() throws {
        let run = try demo()
        let request = ReportRequest(cache: run.cache, model: run.model, metrics: run.metrics, gradcam: run.gradcam, deidentification: run.deid)
        let plain = try Report(request, charts: nil)
        try Data(plain.html.utf8).write(to: URL(fileURLWithPath: run.folder + "/report-without-charts.html"))
        #expect(plain.charts == 0 && !plain.html.contains("<canvas") && !plain.html.contains("<script"))
        #expect(plain.html.contains("Charts need Chart.js, which is not installed here"))
        // Each chart became its title and its table; the pictures are the same.
        #expect(plain.html.components(separatedBy: "<figure class=\"chart\"><h4>").count - 1 == 8)
        if let library = try ChartLibrary.installed() {
            let drawn = try Report(request, charts: library)
            #expect(drawn.images == plain.images && drawn.charts == 8)
        }
    }

    @Test func refusesGradCAMOutputsOfAnotherRecipe() throws {
        let run = try demo()
        let copy = temporaryDirectory("report-gradcam")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for name in try FileManager.default.contentsOfDirectory(atPath: run.gradcam) {
            try FileManager.default.copyItem(atPath: run.gradcam + "/" + name, toPath: copy + "/" + name)
        }
        let index = try String(contentsOfFile: copy + "/index.json", encoding: .utf8)
        let recipe = try CacheDataset(directory: run.cache).recipeHash
        #expect(index.contains(recipe), "gradcam records the cache's recipe")
        _ = try GradCAMRun(directory: copy, dataset: try CacheDataset(directory: run.cache))
        try index.replacingOccurrences(of: recipe, with: String(repeating: "0", count: 64)).write(toFile: copy + "/index.json", atomically: true, encoding: .utf8)
        #expect { try GradCAMRun(directory: copy, dataset: try CacheDataset(directory: run.cache)) } throws: { "\($0)".contains("explains a cache of another recipe") }
    }

    /// Grad-CAM maps of another model (an earlier run's gradcam folder) were shown beside this model's evaluation as its
    /// explanations; their index names the model they explain.
    @Test func refusesGradCAMOutputsOfAnotherModel() throws {
        let run = try demo()
        let other = temporaryDirectory("report-gradcam-model") + "/m.safetensors"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: other).deletingLastPathComponent().path) }
        try FileManager.default.copyItem(atPath: run.model, toPath: other)
        _ = try GradCAMRun(directory: run.gradcam, dataset: try CacheDataset(directory: run.cache), model: other)
        var bytes = try FileBytes.read(other)
        bytes[bytes.count - 1] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: other))
        #expect { try Report(ReportRequest(cache: run.cache, model: other, gradcam: run.gradcam), charts: nil) } throws: {
            "\($0)".hasPrefix("\(run.gradcam)/index.json: explains another model (SHA-256 ") && "\($0)".hasSuffix("than --model \(other) (\(try! ContentHash.ofFile(other).prefix(12))): run gradcam with that model")
        }
    }

    @Test func refusesAModelOfAnotherCacheAndABadSplit() throws {
        let run = try demo()
        #expect { try Report(ReportRequest(cache: run.cache, split: "validation"), charts: nil) } throws: { "\($0)".contains("expected train, val or test") }
        let other = temporaryDirectory("report-other") + "/m.safetensors"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: other).deletingLastPathComponent().path) }
        try Checkpoint(model: Sequential(try BuiltinModel.heartMLP.specs(), seed: 1), classNames: ["0", "1"], inputShape: [13]).write(to: other)
        #expect { try Report(ReportRequest(cache: run.cache, model: other), charts: nil) } throws: { "\($0)".contains("was trained on classes") }
    }
}

/// `src`, `href`, CSS `url()` and `@import` values that point outside the page.
enum ExternalReferences {
    static func find(in html: String) -> [String] {
        let patterns = [
            #"(?i)\b(?:src|href|action|poster|srcset)\s*=\s*["']?\s*(?!data:|#)[a-z][a-z0-9+.-]*:"#,
            #"(?i)\b(?:src|href)\s*=\s*["']?\s*//"#,
            #"(?i)url\(\s*["']?\s*(?:https?:|//)"#,
            #"(?i)@import"#,
        ]
        return patterns.flatMap { pattern in
            let regex = try! NSRegularExpression(pattern: pattern)
            return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range, in: html)!]) }
        }
    }
}
