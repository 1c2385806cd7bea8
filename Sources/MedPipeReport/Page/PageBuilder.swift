import Foundation
import MedPipeExplain

/// Assembles the page: numbers each chart and picture as it is added, and writes the document with the
/// stylesheet, Chart.js (when installed) and the script that draws the charts inline.
struct PageBuilder {
    /// Chart.js to inline; nil draws no chart and shows each chart's numbers as a table instead.
    let library: ChartLibrary?
    private(set) var charts = 0
    private(set) var images = 0

    init(library: ChartLibrary?) {
        self.library = library
    }

    /// A figure holding `chart` (a canvas Chart.js draws into, with its configuration beside it, and the numbers
    /// in a collapsed table), or, without Chart.js, the title and the table.
    mutating func figure(_ chart: Chart, caption: String? = nil) -> String {
        let captionHTML = caption.map { "<figcaption>\(HTML.escape($0))</figcaption>" } ?? ""
        guard library != nil else {
            return "<figure class=\"chart\"><h4>\(HTML.escape(chart.title))</h4>\(chart.dataTable())\(captionHTML)</figure>"
        }
        charts += 1
        let id = "chart-\(charts)"
        return """
        <figure class="chart"><div class="canvas" style="height:\(chart.height)px"><canvas id="\(id)" data-config="\(id)-config" role="img" aria-label="\(HTML.escape(chart.title))"></canvas></div>\
        <script type="application/json" id="\(id)-config">\(chart.configurationJSON())</script>\
        <details class="data"><summary>Numbers</summary>\(chart.dataTable())</details>\(captionHTML)</figure>
        """
    }

    /// An `<img>` of `image` (a PNG data URL).
    mutating func image(_ image: RGBImage, alt: String, title: String? = nil) throws -> String {
        images += 1
        return try Picture.img(image, alt: alt, title: title)
    }

    /// An `<img>` of a PNG file (a data URL of its bytes).
    mutating func image(pngFile path: String, alt: String) throws -> String {
        images += 1
        return try Picture.img(pngFile: path, alt: alt)
    }

    /// A colour bar (a picture).
    mutating func colorBar(_ colormap: Colormap, label: String) throws -> String {
        images += 1
        return try Picture.colorBar(colormap, label: label)
    }

    /// A page section.
    struct Section {
        var id: String
        var title: String
        var html: String
    }

    /// The whole document. A content security policy forbids every network request: the page can only use
    /// what it holds.
    func document(title: String, header: String, sections: [Section]) -> String {
        let nav = sections.map { "<a href=\"#\($0.id)\">\(HTML.escape($0.title))</a>" }.joined()
        let body = sections.map { "<section id=\"\($0.id)\"><h2>\(HTML.escape($0.title))</h2>\($0.html)</section>" }.joined(separator: "\n")
        var scripts = ""
        if let library {
            scripts = "<script>\n\(library.source)\n</script>\n<script>\n\(Self.drawScript)\n</script>"
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="generator" content="medpipe report">
        <title>\(HTML.escape(title))</title>
        <style>
        \(Stylesheet.css)
        </style>
        </head>
        <body data-charts="\(charts)" data-images="\(images)">
        <header class="top">\(header)</header>
        <nav>\(nav)</nav>
        <main>
        \(body)
        </main>
        \(scripts)
        </body>
        </html>

        """
    }

    /// Draws every chart from its JSON configuration and records on `<body>` how many were drawn and any
    /// error (the browser test reads both from the DOM). Before printing, charts are redrawn at the paper's
    /// width and the collapsed recipe is opened.
    static let drawScript = """
    (function () {
      var drawn = 0, errors = [];
      document.querySelectorAll('canvas[data-config]').forEach(function (canvas) {
        try {
          new Chart(canvas, JSON.parse(document.getElementById(canvas.getAttribute('data-config')).textContent));
          drawn += 1;
        } catch (error) {
          errors.push(canvas.id + ': ' + error);
          console.error(error);
        }
      });
      document.body.setAttribute('data-charts-drawn', String(drawn));
      if (errors.length) { document.body.setAttribute('data-chart-errors', errors.join('; ')); }
      window.addEventListener('beforeprint', function () {
        document.querySelectorAll('details.print-open').forEach(function (d) { d.open = true; });
        Object.values(Chart.instances).forEach(function (chart) { chart.resize(); });
      });
    })();
    """
}
