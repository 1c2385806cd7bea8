import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MedPipeCore
import MedPipeFormats

/// Where a source's class labels come from.
public enum LabelSpec: Sendable, Equatable {
    /// No labels (e.g. an unlabelled series prepared for export).
    case none
    /// The labels the data set itself carries: an idx labels file, MedMNIST's arrays, PNG class folders.
    case dataset
    /// The name of the folder that holds each file.
    case folder
    /// A CSV column; with `greaterThan`, the label is `1` when the value exceeds it, else `0`.
    case column(String, greaterThan: Double?)
    /// A sidecar CSV mapping a file's name (or its patient) in `keyColumn` to a label in `labelColumn`.
    case sidecar(file: String, keyColumn: String, labelColumn: String)
    /// A DICOM attribute, by keyword (e.g. `BodyPartExamined`).
    case attribute(String)
    /// WFDB beat annotations, mapped to classes by a beat-segmentation stage.
    case annotations
}

/// One entry of a recipe's `sources`: files (after glob expansion) of one format with one label rule.
public struct SourceSpec: Sendable, Equatable {
    /// Absolute paths, sorted, after expanding globs relative to the recipe's folder.
    public var paths: [String]
    /// The declared format, or nil to detect it from content.
    public var format: FormatKind?
    public var label: LabelSpec
    /// For idx image files: the matching labels file.
    public var labelsFile: String?
    /// Line of the entry in the recipe.
    public var line: Int

    /// Whether any file of the source is read as `kind`: its declared format, else the one detected from its content.
    /// Only recipe sections and fields that apply to some formats ask it, once, when the recipe is read.
    func reads(_ kind: FormatKind) -> Bool {
        if let format { return format == kind }
        return paths.contains { (try? FormatKind.detect($0)) == kind }
    }
}

/// Expands `*`, `?` and `[...]` patterns (one path component at a time) relative to a base folder.
enum PathPattern {
    /// The folders and regular files that match `pattern` (FIFOs and other special files would be waited on
    /// forever), and apart the entries that match but whose names are not UTF-8, which no Swift path can open.
    static func expand(_ pattern: String, relativeTo base: String) -> (paths: [String], undecodable: [String]) {
        let absolute = pattern.hasPrefix("/") ? pattern : base + "/" + pattern
        let components = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var matches = ["/"]
        var undecodable: [String] = []
        for component in components {
            var next: [String] = []
            for prefix in matches {
                let join = prefix == "/" ? "/" + component : prefix + "/" + component
                if component.contains(where: { "*?[".contains($0) }) {
                    let entries = (try? FolderWalk.entries(of: prefix)) ?? (names: [], undecodable: [])   // a folder that cannot be listed matches nothing
                    for entry in entries.names.sorted() where fnmatch(component, entry, 0) == 0 {
                        let path = prefix == "/" ? "/" + entry : prefix + "/" + entry
                        var isDirectory: ObjCBool = false
                        guard FileBytes.isRegularFile(path) || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue else { continue }
                        next.append(path)
                    }
                    for raw in entries.undecodable where (raw + [0]).withUnsafeBufferPointer({ name in
                        fnmatch(component, UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self), 0) == 0 }) {
                        undecodable.append((prefix == "/" ? "/" : prefix + "/") + String(decoding: raw, as: UTF8.self))
                    }
                } else if component == ".." || component == "." || FileManager.default.fileExists(atPath: join) {
                    next.append(join)
                }
            }
            matches = next
        }
        return (matches.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, undecodable.sorted())
    }
}
