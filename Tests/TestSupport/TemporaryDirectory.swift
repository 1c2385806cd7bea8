import Foundation

/// A fresh, empty folder for one test under the system's temporary directory (`medpipe-NAME-UUID`).
/// The test removes it when done.
public func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "medpipe-\(name)-" + UUID().uuidString
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        fatalError("cannot create the temporary folder \(path): \(error)")
    }
    return path
}
