import Foundation

/// Creating the folders results go into, with errors that say why one cannot be.
public enum Folder {
    /// Creates the folder at `path` and the folders above it that are missing.
    /// - Parameters:
    ///   - what: the folder's role in the error, e.g. "output folder".
    ///   - subject: what the error names (default: `path`), e.g. the file to be written in the folder.
    /// - Throws: `.io` naming `subject` and the reason: the first part of `path` that is a file, or that cannot be
    ///   written into (Foundation's own message for both was "The operation could not be completed").
    public static func create(_ path: String, what: String, subject: String? = nil, attributes: [FileAttributeKey: Any]? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: attributes)
        } catch {
            throw MedPipeError.io(subject ?? path, "cannot create the \(what): \(reason(path) ?? error.localizedDescription)")
        }
    }

    /// Why no folder can be made at `path`: a part of it longer than a name may be, its first part that exists is a
    /// file, or a folder this process cannot write into; nil when none is the case.
    private static func reason(_ path: String) -> String? {
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > 255 }) {
            return "\(String(cString: strerror(ENAMETOOLONG))): a name holds at most 255 bytes, '\(long.prefix(16))…' \(long.utf8.count)"
        }
        var part = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: part, isDirectory: &isFolder) {
                if !isFolder.boolValue { return "\(part) is a file, not a folder" }
                return part == path || access(part, W_OK) == 0 ? nil : "\(part) is not writable"
            }
            let parent = (part as NSString).deletingLastPathComponent
            guard parent != part, !parent.isEmpty else { return nil }
            part = parent
        }
    }
}
