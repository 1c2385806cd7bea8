import Foundation

/// One chart of the report, as data: drawn by Chart.js in the page, and listed in a table beside it
/// (the exact numbers, and what a reader sees where Chart.js is not installed).
struct Chart {
    enum Kind: String {
        /// Bars over `categories`, one bar per series in each category.
        case bar
        /// Lines through numeric `(x, y)` points.
        case line
    }

    struct Axis {
        var title: String
        var minimum: Double?
        var maximum: Double?
        /// Whole-number ticks (epochs, counts).
        var integer = false
        var logarithmic = false
    }

    struct Series {
        var name: String
        /// One value per category (bar charts).
        var values: [Double?] = []
        /// Points (line charts).
        var points: [(x: Double, y: Double)] = []
        var color: String
        var dashed = false
        /// Draw the points alone, as large markers, without a line (the kept epoch, for instance).
        var markersOnly = false
        /// Steps instead of straight segments (histograms).
        var stepped = false
        var lineWidth = 2.0
        /// Radius of the dots on the points of a line (0: none; markers are larger).
        var pointRadius = 0.0
    }

    var kind: Kind
    var title: String
    var x: Axis
    var y: Axis
    var categories: [String] = []
    var series: [Series]
    /// Height of the drawing area in CSS pixels.
    var height = 260
    /// A legend under the chart (when it has more than one series).
    var legend = true
    /// Charts with many points (signals, ROC curves) leave their numbers out of the table beyond this many rows.
    static let tableRowLimit = 60

    /// The Chart.js configuration (version 3), as JSON safe to place inside a `<script>` element.
    func configurationJSON() -> String {
        let datasets: [[String: Any]] = series.map { s in
            var d: [String: Any] = [
                "label": s.name, "borderColor": s.color, "backgroundColor": s.color,
                "borderWidth": kind == .bar ? 0 : s.lineWidth,
            ]
            switch kind {
            case .bar:
                d["data"] = s.values.map { Self.json($0) }
            case .line:
                d["data"] = s.points.map { ["x": Self.json($0.x), "y": Self.json($0.y)] }
                d["fill"] = false
                d["pointRadius"] = s.markersOnly ? 7 : s.pointRadius
                d["pointHoverRadius"] = s.markersOnly ? 8 : s.pointRadius + 2
                d["showLine"] = !s.markersOnly
                // The legend draws each series by its point style: a marker, a dot, or a short line.
                d["pointStyle"] = s.markersOnly ? "rectRot" : s.pointRadius > 0 ? "circle" : "line"
                // Dots and markers on the first or last epoch sit on the chart's edge: draw them whole.
                if s.markersOnly || s.pointRadius > 0 { d["clip"] = false }
                if s.dashed { d["borderDash"] = [6, 4] }
                if s.stepped { d["stepped"] = "middle" }
            }
            return d
        }
        var data: [String: Any] = ["datasets": datasets]
        if kind == .bar { data["labels"] = categories }
        let configuration: [String: Any] = [
            "type": kind.rawValue,
            "data": data,
            "options": [
                "animation": false,
                "responsive": true,
                "maintainAspectRatio": false,
                "interaction": ["mode": "nearest", "intersect": false],
                "plugins": [
                    "title": ["display": true, "text": title, "font": ["size": 14]],
                    "legend": ["display": legend && series.count > 1, "position": "bottom",
                               "labels": ["usePointStyle": kind == .line, "boxWidth": 36]] as [String: Any],
                ],
                "scales": ["x": axis(x, horizontal: true), "y": axis(y, horizontal: false)],
            ] as [String: Any],
        ]
        let bytes = (try? JSONSerialization.data(withJSONObject: configuration, options: [.sortedKeys])) ?? Data("{}".utf8)
        // JSONSerialization writes "/" as "\/", so "</script>" cannot occur; "<!--" must not either.
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    private func axis(_ a: Axis, horizontal: Bool) -> [String: Any] {
        let title: [String: Any] = ["display": true, "text": a.title, "font": ["size": 13]]
        let ticks: [String: Any] = a.integer ? ["precision": 0] : [:]
        var scale: [String: Any] = ["title": title, "ticks": ticks]
        if horizontal && kind == .bar {
            scale["type"] = "category"
        } else {
            scale["type"] = a.logarithmic ? "logarithmic" : "linear"
        }
        if let minimum = a.minimum { scale["min"] = minimum }
        if let maximum = a.maximum { scale["max"] = maximum }
        if !horizontal && kind == .bar && a.minimum == nil { scale["beginAtZero"] = true }
        return scale
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value`: an axis maximum with round ticks.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, (log10(value)).rounded(.down))
        return [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= value * (1 - 1e-12) } ?? 10 * power
    }

    private static func json(_ value: Double?) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        return value
    }

    /// The numbers behind the chart as an HTML table: categories or x values down, series across.
    func dataTable() -> String {
        let header = [x.title] + series.map(\.name)
        var rows: [[String]] = []
        switch kind {
        case .bar:
            rows = categories.indices.map { i in
                [HTML.escape(categories[i])] + series.map { HTML.number($0.values.indices.contains(i) ? $0.values[i] : nil, Self.decimals($0.values.compactMap { $0 })) }
            }
        case .line:
            let xs = Array(Set(series.flatMap { $0.points.map(\.x) })).sorted()
            guard xs.count <= Self.tableRowLimit else {
                let sizes = series.map { "\($0.name): \($0.points.count) points" }.joined(separator: "; ")
                return HTML.note("Too many points to list (\(sizes)).")
            }
            let lookup = series.map { s in Dictionary(s.points.map { ($0.x, $0.y) }, uniquingKeysWith: { a, _ in a }) }
            let xDecimals = Self.decimals(xs)
            rows = xs.map { value in
                [HTML.number(value, xDecimals)] + zip(series, lookup).map { s, table in
                    HTML.number(table[value], Self.decimals(s.points.map(\.y)))
                }
            }
        }
        return HTML.table(header, rows, numeric: Set(1...max(1, series.count)))
    }

    /// Enough decimals for the values: none for whole numbers, else three significant ones at least.
    private static func decimals(_ values: [Double]) -> Int {
        let finite = values.filter(\.isFinite)
        if finite.allSatisfy({ $0 == $0.rounded() }) { return 0 }
        let largest = finite.map(abs).max() ?? 1
        return largest >= 100 ? 1 : largest >= 1 ? 3 : 4
    }
}

/// Series colours: Okabe and Ito's colour-blind-safe eight, then two of Paul Tol's, for ten classes.
enum Palette {
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933", "#882255", "#44AA99"]

    static func color(_ index: Int) -> String { colors[index % colors.count] }
}
