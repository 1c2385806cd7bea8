import Foundation
import MedPipeCore
import MedPipeDeidentify

/// De-identification (`medpipe anonymize --report`): files written and withheld with reasons, the actions
/// taken per attribute, and the residual scan.
enum DeidentificationSection {
    /// Reads a report written by `medpipe anonymize --report`.
    static func read(_ path: String) throws -> DeidentificationReport {
        let bytes = try FileBytes.read(path)
        do {
            return try JSONDecoder().decode(DeidentificationReport.self, from: Data(bytes))
        } catch {
            throw MedPipeError.malformed(path, "is not a report of `medpipe anonymize --report`")
        }
    }

    static func html(_ report: DeidentificationReport, path: String) -> String {
        let written = report.files.filter { $0.output != nil }.count
        var html = HTML.note("From \(path): PS3.15 Basic Application Level Confidentiality Profile, edition \(report.profileEdition); options: \(report.options.sorted.map(\.rawValue).joined(separator: ", ").isEmpty ? "none" : report.options.sorted.map(\.rawValue).joined(separator: ", ")); project key \(report.keyFingerprint).")
        html += "<div class=\"cards\">"
            + HTML.card(String(written), "files written")
            + HTML.card(String(report.withheld.count), "files withheld")
            + HTML.card(String(report.failures), "inputs failed")
            + HTML.card(report.passed ? "passed" : "FAILED", "residual scan of every output")
            + "</div>"

        html += "<h3>Files withheld</h3>"
        html += report.withheld.isEmpty ? "<p class=\"ok\">None.</p>"
            : HTML.table(["source (pseudonymous)", "reason"], report.withheld.map { [HTML.escape($0.source), HTML.escape($0.reason)] })

        html += "<h3>Actions per attribute</h3>"
        struct Key: Hashable { var tag: String; var keyword: String; var action: String }
        var files: [Key: Int] = [:]
        for file in report.files {
            for attribute in Set(file.attributes) {
                files[Key(tag: attribute.tag?.description ?? "", keyword: attribute.keyword, action: attribute.action), default: 0] += 1
            }
        }
        let rows = files.sorted { ($0.key.tag, $0.key.keyword, $0.key.action) < ($1.key.tag, $1.key.keyword, $1.key.action) }.map { key, count in
            [HTML.escape(key.tag), HTML.escape(key.keyword), HTML.escape(key.action), HTML.count(count)]
        }
        html += rows.isEmpty ? HTML.note("No attribute was touched.")
            : "<details open><summary>\(rows.count) attribute actions over \(report.files.count) files</summary>"
                + HTML.table(["tag", "attribute", "action", "files"], rows, numeric: [3]) + "</details>"

        html += "<h3>Residual scan</h3>"
        let scan = report.residual
        html += scan.passed
            ? "<p class=\"ok\">Passed: \(HTML.count(scan.scanned)) texts and buffers searched for \(HTML.count(scan.identifiers)) identifying values of the inputs; none found.</p>"
            : "<p class=\"fail\">\(scan.hits.count) identifying value\(scan.hits.count == 1 ? "" : "s") found in \(HTML.count(scan.scanned)) texts and buffers searched.</p>"
                + HTML.table(["kind", "where", "offset", "length"], scan.hits.prefix(100).map {
                    [HTML.escape($0.kind.rawValue), HTML.escape($0.location), String($0.offset), String($0.length)]
                }, numeric: [2, 3])
        return html
    }
}
