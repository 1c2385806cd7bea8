import Foundation

/// Reading whole files with errors that name the file.
public enum FileBytes {
    /// The bytes of the file at `path`, read straight into the array (no intermediate buffer).
    /// - Throws: ``MedPipeError`` `.io` naming the file when it is missing, a directory or unreadable.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MedPipeError.io(path, errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw MedPipeError.io(path, "is a directory, expected a file") }
        /// Up to `capacity` bytes from the current offset: fewer only at the end of the file.
        func chunk(_ capacity: Int) throws -> [UInt8] {
            var failure: Int32 = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                count = 0
                while count < buffer.count {
                    let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; break }
                    if n == 0 { break }
                    count += n
                }
            }
            guard failure == 0 else { throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(failure)))") }
            return bytes
        }
        // One byte more than the size shows the end without another call; a file that grew is read on.
        let expected = max(Int(status.st_size), 0) + 1
        var bytes = try chunk(expected)
        guard bytes.count == expected else { return bytes }
        while true {
            let more = try chunk(1 << 20)
            bytes += more
            if more.count < 1 << 20 { return bytes }
        }
    }

    /// The bytes of the file before and after `excluded` (clamped to the file), without reading those in it:
    /// a DICOM file's attributes around its Pixel Data.
    public static func read(_ path: String, outside excluded: Range<Int>) throws -> (before: [UInt8], after: [UInt8]) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MedPipeError.io(path, errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(errno)))") }
        let size = max(Int(status.st_size), 0)
        let start = min(max(excluded.lowerBound, 0), size), end = min(max(excluded.upperBound, start), size)
        /// `count` bytes at `offset`; fewer only if the file shrank meanwhile.
        func bytes(at offset: Int, count: Int) throws -> [UInt8] {
            var failure: Int32 = 0
            let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
                filled = 0
                while filled < count {
                    let n = pread(fd, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; break }
                    if n == 0 { break }
                    filled += n
                }
            }
            guard failure == 0 else { throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(failure)))") }
            return result
        }
        return (try bytes(at: 0, count: start), try bytes(at: end, count: size - end))
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
