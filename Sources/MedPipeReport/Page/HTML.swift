import Foundation

/// Escaping and the few HTML fragments the report repeats.
enum HTML {
    /// `text` safe inside an element or a double-quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A table with a header row; cells are HTML already (escape text with ``escape(_:)``). Columns
    /// listed in `numeric` are right-aligned.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        func cell(_ tag: String, _ column: Int, _ content: String) -> String {
            numeric.contains(column) ? "<\(tag) class=\"num\">\(content)</\(tag)>" : "<\(tag)>\(content)</\(tag)>"
        }
        var html = "<table><thead><tr>" + header.enumerated().map { cell("th", $0, escape($1)) }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.enumerated().map { cell("td", $0, $1) }.joined() + "</tr>" }
        return html + "</tbody></table>"
    }

    /// A key figure: a large value over a short label.
    static func card(_ value: String, _ label: String) -> String {
        "<div class=\"card\"><b>\(escape(value))</b><span>\(escape(label))</span></div>"
    }

    /// A short note in a muted paragraph.
    static func note(_ text: String) -> String { "<p class=\"note\">\(escape(text))</p>" }

    /// A number with a fixed count of decimals ("–" when absent or not finite).
    static func number(_ value: Double?, _ decimals: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(decimals)f", value)
    }

    /// A number with three significant digits (0.0393, 2.54e-05; "–" when absent or not finite): losses that
    /// fall by orders of magnitude.
    static func significant(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.3g", value)
    }

    /// A whole number with thin-space thousands separators (12 345).
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(digit)
        }
        return (value < 0 ? "−" : "") + out
    }
}
