import Foundation

/// Locates the real public data in `../shared/data` beside the project root.
public enum SharedData {
    /// The project root (the folder holding Package.swift), found from this file's path.
    public static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/data`, resolved; tests that need it are disabled when it is absent.
    public static let root: String = URL(fileURLWithPath: projectRoot + "/../shared/data").standardizedFileURL.path

    /// True when the shared data folder is present.
    public static var isAvailable: Bool { FileManager.default.fileExists(atPath: root + "/MANIFEST.tsv") }

    /// Absolute path of a file below `../shared/data`, e.g. `path("wfdb/100.hea")`.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// The project's own `Fixtures/` folder.
    public static func fixture(_ relative: String) -> String { projectRoot + "/Fixtures/" + relative }
}
