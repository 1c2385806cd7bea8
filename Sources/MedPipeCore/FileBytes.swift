import Foundation

/// Reading whole files with errors that name the file.
public enum FileBytes {
    /// The bytes of the file at `path`.
    /// - Throws: ``MedPipeError`` `.io` naming the file when it is missing, a directory or unreadable.
    public static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MedPipeError.io(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw MedPipeError.io(path, "is a directory, expected a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedPipeError.io(path, "cannot be read (permissions?)")
        }
        return [UInt8](data)
    }

    /// The first `count` bytes of the file (fewer if the file is shorter), without reading the rest.
    public static func head(_ path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MedPipeError.io(path, "no such file or not readable") }
        defer { try? handle.close() }
        let data = try? handle.read(upToCount: count)
        return [UInt8](data ?? Data())
    }

    /// Size of the file in bytes (of the file a symbolic link points to, not of the link).
    public static func size(_ path: String) throws -> Int {
        guard let values = try? URL(fileURLWithPath: path).resolvingSymlinksInPath().resourceValues(forKeys: [.fileSizeKey]),
              let size = values.fileSize else { throw MedPipeError.io(path, "no such file") }
        return size
    }
}
