import Foundation
import MedPipeCore

/// Where a command will write a file at the end of long work (a trained model, a report, predictions).
enum OutputPath {
    /// Makes sure a file can be written at `path` before the work starts, so that hours of training are not lost
    /// to a mistyped folder at the end: creates its folder (and the folders above) when missing, and refuses a
    /// folder this process cannot write into, or a path that is a folder.
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw MedPipeError.invalidArgument(path, "is a folder; give the path of the file to write")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try Folder.create(folder, what: "folder \(folder)", subject: path)
        guard access(folder, W_OK) == 0 else {
            throw MedPipeError.io(path, "cannot write into its folder \(folder): \(String(cString: strerror(errno)))")
        }
    }
}
