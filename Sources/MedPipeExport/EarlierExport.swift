import Foundation
import MedPipeCache
import MedPipeCore

/// The files an earlier export left in a split's folder that a new one would not replace.
///
/// Per-sample files are named by position (`train_00001.png`, or a folder `train_00001/` of slices for a volume),
/// so exporting fewer samples, or a volume of fewer slices, into the folder of an earlier export replaced the first
/// files and left the others, which then passed for part of the new export.
enum EarlierExport {
    /// The paths under `directory` named as an export names `split`'s samples that writing `entries` with
    /// `format` (a per-sample format) would not replace: positions past the last entry, slices past a volume's own,
    /// a volume's folder where a file is written now.
    static func leftovers(in directory: String, split: String, entries: [CacheEntry], format: ExportFormat) -> [String] {
        var stale: [String] = []
        for name in names(in: directory) {
            guard let position = position(of: name, prefix: split + "_"), position >= 1 else { continue }
            let path = directory + "/" + name
            var isFolder: ObjCBool = false
            guard position <= entries.count, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                stale.append(path)
                continue
            }
            guard isFolder.boolValue else { continue }
            let entry = entries[position - 1]
            guard format == .dicom || format == .png, SampleKind(shape: entry.shape, geometry: entry.geometry) == .volume else {
                stale.append(path)
                continue
            }
            stale += names(in: path).filter { (self.position(of: $0, prefix: "") ?? 0) > entry.shape[0] }.map { path + "/" + $0 }
        }
        return stale.sorted()
    }

    /// The `SPLIT.npz` files in `directory`, of splits other than `splits`, whose `y` index the class names of an earlier
    /// `classes.txt` that differs from `classNames`: rewriting `classes.txt` would relabel them without a word.
    static func arraysRelabelled(in directory: String, splits: [String], classNames: [String]) -> [String] {
        guard let bytes = try? FileBytes.read(directory + "/classes.txt"), let earlier = String(validating: bytes, as: UTF8.self),
              earlier != classNames.map({ $0 + "\n" }).joined() else { return [] }
        return names(in: directory).filter { $0.hasSuffix(".npz") && !splits.contains(String($0.dropLast(4))) }.sorted().map { directory + "/" + $0 }
    }

    /// The number after `prefix` at the start of `name` (`train_00012.png` → 12), or nil when `name` is not so named.
    private static func position(of name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
        let rest = name.dropFirst(prefix.count + digits.count)
        guard !digits.isEmpty, rest.isEmpty || rest.hasPrefix(".") else { return nil }
        return Int(digits) ?? .max
    }

    private static func names(in directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}
