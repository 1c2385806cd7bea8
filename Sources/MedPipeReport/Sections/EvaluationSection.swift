import Foundation
import MedPipeExport
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// Evaluation on one split: summary metrics, the confusion matrix as a heat map, precision, recall and F1
/// per class, ROC curves per class, and the samples the model got wrong most confidently.
enum EvaluationSection {
    static func html(_ evaluation: Evaluation, facts: DatasetFacts, page: inout PageBuilder) throws -> String {
        let r = evaluation.report
        var html = HTML.note("Model \(evaluation.modelName) (\(evaluation.modelPath)) on the \(evaluation.split) split: the same numbers as `medpipe evaluate`.")
        if let patients = evaluation.trainingPatients {
            let note = HTML.escape(patients.note(split: evaluation.split, cache: facts.directory) ?? "")
            switch patients {
            case .counted(0, let of):
                html += "<p class=\"ok\">None of the \(HTML.count(of)) patients (groups) of the \(HTML.escape(evaluation.split)) split was in the model's training split.</p>"
            case .counted: html += "<p class=\"fail\">\(note).</p>"
            case .otherKey: html += "<p class=\"warning\">\(note).</p>"
            }
        }
        if evaluation.usesModelStatistics {
            html += HTML.note("The model was " + ModelInputs.statisticsNote("judged", cache: facts.directory) + ".")
        }
        html += "<div class=\"cards\">"
            + HTML.card(HTML.count(r.samples), "\(evaluation.split) samples")
            + HTML.card(HTML.number(r.accuracy), "accuracy")
            + HTML.card(HTML.number(r.balancedAccuracy), "balanced accuracy")
            + HTML.card(HTML.number(r.rocAUC), evaluation.classNames.count == 2 ? "ROC AUC" : "ROC AUC (macro one-vs-rest)")
            + "</div>"
        html += "<h3>Confusion matrix</h3>" + confusionMatrix(r)
        html += "<h3>Per class</h3>" + HTML.table(["class", "precision", "recall (sensitivity)", "F1", "support"], r.perClass.map { c in
            [HTML.escape(c.name), HTML.number(c.precision), HTML.number(c.recall), HTML.number(c.f1), HTML.count(c.support)]
        }, numeric: [1, 2, 3, 4])
        html += "<h3>ROC curves</h3><div class=\"square\">" + page.figure(roc(evaluation), caption: rocCaption(evaluation)) + "</div>"
        html += try mistakes(evaluation, facts: facts, page: &page)
        return html
    }

    /// Counts with the share of each true class; the colour follows the share (the row's recall on the diagonal).
    private static func confusionMatrix(_ r: ClassificationReport) -> String {
        let names = r.perClass.map(\.name)
        var html = "<table class=\"heat\"><tr><th class=\"axis\" colspan=\"2\" rowspan=\"2\"></th><th class=\"axis\" colspan=\"\(names.count)\">predicted class</th></tr><tr>"
        html += names.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for (t, row) in r.confusionMatrix.enumerated() {
            html += "<tr>"
            if t == 0 { html += "<th class=\"axis\" rowspan=\"\(names.count)\">true<br>class</th>" }
            html += "<th>\(HTML.escape(names[t]))</th>"
            let total = row.reduce(0, +)
            for count in row {
                let share = total > 0 ? Double(count) / Double(total) : 0
                // A count that rounds to 0% still shows that it is there.
                let percent = count > 0 && share < 0.005 ? "<1%" : HTML.number(share * 100, 0) + "%"
                html += "<td style=\"\(heatStyle(share, zero: count == 0))\">\(HTML.count(count))<small>\(percent)</small></td>"
            }
            html += "</tr>"
        }
        html += "</table>"
        return html + HTML.note("Rows: the true class; columns: the class predicted. Each cell: the count, and its share of the true class (the row), which sets the colour from white (0%) to dark blue (100%).")
    }

    /// White to dark blue, white text on dark cells, empty cells faded.
    private static func heatStyle(_ share: Double, zero: Bool) -> String {
        let low = (255.0, 255.0, 255.0), high = (8.0, 48.0, 107.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * share).rounded()) }
        return "background: rgb(\(mix(low.0, high.0)), \(mix(low.1, high.1)), \(mix(low.2, high.2))); color: \(share > 0.5 ? "#fff" : zero ? "#8c959f" : "#1b1f24")"
    }

    /// Curves to draw: every class, or for two classes only the second (the first's is its mirror image).
    private static func drawnClasses(_ evaluation: Evaluation) -> [Int] {
        evaluation.classNames.count == 2 ? [1] : Array(evaluation.classNames.indices)
    }

    /// Points kept per curve, at most (a thousand is finer than the screen).
    static let curvePoints = 1000

    private static func roc(_ evaluation: Evaluation) -> Chart {
        var series = drawnClasses(evaluation).compactMap { c -> Chart.Series? in
            guard let curve = evaluation.curves[c] else { return nil }
            var points = zip(curve.falsePositiveRates, curve.truePositiveRates).map { (x: $0, y: $1) }
            if points.count > curvePoints {
                let step = Double(points.count - 1) / Double(curvePoints - 1)
                points = (0..<curvePoints).map { points[Int((Double($0) * step).rounded())] }
            }
            return Chart.Series(name: "\(evaluation.classNames[c]) (AUC \(HTML.number(curve.area)))", points: points, color: Palette.color(c))
        }
        series.append(Chart.Series(name: "chance", points: [(0, 0), (1, 1)], color: "#8c959f", dashed: true, lineWidth: 1))
        return Chart(kind: .line, title: "ROC curves on the \(evaluation.split) split",
                     x: .init(title: "false positive rate (1 − specificity)", minimum: 0, maximum: 1),
                     y: .init(title: "true positive rate (sensitivity)", minimum: 0, maximum: 1), series: series, height: 480)
    }

    private static func rocCaption(_ evaluation: Evaluation) -> String {
        let missing = drawnClasses(evaluation).filter { evaluation.curves[$0] == nil }.map { evaluation.classNames[$0] }
        var text = evaluation.classNames.count == 2
            ? "The probability of \(evaluation.classNames[1]) against the truth; the curve of \(evaluation.classNames[0]) is its mirror image, with the same AUC."
            : "One class against the rest, by that class's probability."
        if !missing.isEmpty { text += " No curve for \(missing.joined(separator: ", ")): the split lacks it or holds nothing else." }
        return text
    }

    private static func mistakes(_ evaluation: Evaluation, facts: DatasetFacts, page: inout PageBuilder) throws -> String {
        var html = "<h3>Most confidently wrong</h3>"
        guard !evaluation.mistakes.isEmpty else { return html + "<p class=\"ok\">The model got every \(evaluation.split) sample right.</p>" }
        let wrongCount = evaluation.report.samples - zip(evaluation.report.confusionMatrix.indices, evaluation.report.confusionMatrix).reduce(0) { $0 + $1.1[$1.0] }
        html += HTML.note(evaluation.mistakes.count == wrongCount
            ? "\(wrongCount == 1 ? "The one wrong prediction" : "All \(wrongCount) wrong predictions, the surest first")."
            : "The \(evaluation.mistakes.count) of \(wrongCount) wrong predictions the model was surest of, the surest first.")
        func label(_ m: Evaluation.Mistake) -> String {
            "true <b>\(HTML.escape(evaluation.classNames[m.trueClass]))</b>, predicted <b>\(HTML.escape(evaluation.classNames[m.predictedClass]))</b> (p = \(HTML.number(Double(m.probability))))<br>entry \(m.entry.id)"
        }
        switch facts.kind {
        case .image?, .volume?:
            html += "<div class=\"grid\">"
            for m in evaluation.mistakes {
                guard let picture = Picture.sample(m.input, shape: evaluation.inputShape) else { continue }
                html += "<div class=\"tile\">" + (try page.image(picture, alt: "misclassified \(evaluation.classNames[m.trueClass]) sample", title: "source \(m.entry.source), item \(m.entry.item)"))
                    + "<div class=\"label\">\(label(m))</div></div>"
            }
            html += "</div>"
        case .signal?:
            let length = evaluation.inputShape.last ?? 0, rate = facts.frequency
            html += "<div class=\"charts\">"
            for m in evaluation.mistakes {
                let points = (0..<min(length, m.input.count)).map { (i: Int) -> (x: Double, y: Double) in
                    let x: Double = rate.map { (hertz: Double) -> Double in Double(i) * 1000 / hertz } ?? Double(i)
                    return (x: x, y: Double(m.input[i]))
                }
                html += page.figure(Chart(kind: .line, title: "true \(evaluation.classNames[m.trueClass]), predicted \(evaluation.classNames[m.predictedClass]) (p = \(HTML.number(Double(m.probability))))",
                                          x: .init(title: rate == nil ? "sample" : "time (ms)"), y: .init(title: "amplitude (normalized)"),
                                          series: [Chart.Series(name: "first lead", points: points, color: Palette.color(m.trueClass), lineWidth: 1.2)], height: 200))
            }
            html += "</div>"
        case .table?, nil:
            let names = facts.columns ?? (0..<(evaluation.inputShape.last ?? 0)).map { "feature \($0 + 1)" }
            html += "<div class=\"scroll\">" + HTML.table(["true", "predicted", "p"] + names, evaluation.mistakes.map { m in
                [HTML.escape(evaluation.classNames[m.trueClass]), HTML.escape(evaluation.classNames[m.predictedClass]), HTML.number(Double(m.probability))]
                    + m.input.map { HTML.number(Double($0), 2) }
            }, numeric: Set(2...(2 + names.count))) + "</div>"
        }
        return html
    }
}
