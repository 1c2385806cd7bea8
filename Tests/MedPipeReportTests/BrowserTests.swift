import Foundation
import Testing
import MedPipeFormats
import TestSupport
@testable import MedPipeReport

/// `medpipe report` on a real run, opened in headless Chromium: drawn without a console message, with the
/// charts and pictures it promised, the same offline, and a screenshot that is not blank.
@Suite(.enabled(if: DemoRun.isPossible, "needs the medpipe binary: swift build --build-tests"),
       .enabled(if: Chromium.path != nil, "needs Debian's chromium (tools/setup installs it)"),
       .enabled(if: ChartLibraryTests.debianChartJS != nil, "needs Debian's libjs-chart.js (tools/setup installs it)"))
struct BrowserTests {
    @Test func reportRendersInHeadlessChromium() throws {
        let run = try DemoRun.shared.get()
        let page = run.folder + "/report.html"
        let cli = try SharedData.runMedpipe(["report", "--cache", run.cache, "--model", run.model, "--metrics", run.metrics,
                                             "--gradcam", run.gradcam, "--deid", run.deid, "--out", page, "--threads", "2"])
        try #require(cli.status == 0, "\(cli.error)")
        let promised = try #require(cli.output.firstMatch(of: /(\d+) charts, (\d+) pictures/))
        let (charts, pictures) = (Int(promised.1)!, Int(promised.2)!)
        #expect(charts == 8 && pictures >= 31)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(ExternalReferences.find(in: html).isEmpty)

        let dom = try Chromium.open(page, ["--dump-dom"])
        #expect(dom.status == 0)
        #expect(dom.console.isEmpty, "console: \(dom.console.prefix(5))")
        #expect(dom.output.contains("data-charts-drawn=\"\(charts)\""), "Chart.js drew every chart")
        #expect(!dom.output.contains("data-chart-errors=\""), "a chart failed to draw")
        #expect(dom.output.components(separatedBy: "<canvas ").count - 1 == charts)
        #expect(dom.output.components(separatedBy: "<img ").count - 1 == pictures)
        for section in ["dataset", "training", "evaluation", "gradcam", "deidentification"] {
            #expect(dom.output.contains("<section id=\"\(section)\">"))
        }

        // With every network path cut, the page is the same.
        let offline = try Chromium.open(page, ["--dump-dom"] + Chromium.offline)
        #expect(offline.console.isEmpty, "console offline: \(offline.console.prefix(5))")
        #expect(offline.output == dom.output)

        // A screenshot of the top of the page (header, cards, the class-balance bar charts) is not blank, and
        // holds the bars Chart.js drew in the first series colour.
        let screenshot = run.folder + "/report.png"
        let shot = try Chromium.open(page, ["--screenshot=" + screenshot, "--window-size=1280,1600"])
        #expect(shot.console.isEmpty, "console: \(shot.console.prefix(5))")
        let image = try PNGReader().readImage(screenshot).tensor
        #expect(image.shape[0] == 1600 && image.shape[1] == 1280)
        let channels = image.shape[2], bytes = image.values(as: UInt8.self)
        var nonWhite = 0, seriesBlue = 0
        var colours = Set<Int>()
        for p in stride(from: 0, to: bytes.count, by: channels) {
            let (r, g, b) = (Int(bytes[p]), Int(bytes[p + 1]), Int(bytes[p + 2]))
            if r < 245 || g < 245 || b < 245 { nonWhite += 1 }
            if abs(r - 0x00) < 12 && abs(g - 0x72) < 12 && abs(b - 0xB2) < 12 { seriesBlue += 1 }
            colours.insert(r << 16 | g << 8 | b)
        }
        let pixels = bytes.count / channels
        #expect(Double(nonWhite) / Double(pixels) > 0.05, "\(nonWhite) of \(pixels) pixels are not white")
        #expect(colours.count > 200)
        #expect(seriesBlue > 2000, "the bars of the first class: \(seriesBlue) pixels")
    }
}
