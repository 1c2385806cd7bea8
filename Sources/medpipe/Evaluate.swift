import ArgumentParser
import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeData
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// `medpipe evaluate`: classification metrics of a trained model on a cache split.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Accuracy, balanced accuracy, per-class precision/recall/F1, ROC AUC and the confusion matrix.",
        discussion: """
        For heartbeats labelled with AAMI classes (N, S, V, F), the text also gives the AAMI EC57 gross \
        statistics: each class's sensitivity Se (recall) and positive predictivity +P (precision), and the \
        mean Se over N, S and V.

        The cache must hold samples prepared by the model's stages (for a table, from the same columns in the \
        same order); other stages are refused. The samples are then prepared with the fitted statistics the \
        model carries: a cache converted again since the model was trained (its archive grown, its split \
        changed) fitted its own on another training split, and is judged as `convert --fit-from` the model's \
        training cache would have prepared it, which a note says. A warning counts the patients of the split \
        that the model trained on.

        Example:
          medpipe evaluate --model mnist.safetensors --cache out/mnist-cache \\
              --split test
        """
    )

    @Option(help: ArgumentHelp("A model written by `medpipe train` (a network, or a tree model's .json).", valueName: "MODEL")) var model: String
    @Option(help: "The dataset cache.") var cache: String
    @Option(help: "train, val or test.") var split: String = "test"
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(parsing: .unconditional, help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        guard let dataSplit = CacheDataset.split(named: split) else {
            throw MedPipeError.invalidArgument("--split", "expected train, val or test, got '\(split)'")
        }
        let dataset = try CacheDataset(directory: cache)
        try requireSamples(in: dataset.cache)
        let warmUp = BLAS.startWarmUp()   // while the model and inputs are read
        defer { warmUp.wait() }
        var trained = try TrainedModel(reading: model)
        BLAS.setThreads(threads)
        let judgement = try Judgement(&trained, on: dataset, split: dataSplit)
        if judgement.usesModelStatistics { printNote("\(model): " + ModelInputs.statisticsNote("judged", cache: cache)) }
        if let note = judgement.trainingPatients?.note(split: split, cache: cache) { printWarning("\(model): " + note) }
        let report = judgement.report
        if json { printJSON(try ReportText.json(report)) } else { printLines(ReportText.lines(report, split: split)) }
    }

    /// Fails unless the cache holds samples in the split to evaluate, naming the splits it has.
    private func requireSamples(in opened: DatasetCache) throws {
        let counts = try opened.splitCounts()
        guard counts.first(where: { $0.split == split })?.count != 0 else {
            let held = counts.map { "\($0.split) \($0.count)" }.joined(separator: ", ")
            throw MedPipeError.invalidArgument(cache, "has no samples in its \(split) split (\(held)): choose another with --split")
        }
    }
}

/// Text and JSON renderings of a ``ClassificationReport``.
enum ReportText {
    /// The report as lines for a person, class names as read (``printLines(_:)`` shows them).
    static func lines(_ r: ClassificationReport, split: String) -> [String] {
        var lines = [String(format: "%@: %d samples  accuracy %.4f  balanced accuracy %.4f", split, r.samples, r.accuracy, r.balancedAccuracy)]
        if let auc = r.rocAUC { lines[0] += String(format: "  ROC AUC %.4f", auc) }
        if let loss = r.loss { lines[0] += String(format: "  loss %.4f", loss) }
        lines.append("  class        precision  recall     F1     support")
        for c in r.perClass {
            let name = c.name.count >= 12 ? c.name : c.name + String(repeating: " ", count: 12 - c.name.count)
            lines.append("  " + name + String(format: " %9.4f %7.4f %7.4f %8d", c.precision, c.recall, c.f1, c.support))
        }
        lines.append("  confusion matrix (rows: true, columns: predicted):")
        for row in r.confusionMatrix { lines.append("    " + row.map { String(format: "%6d", $0) }.joined()) }
        lines += aami(r)
        return lines
    }

    /// The AAMI EC57 gross statistics of heartbeat classes N, S, V, F (those present), as cardiologists
    /// report them: sensitivity Se (recall) and positive predictivity +P (precision), and the mean
    /// sensitivity over N, S and V when all three are present. Nothing when the classes are not AAMI's.
    static func aami(_ r: ClassificationReport) -> [String] {
        let names = Set(r.perClass.map(\.name))
        guard names.count >= 2, names.isSubset(of: ["N", "S", "V", "F", "Q"]) else { return [] }
        var lines = ["  AAMI gross statistics:   Se      +P"]
        for name in ["N", "S", "V", "F"] {
            guard let c = r.perClass.first(where: { $0.name == name }) else { continue }
            lines.append("    " + name + String(format: "               %7.4f %7.4f", c.recall, c.precision))
        }
        if let mean = r.aamiMeanSensitivity { lines.append(String(format: "    mean Se(N, S, V) %.4f", mean)) }
        return lines
    }

    static func json(_ r: ClassificationReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(r), as: UTF8.self)
    }
}
