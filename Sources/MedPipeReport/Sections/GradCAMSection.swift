import MedPipeExplain

/// The Grad-CAM gallery: for each explained sample the input, the heat map and the overlay, side by side at
/// a readable size, with the classes, the probability and one colour bar; ECG beats as traces coloured by heat.
enum GradCAMSection {
    static func html(_ run: GradCAMRun, page: inout PageBuilder) throws -> String {
        var html = HTML.note("From \(run.directory): \(run.samples.count) of \(run.total) explained samples, taking the classes in turn; method \(run.settings["method"] ?? "gradcam"), layer \(run.settings["layer"] ?? "?"), colormap \(run.colormap.rawValue), overlay opacity \(HTML.number(Double(run.alpha), 2)). Pictures are magnified without smoothing to at least \(Picture.readableSide) pixels.")
        html += try page.colorBar(run.colormap, label: "Relevance: each map scaled from its minimum (0) to its maximum (1)")
        html += "<div class=\"gallery\">"
        for sample in run.samples {
            let item = sample.index
            let heat = Overlay.normalized(sample.map)
            var pictures = ""
            if let input = sample.input {
                let shape = run.inputShape
                if shape.count == 2 {
                    let span = run.frequency.map { " over \(HTML.number(Double(shape[1]) * 1000 / $0, 0)) ms (\(HTML.number($0, 0)) Hz)" } ?? " over \(shape[1]) samples"
                    pictures = panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 1), alt: "beat coloured by Grad-CAM relevance"),
                                     "first lead coloured by relevance\(span); the strip under it is the map")
                } else {
                    pictures = panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 0), alt: "input"), "input")
                        + panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: 1), alt: "Grad-CAM heat map"), "heat map")
                        + panel(try page.image(try Overlay.draw(input, shape: shape, heat: heat, colormap: run.colormap, alpha: run.alpha), alt: "heat map over the input"), "overlay")
                }
            } else {
                pictures = panel(try page.image(pngFile: sample.overlayPath, alt: "Grad-CAM overlay"), "overlay written by gradcam (input not in this cache)")
            }
            var caption = "<div><b>\(HTML.escape(item.name))</b></div>"
            if let truth = item.trueClass {
                caption += "<div>true class: <b>\(HTML.escape(truth))</b></div>"
            }
            caption += "<div>predicted: <b>\(HTML.escape(item.predictedClass))</b>"
            if let truth = item.trueClass {
                caption += truth == item.predictedClass ? " <span class=\"ok\">✓ correct</span>" : " <span class=\"fail\">✗ wrong</span>"
            }
            caption += "</div><div>map of class <b>\(HTML.escape(item.explainedClass))</b>, probability \(HTML.number(Double(item.probability)))</div>"
            if item.mapMaximum <= item.mapMinimum {
                caption += "<div class=\"note\">The map is flat (\(HTML.significant(Double(item.mapMaximum))) everywhere): at this layer nothing in the input raised the class's score.</div>"
            }
            if let entry = item.entry { caption += "<div class=\"note\">cache entry \(entry)</div>" }
            html += "<figure class=\"tile\"><div class=\"triptych\">\(pictures)</div><figcaption>\(caption)</figcaption></figure>"
        }
        return html + "</div>"
    }

    private static func panel(_ image: String, _ caption: String) -> String {
        "<figure>\(image)<figcaption>\(HTML.escape(caption))</figcaption></figure>"
    }
}
