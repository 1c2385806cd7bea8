import Foundation
import MedPipeCore

/// Chart.js, as Debian's `libjs-chart.js` installs it, read once to be inlined into the page: the report
/// opens offline, from a USB stick or an e-mail, without fetching anything.
public struct ChartLibrary: Sendable {
    /// Where Debian puts the UMD build (version 3 names it chart.min.js, version 4 chart.umd.js).
    public static let debianPaths = [
        "/usr/share/javascript/chart.js/chart.umd.min.js", "/usr/share/javascript/chart.js/chart.umd.js",
        "/usr/share/javascript/chart.js/chart.min.js", "/usr/share/javascript/chart.js/chart.js",
    ]

    public let path: String
    /// The version its banner names (`3.9.1`), or "unknown".
    public let version: String
    /// The script, safe to place between `<script>` and `</script>`.
    let source: String

    /// Reads the library at `path`.
    /// - Throws: `.malformed` when the file is not Chart.js's UMD build.
    public init(path: String) throws {
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self), text.contains("Chart.js"), text.contains(".Chart=") || text.contains(".Chart = ") else {
            throw MedPipeError.malformed(path, "is not Chart.js's UMD build (the one that defines a global Chart)")
        }
        self.path = path
        let banner = text.range(of: #"Chart\.js v[0-9]+\.[0-9]+\.[0-9]+"#, options: .regularExpression).map { String(text[$0].dropFirst(10)) }
        version = banner ?? "unknown"
        // A script element ends at the first "</script" whatever the JavaScript around it; "<\/" is the same
        // text to JavaScript.
        source = text.replacingOccurrences(of: "</script", with: "<\\/script", options: .caseInsensitive)
    }

    /// The first of ``debianPaths`` that exists, read; nil when Chart.js is not installed.
    public static func installed() throws -> ChartLibrary? {
        guard let path = debianPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return try ChartLibrary(path: path)
    }
}
