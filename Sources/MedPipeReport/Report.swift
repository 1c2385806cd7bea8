import Foundation
import MedPipeCore
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// What goes into a report: a dataset cache, and optionally a model, its training log, Grad-CAM outputs
/// and a de-identification report.
public struct ReportRequest: Sendable {
    public var cache: String
    /// A model written by `medpipe train`, evaluated on ``split``.
    public var model: String?
    /// The JSON lines of `medpipe train --metrics`.
    public var metrics: String?
    /// A folder written by `medpipe gradcam` (its `index.json` and `.npy` maps) from this cache.
    public var gradcam: String?
    /// A report written by `medpipe anonymize --report`.
    public var deidentification: String?
    public var split: String

    public init(cache: String, model: String? = nil, metrics: String? = nil, gradcam: String? = nil,
                deidentification: String? = nil, split: String = "test") {
        self.cache = cache
        self.model = model
        self.metrics = metrics
        self.gradcam = gradcam
        self.deidentification = deidentification
        self.split = split
    }
}

/// One self-contained HTML page over a run: the data set, training, evaluation, Grad-CAM and
/// de-identification. Everything is inline (styles, Chart.js, pictures as PNG data URLs), and the page's
/// content security policy forbids any network request, so it opens offline, anywhere.
public struct Report: Sendable {
    /// The HTML document.
    public var html: String
    /// Charts drawn by Chart.js (canvases) and pictures (PNG data URLs) the page holds.
    public var charts: Int
    public var images: Int
    /// Section ids in order (`dataset`, `training`, `evaluation`, `gradcam`, `deidentification`).
    public var sections: [String]

    /// Builds the page.
    /// - Parameter charts: Chart.js to inline (``ChartLibrary/installed()``); nil shows each chart's numbers as a table.
    public init(_ request: ReportRequest, charts library: ChartLibrary?) throws {
        guard let split = CacheDataset.split(named: request.split) else {
            throw MedPipeError.invalidArgument("--split", "expected train, val or test, got '\(request.split)'")
        }
        let dataset = try CacheDataset(directory: request.cache)
        let facts = try DatasetFacts(dataset: dataset)
        var page = PageBuilder(library: library)
        var sections = [PageBuilder.Section(id: "dataset", title: "Data set", html: try DatasetSection.html(facts, page: &page))]
        // Read once: the training section looks for its training's epochs, the evaluation runs it.
        let model = try request.model.map { try TrainedModel(reading: $0) }
        if let metrics = request.metrics {
            let curve = model.flatMap { model in model.trainingCurve.map { (model.path, $0) } }
            sections.append(.init(id: "training", title: "Training", html: TrainingSection.html(try TrainingLog(path: metrics, model: curve), page: &page)))
        }
        if let model {
            let evaluation = try Evaluation(model: model, dataset: dataset, split: split)
            sections.append(.init(id: "evaluation", title: "Evaluation (\(request.split))", html: try EvaluationSection.html(evaluation, facts: facts, page: &page)))
        }
        if let gradcam = request.gradcam {
            sections.append(.init(id: "gradcam", title: "Grad-CAM", html: try GradCAMSection.html(try GradCAMRun(directory: gradcam, dataset: dataset, model: request.model), page: &page)))
        }
        if let path = request.deidentification {
            sections.append(.init(id: "deidentification", title: "De-identification", html: DeidentificationSection.html(try DeidentificationSection.read(path), path: path)))
        }

        let name = facts.name ?? URL(fileURLWithPath: request.cache).lastPathComponent
        var header = "<h1>MedPipe report: \(HTML.escape(name))</h1>"
        header += "<p>Cache \(HTML.escape(request.cache))\(facts.recipeHash.map { " · recipe \(HTML.escape(String($0.prefix(12))))" } ?? "") · written \(HTML.escape(Self.timestamp()))</p>"
        if library == nil {
            header += "<p class=\"warning\">Charts need Chart.js, which is not installed here (Debian: <code>apt-get install libjs-chart.js</code>, or <code>tools/setup</code>), so each chart's numbers are shown as a table instead.</p>"
        } else if let library {
            header += "<p>Charts drawn by Chart.js \(HTML.escape(library.version)), inlined: the page needs no network.</p>"
        }
        html = page.document(title: "MedPipe report: \(name)", header: header, sections: sections)
        charts = page.charts
        images = page.images
        self.sections = sections.map(\.id)
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date()) + " UTC"
    }
}
