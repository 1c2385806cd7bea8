import Foundation
import Testing
import MedPipeExplain
@testable import MedPipeReport

@Suite struct PageBuilderTests {
    @Test func escapesTextAndAttributes() {
        #expect(HTML.escape("<b>\"Tom\" & 'Jerry'</b>") == "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;")
        #expect(HTML.count(1234567) == "1\u{202F}234\u{202F}567" && HTML.count(12) == "12")
        #expect(HTML.number(.nan) == "–" && HTML.number(nil) == "–" && HTML.number(0.12345) == "0.123")
    }

    private var chart: Chart {
        Chart(kind: .line, title: "Loss </script><!--", x: .init(title: "epoch", integer: true), y: .init(title: "loss", minimum: 0),
              series: [Chart.Series(name: "training", points: [(1, 0.9), (2, .nan), (3, 0.4)], color: Palette.color(0)),
                       Chart.Series(name: "kept", points: [(3, 0.4)], color: "#000000", markersOnly: true)])
    }

    @Test func chartConfigurationIsJSONThatCannotEndItsScriptElement() throws {
        let text = chart.configurationJSON()
        #expect(!text.contains("<"), "a '<' could end the script element or open a comment")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "line")
        let data = try #require(object["data"] as? [String: Any])
        let datasets = try #require(data["datasets"] as? [[String: Any]])
        #expect(datasets.count == 2)
        let points = try #require(datasets[0]["data"] as? [[String: Any]])
        #expect(points.count == 3 && points[1]["y"] is NSNull, "a NaN becomes a gap, not invalid JSON")
        #expect(datasets[1]["showLine"] as? Bool == false && datasets[1]["pointRadius"] as? Int == 7)
        let options = try #require(object["options"] as? [String: Any])
        #expect(options["animation"] as? Bool == false, "a screenshot or a print must show the finished chart")
        let scales = try #require(options["scales"] as? [String: [String: Any]])
        #expect((scales["x"]?["title"] as? [String: Any])?["text"] as? String == "epoch")
        #expect((scales["y"]?["title"] as? [String: Any])?["text"] as? String == "loss")
        #expect((scales["x"]?["ticks"] as? [String: Any])?["precision"] as? Int == 0)
    }

    @Test func dataTableListsEveryPointOrSaysWhyNot() {
        let table = chart.dataTable()
        #expect(table.contains("<th>epoch</th>") && table.contains("<th class=\"num\">training</th>"))
        #expect(table.components(separatedBy: "<tr>").count - 1 == 4, "a header and one row per epoch")
        var long = chart
        long.series[0].points = (0..<500).map { (Double($0), Double($0)) }
        #expect(long.dataTable().contains("Too many points to list (training: 500 points; kept: 1 points)"))
        let bars = Chart(kind: .bar, title: "Entries", x: .init(title: "split"), y: .init(title: "entries"), categories: ["train", "test"],
                         series: [Chart.Series(name: "left", values: [120, 24], color: Palette.color(0))])
        #expect(bars.dataTable().contains("<td>train</td><td class=\"num\">120</td>"))
    }

    @Test func withoutChartJSThePageHasTablesAndNoScript() throws {
        var page = PageBuilder(library: nil)
        let figure = page.figure(chart, caption: "a caption")
        #expect(!figure.contains("<canvas") && figure.contains("<table>") && figure.contains("a caption"))
        let picture = try page.image(RGBImage(rows: 2, columns: 3), alt: "white")
        #expect(picture.hasPrefix("<img src=\"data:image/png;base64,") && picture.contains("width=\"3\" height=\"2\""))
        let html = page.document(title: "t", header: "<h1>t</h1>", sections: [.init(id: "a", title: "A", html: figure + picture)])
        #expect(page.charts == 0 && page.images == 1)
        #expect(!html.contains("<script"))
        #expect(html.contains("data-charts=\"0\" data-images=\"1\""))
        #expect(html.contains("<a href=\"#a\">A</a>") && html.contains("<section id=\"a\"><h2>A</h2>"))
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
    }

    @Test(.enabled(if: ChartLibraryTests.debianChartJS != nil, "needs Debian's libjs-chart.js (tools/setup)"))
    func withChartJSEachChartIsACanvasWithItsConfiguration() throws {
        var page = PageBuilder(library: try ChartLibrary.installed())
        let first = page.figure(chart), second = page.figure(chart)
        #expect(first.contains("<canvas id=\"chart-1\" data-config=\"chart-1-config\""))
        #expect(second.contains("<script type=\"application/json\" id=\"chart-2-config\">"))
        #expect(first.contains("<details class=\"data\"><summary>Numbers</summary><table>"))
        let html = page.document(title: "t", header: "", sections: [.init(id: "a", title: "A", html: first + second)])
        #expect(page.charts == 2 && html.contains("data-charts=\"2\""))
        #expect(html.contains("Chart.js v") && html.contains("data-charts-drawn"))
        // One closing tag per script element: Chart.js's own text holds none.
        #expect(html.components(separatedBy: "</script>").count - 1 == html.components(separatedBy: "<script").count - 1)
    }
}

@Suite struct ChartLibraryTests {
    static let debianChartJS = ChartLibrary.debianPaths.first { FileManager.default.fileExists(atPath: $0) }

    @Test(.enabled(if: debianChartJS != nil, "needs Debian's libjs-chart.js (tools/setup)"))
    func readsDebiansChartJS() throws {
        let library = try #require(try ChartLibrary.installed())
        #expect(library.path == Self.debianChartJS)
        #expect(library.version.split(separator: ".").count == 3 && Int(library.version.prefix(1))! >= 3)
        #expect(!library.source.lowercased().contains("</script"))
    }

    @Test func refusesAnotherScript() throws {
        let path = NSTemporaryDirectory() + "medpipe-not-chart-\(UUID().uuidString).js"
        try Data("console.log('hello')".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: (any Error).self) { try ChartLibrary(path: path) }
    }
}

@Suite struct LayoutRuleTests {
    @Test func axisMaximaAreRound() {
        #expect(Chart.niceCeiling(72) == 100 && Chart.niceCeiling(41) == 50 && Chart.niceCeiling(0.18) == 0.2)
        #expect(Chart.niceCeiling(250) == 250 && Chart.niceCeiling(1) == 1 && Chart.niceCeiling(0) == 1)
    }

    @Test func galleryTakesTheClassesInTurn() throws {
        let json = """
        [{"name":"a0","overlay":"a0.png","map":"a0.npy","explainedClass":"a","predictedClass":"a","trueClass":"a","score":1,"probability":0.9,"mapMinimum":0,"mapMaximum":1},
         {"name":"a1","overlay":"a1.png","map":"a1.npy","explainedClass":"a","predictedClass":"a","trueClass":"a","score":1,"probability":0.9,"mapMinimum":0,"mapMaximum":1},
         {"name":"a2","overlay":"a2.png","map":"a2.npy","explainedClass":"a","predictedClass":"b","trueClass":"a","score":1,"probability":0.9,"mapMinimum":0,"mapMaximum":1},
         {"name":"b0","overlay":"b0.png","map":"b0.npy","explainedClass":"b","predictedClass":"b","trueClass":"b","score":1,"probability":0.9,"mapMinimum":0,"mapMaximum":1},
         {"name":"c0","overlay":"c0.png","map":"c0.npy","explainedClass":"c","predictedClass":"c","score":1,"probability":0.9,"mapMinimum":0,"mapMaximum":1}]
        """
        let samples = try JSONDecoder().decode([ExplanationWriter.IndexEntry].self, from: Data(json.utf8))
        #expect(GradCAMRun.classesInTurn(samples).map(\.name) == ["a0", "b0", "c0", "a1", "a2"])
    }
}
