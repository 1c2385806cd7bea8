import MedPipeExplain

/// The Grad-CAM gallery: for each explained sample the input, the heat map and the overlay, side by side at
/// a readable size, with the classes, the probability and one colour bar; ECG beats as traces coloured by heat.
enum GradCAMSection {
    static func html(_ run: GradCAMRun, page: inout PageBuilder) throws -> String {
        var html = HTML.note("From \(run.directory): \(run.samples.count) of \(run.total) explained samples; method \(run.settings["method"] ?? "gradcam"), layer \(run.settings["layer"] ?? "?"), colormap \(run.colormap.rawValue), overlay opacity \(HTML.number(Double(run.alpha), 2)). Pictures are magnified without smoothing to at least \(Picture.readableSide) pixels.")
        html += try page.colorBar(run.colormap, label: "Relevance: each map scaled from its minimum (0) to its maximum (1)")
        html += "<div class=\"gallery\">"
        for sample in run.samples {
            let item = sample.index
            let heat = Overlay.normalized(sample.map)
            var pictures = ""
            if let input = sample.input {
                let shape = run.inputShape
                if shape.count == 2 {
                    pictures = panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 1), alt: "beat coloured by Grad-CAM relevance"), "first lead coloured by relevance")
                } else {
                    pictures = panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 0), alt: "input"), "input")
                        + panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 1), alt: "Grad-CAM heat map"), "heat map")
                        + panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: run.alpha), alt: "heat map over the input"), "overlay")
                }
            } else {
                pictures = panel(try page.image(pngFile: sample.overlayPath, alt: "Grad-CAM overlay"), "overlay written by gradcam (input not in this cache)")
            }
            let truth = item.trueClass.map { "true <b>\(HTML.escape($0))</b> · " } ?? ""
            let verdict = item.trueClass.map { $0 == item.predictedClass ? " <span class=\"ok\">right</span>" : " <span class=\"fail\">wrong</span>" } ?? ""
            html += "<figure class=\"tile\"><div class=\"triptych\">\(pictures)</div><figcaption class=\"label\">\(HTML.escape(item.name)): \(truth)predicted <b>\(HTML.escape(item.predictedClass))</b>\(verdict) · explained class <b>\(HTML.escape(item.explainedClass))</b>, p = \(HTML.number(Double(item.probability)))</figcaption></figure>"
        }
        return html + "</div>"
    }

    private static func panel(_ image: String, _ caption: String) -> String {
        "<figure>\(image)<figcaption>\(HTML.escape(caption))</figcaption></figure>"
    }
}
