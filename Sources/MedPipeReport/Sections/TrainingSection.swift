import MedPipeTrain

/// Training: loss, accuracy, balanced accuracy, validation ROC AUC and learning rate per epoch, with the
/// kept epoch marked.
enum TrainingSection {
    static func html(_ log: TrainingLog, page: inout PageBuilder) -> String {
        let epochs = log.epochs
        let kept = log.keptEpoch
        // Without a validation split the trainer keeps the epoch of the lowest training loss.
        let validated = epochs.contains { $0.valLoss != nil }
        let lossKey: (EpochMetrics) -> Double? = validated ? { $0.valLoss } : { $0.loss }
        let balancedKey: (EpochMetrics) -> Double? = validated ? { $0.valBalancedAccuracy } : { $0.balancedAccuracy }
        var html = "<div class=\"cards\">"
            + HTML.card(String(epochs.count), "epochs")
            + HTML.card(kept.map(String.init) ?? "–", validated ? "kept epoch (best on validation)" : "kept epoch (no validation split: lowest training loss)")
        if let k = kept, let m = epochs.first(where: { $0.epoch == k }) {
            html += HTML.card(HTML.significant(lossKey(m)), (validated ? "validation" : "training") + " loss at the kept epoch")
                + HTML.card(HTML.number(balancedKey(m)), (validated ? "validation" : "training") + " balanced accuracy at the kept epoch")
        }
        html += HTML.card(HTML.number(epochs.map(\.seconds).reduce(0, +), 1) + " s", "training time")
        html += "</div>"
        if let found = log.found {
            if log.runs > found.networks {
                html += "<p class=\"note\">\(HTML.escape(log.path)) holds \(log.runs) runs (appended); this shows the training that wrote \(HTML.escape(found.model)).</p>"
            }
            if found.networks > 1 {
                html += "<p class=\"note\">That training trained \(found.networks) networks, one after the other; this shows the last one's epochs.</p>"
            }
        } else if log.runs > 1 {
            html += "<p class=\"warning\">\(HTML.escape(log.path)) holds \(log.runs) runs (appended); this shows the last.</p>"
        }

        func series(_ name: String, _ value: (EpochMetrics) -> Double?, color: Int, dashed: Bool = false) -> Chart.Series? {
            let points = epochs.compactMap { m in value(m).map { (x: Double(m.epoch), y: $0) } }
            return points.isEmpty ? nil : Chart.Series(name: name, points: points, color: Palette.color(color), dashed: dashed, pointRadius: 3)
        }
        /// The kept epoch as a marker on the curve named by `value`.
        func keptMarker(_ value: (EpochMetrics) -> Double?) -> Chart.Series? {
            guard let k = kept, let m = epochs.first(where: { $0.epoch == k }), let y = value(m) else { return nil }
            return Chart.Series(name: "kept epoch \(k)", points: [(x: Double(k), y: y)], color: "#000000", markersOnly: true)
        }
        // One epoch: Chart.js widens the axis around it by itself.
        let single = epochs.count < 2
        let x = Chart.Axis(title: "epoch", minimum: single ? nil : Double(epochs.first!.epoch), maximum: single ? nil : Double(epochs.last!.epoch), integer: true)
        let caption = kept.map { "◆ marks epoch \($0), whose model was kept (" + (validated ? "the best by the monitored validation metric)." : "no validation split: the lowest training loss).") }
        html += "<div class=\"charts\">"
        html += page.figure(Chart(kind: .line, title: "Loss (cross-entropy)", x: x, y: .init(title: "loss", minimum: 0), series: [
            series("training", \.loss, color: 0), series("validation", \.valLoss, color: 1, dashed: true), keptMarker(lossKey),
        ].compactMap { $0 }), caption: caption)
        html += page.figure(Chart(kind: .line, title: "Accuracy and balanced accuracy", x: x, y: .init(title: "fraction correct", maximum: 1), series: [
            series("training accuracy", \.accuracy, color: 0), series("validation accuracy", \.valAccuracy, color: 1, dashed: true),
            series("training balanced accuracy", \.balancedAccuracy, color: 2), series("validation balanced accuracy", \.valBalancedAccuracy, color: 3, dashed: true),
            keptMarker(balancedKey),
        ].compactMap { $0 }), caption: "Balanced accuracy is the mean recall over the classes: what accuracy would be if every class were equally common.")
        if epochs.contains(where: { $0.valROCAUC != nil }) {
            html += page.figure(Chart(kind: .line, title: "Validation ROC AUC", x: x, y: .init(title: "area under the ROC curve", maximum: 1), series: [
                series("validation ROC AUC", \.valROCAUC, color: 2), keptMarker(\.valROCAUC),
            ].compactMap { $0 }), caption: "Binary: AUC of the second class's probability; more classes: the mean of one-vs-rest AUCs.")
        }
        let rates = epochs.map(\.learningRate)
        let logarithmic = (rates.min() ?? 0) > 0 && (rates.max() ?? 0) / (rates.min() ?? 1) >= 20
        html += page.figure(Chart(kind: .line, title: "Learning rate", x: x, y: .init(title: "learning rate" + (logarithmic ? " (log scale)" : ""), minimum: logarithmic ? nil : 0, logarithmic: logarithmic),
                                  series: [series("learning rate", \.learningRate, color: 4)].compactMap { $0 }))
        html += "</div>"
        return html
    }
}
