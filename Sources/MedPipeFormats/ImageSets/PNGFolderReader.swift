import Foundation
import MedPipeCore

/// Reads an image set laid out as one folder per class holding PNG files
/// (`root/benign/img01.png`, `root/malignant/...`).
public struct PNGFolderReader: Sendable {
    /// The records and the files passed over.
    public struct Contents: Sendable {
        /// One record per PNG: class folders in name order, files in name order within each.
        public var records: [Record]
        /// One message per file skipped because it is not a PNG.
        public var warnings: [String]
    }

    public var png: PNGReader

    public init(png: PNGReader = PNGReader()) {
        self.png = png
    }

    /// One record per image (format `png-folder`): `label` the folder name, metadata `file` (the path
    /// below the root) and, as for single PNGs, `color_type` and `bit_depth`. Warnings about skipped
    /// files are attached to the first record.
    /// - Throws: as ``load(_:)``.
    public func read(_ path: String) throws -> [Record] {
        let contents = try load(path)
        var records = contents.records   // never empty (``load(_:)``)
        records[0].warnings += contents.warnings
        return records
    }

    /// One PNG of the set, as listed.
    public struct Image: Sendable, Equatable {
        /// The file's path.
        public var path: String
        /// Its class: the name of the folder holding it.
        public var label: String
        /// `class/name.png`, the path below the root.
        public var relativePath: String
    }

    /// The records and the skipped files.
    /// - Throws: `.io` when the folder cannot be listed, `.malformed` naming the file when a PNG
    ///   cannot be decoded, or naming the folder when it holds no PNG image in a class folder (`inspect` and
    ///   `predict` said nothing at all of a folder of folders of folders, and exited 0).
    public func load(_ path: String) throws -> Contents {
        let (images, warnings) = try list(path)
        guard !images.isEmpty else {
            let skipped = warnings.first.map { " (\($0)\(warnings.count > 1 ? ", and \(warnings.count - 1) more" : ""))" } ?? ""
            throw MedPipeError.malformed(path, "holds no PNG image inside a class folder\(skipped): a PNG image set is a folder of one folder of .png files per class")
        }
        return Contents(records: try images.map(read), warnings: warnings)
    }

    /// The images without decoding them (class folders in name order, files in name order within each),
    /// and one message per file skipped because it is not a PNG inside a class folder.
    /// - Throws: `.io` when a folder cannot be listed.
    public func list(_ path: String) throws -> (images: [Image], warnings: [String]) {
        let root = path.hasSuffix("/") ? String(path.dropLast()) : path
        var images: [Image] = []
        var warnings: [String] = []
        let (classes, undecodableClasses) = try Self.sortedEntries(root)
        warnings += undecodableClasses.map { "skipped \($0): \(FolderWalk.undecodableName)" }
        for entry in classes {
            let folder = root + "/" + entry
            guard Self.isDirectory(folder) else {
                warnings.append("skipped \(entry): not inside a class folder")
                continue
            }
            let (names, undecodable) = try Self.sortedEntries(folder)
            warnings += undecodable.map { "skipped \(entry)/\($0): \(FolderWalk.undecodableName)" }
            for name in names {
                let file = folder + "/" + name
                guard name.lowercased().hasSuffix(".png"), FileBytes.isRegularFile(file) else {
                    warnings.append("skipped \(entry)/\(name): not a PNG file")
                    continue
                }
                images.append(Image(path: file, label: entry, relativePath: entry + "/" + name))
            }
        }
        return (images, warnings)
    }

    /// The record of one listed image (format `png-folder`, `label` its class, metadata `file`).
    /// - Throws: `.malformed` naming the file when it cannot be decoded.
    public func read(_ image: Image) throws -> Record {
        var record = try png.read(image.path)
        record.format = FormatKind.pngFolder.rawValue
        record.label = image.label
        record.metadata["file"] = .string(image.relativePath)
        return record
    }

    /// Visible entries of a directory in name order, and apart those whose names are not UTF-8 (shown with U+FFFD).
    private static func sortedEntries(_ path: String) throws -> (names: [String], undecodable: [String]) {
        let entries = try FolderWalk.entries(of: path)
        return (entries.names.sorted(), entries.undecodable.map { String(decoding: $0, as: UTF8.self) }.sorted())
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
