import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeReport
import MedPipeTrain

/// `medpipe report`: one self-contained HTML page over a run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page over a run: data set, training, evaluation, Grad-CAM, de-identification.",
        discussion: """
        The page holds everything inline (styles, charts, pictures as PNG data URLs) and forbids itself any \
        network request, so it opens offline, from a USB stick or an e-mail, and prints on A4.

        Sections: the data set (always: recipe, sources, rejected inputs, entries per split and class before \
        and after the rebalancing plan, groups and the leak check, samples per class, input values per split); \
        training (--metrics: loss, accuracy, balanced accuracy, validation ROC AUC and learning rate per epoch, \
        the kept epoch marked); evaluation (--model, on --split: confusion matrix, precision/recall/F1, ROC \
        curves, the most confidently wrong samples); Grad-CAM (--gradcam: input, heat map and overlay per \
        sample, with a colour bar); de-identification (--deid).

        Charts are drawn by Chart.js from Debian's libjs-chart.js (/usr/share/javascript/chart.js), inlined \
        into the page. Where it is not installed, the page shows each chart's numbers as a table and says so.

        Example:
          medpipe report --cache out/demo/cache --model out/demo/model.safetensors \\
              --metrics out/demo/metrics.jsonl --gradcam out/demo/gradcam \\
              --deid out/demo/anonymized/report.json --out out/demo/report.html
        """
    )

    @Option(help: "The dataset cache written by `medpipe convert`.") var cache: String
    @Option(help: ArgumentHelp("A model written by `medpipe train` (a network, or a tree model's JSON), evaluated on --split.", valueName: "MODEL")) var model: String?
    @Option(help: ArgumentHelp("The per-epoch JSON lines of `medpipe train --metrics`.", valueName: "RUN.jsonl")) var metrics: String?
    @Option(help: ArgumentHelp("A folder written by `medpipe gradcam` from this cache.", valueName: "DIR")) var gradcam: String?
    @Option(help: ArgumentHelp("A report written by `medpipe anonymize --report`.", valueName: "REPORT.json")) var deid: String?
    @Option(help: "The split --model is evaluated on: train, val or test.") var split: String = "test"
    @Option(help: ArgumentHelp("Where to write the page.", valueName: "report.html")) var out: String
    @Option(parsing: .unconditional, help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        try OutputPath.refuseOverwriting(out, inputs: [.cache(cache)] + OutputPath.inputs(["--model": model, "--metrics": metrics, "--gradcam": gradcam, "--deid": deid]))
        try OutputPath.prepare(out)
        BLAS.setThreads(threads)
        let warmUp = model == nil ? nil : BLAS.startWarmUp()   // while the cache and the model are read
        defer { warmUp?.wait() }
        let library = try ChartLibrary.installed()
        let report = try Report(ReportRequest(cache: cache, model: model, metrics: metrics, gradcam: gradcam, deidentification: deid, split: split),
                                charts: library)
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw MedPipeError.io(out, "cannot write: \(error.localizedDescription)")
        }
        try AtomicFile.write(out, text: report.html)
        if library == nil {
            printNote("Chart.js is not installed (Debian: libjs-chart.js); the page shows each chart's numbers as tables")
        }
        printLines(["wrote \(out) (\(report.html.utf8.count / 1024) KiB): \(report.sections.joined(separator: ", ")); \(report.charts) charts, \(report.images) pictures"])
    }
}
