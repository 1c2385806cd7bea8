import Foundation

/// Reading whole files with errors that name the file.
public enum FileBytes {
    /// The bytes of the file at `path`, read straight into the array (no intermediate buffer).
    /// - Throws: ``MedPipeError`` `.io` naming the file when it is missing, a directory, unreadable or not a
    ///   regular file (``openRegularFile(_:)``).
    public static func read(_ path: String) throws -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        return try readAll(fd, size: size, path: path)
    }

    /// The bytes of the file at `path`, refused before they are read when the file holds more than `limit` bytes.
    /// - Throws: as ``read(_:)``, and `.unsupported` naming the file, its size and the limit when it is larger, with
    ///   `what` it is (`a recipe`).
    public static func read(_ path: String, atMost limit: Int, what: String) throws -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        guard size <= limit else {
            throw MedPipeError.unsupported(path, "holds \(size) bytes, more than \(what) may (\(limit) bytes)")
        }
        return try readAll(fd, size: size, path: path)
    }

    /// The bytes of the open file `fd` of `size` bytes, to its end.
    private static func readAll(_ fd: Int32, size: Int, path: String) throws -> [UInt8] {
        // One byte more than the size shows the end without another call; a file that grew is read on.
        var bytes = try read(fd, at: nil, count: size + 1, path: path)
        guard bytes.count == size + 1 else { return bytes }
        while true {
            let more = try read(fd, at: nil, count: 1 << 20, path: path)
            bytes += more
            if more.count < 1 << 20 { return bytes }
        }
    }

    /// The bytes of the file before and after `excluded` (clamped to the file), without reading those in it:
    /// a DICOM file's attributes around its Pixel Data.
    public static func read(_ path: String, outside excluded: Range<Int>) throws -> (before: [UInt8], after: [UInt8]) {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        let start = min(max(excluded.lowerBound, 0), size), end = min(max(excluded.upperBound, start), size)
        return (try read(fd, at: 0, count: start, path: path), try read(fd, at: end, count: size - end, path: path))
    }

    /// Opens a regular file for reading, without ever waiting: returns the descriptor (the caller closes it) and the
    /// file's size. The file is opened non-blocking and checked before anything is read: a FIFO under the name
    /// (opening it for reading would wait for a writer forever), a socket or a device is refused, as is a folder.
    /// - Throws: ``MedPipeError`` `.io` naming the file when it is missing, unreadable or not a regular file.
    public static func openRegularFile(_ path: String) throws -> (fd: Int32, size: Int) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw MedPipeError.io(path, errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let failure = errno
            close(fd)
            throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(failure)))")
        }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(fd)
            throw MedPipeError.io(path, type == S_IFDIR ? "is a directory, expected a file" : "is not a regular file (a FIFO, socket or device)")
        }
        // Reads of a regular file never wait anyway; the flag is cleared so that the descriptor is an ordinary one.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, max(Int(status.st_size), 0))
    }

    /// Up to `count` bytes at `offset` of `fd`, or from its current position when `offset` is nil: fewer
    /// only at the end of the file.
    private static func read(_ fd: Int32, at offset: Int?, count: Int, path: String) throws -> [UInt8] {
        var failure: Error?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
            do { filled = try read(fd, at: offset, into: UnsafeMutableRawBufferPointer(buffer), path: path) } catch { failure = error; filled = 0 }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` with the bytes at `offset` of `fd` (positioned reads, which threads may make at once), or from
    /// its current position when `offset` is nil; returns how many it read: fewer only at the end of the file.
    /// - Throws: ``MedPipeError`` `.io` naming `path` when a read fails.
    public static func read(_ fd: Int32, at offset: Int?, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let destination = buffer.baseAddress! + filled, count = buffer.count - filled
            let n = offset.map { pread(fd, destination, count, off_t($0 + filled)) } ?? Glibc.read(fd, destination, count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw MedPipeError.io(path, "cannot be read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// The first `count` bytes of the file (fewer if the file is shorter), without reading the rest.
    /// - Throws: as ``openRegularFile(_:)``.
    public static func head(_ path: String, count: Int) throws -> [UInt8] {
        let (fd, _) = try openRegularFile(path)
        defer { close(fd) }
        return try read(fd, at: 0, count: count, path: path)
    }

    /// True for a regular file, or a symbolic link to one; false for folders, FIFOs, sockets, devices and missing
    /// paths. Folder walks keep only these: opening a FIFO found in a folder would wait for a writer forever.
    public static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// The canonical absolute path of an existing file or folder (symbolic links, `.` and `..` resolved), or nil:
    /// two spellings of one folder (`./a/out`, `/abs/a/out`) compare equal.
    public static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The canonical absolute path `path` has or would have: that of its deepest existing folder (``canonicalPath(_:)``)
    /// followed by the names below it that do not exist yet, so that a file about to be written compares with existing ones.
    public static func canonicalPathOfNew(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardizedFileURL, below: [String] = []
        while canonicalPath(existing.path) == nil, existing.path != "/" {
            below.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        let base = canonicalPath(existing.path) ?? existing.path
        return base == "/" && !below.isEmpty ? "/" + below.joined(separator: "/") : ([base] + below).joined(separator: "/")
    }

    /// Whether `inner` is `outer` or lies below it, both canonical paths (``canonicalPath(_:)``).
    public static func canonical(_ inner: String, isWithin outer: String) -> Bool {
        inner == outer || inner.hasPrefix(outer == "/" ? "/" : outer + "/")
    }

    /// Size of the file in bytes (of the file a symbolic link points to, not of the link).
    public static func size(_ path: String) throws -> Int {
        guard let values = try? URL(fileURLWithPath: path).resolvingSymlinksInPath().resourceValues(forKeys: [.fileSizeKey]),
              let size = values.fileSize else { throw MedPipeError.io(path, "no such file") }
        return size
    }
}
