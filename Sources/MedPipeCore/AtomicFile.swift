import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole files written so that no reader ever sees a partial one.
public enum AtomicFile {
    /// Writes the concatenation of `parts` to `path`: into a hidden temporary file in the same folder
    /// (gathered writes, no copy of the parts), flushed to disk when `durable`, then renamed over `path`.
    /// On any error the temporary file is removed and `path` is left as it was.
    public static func write(_ path: String, parts: [UnsafeRawBufferPointer], durable: Bool = false) throws {
        let staged = try Staged(path, bytes: parts.reduce(0) { $0 + $1.count })
        try writeAll(staged.descriptor, parts, path: path)
        try staged.commit(durable: durable)
    }

    /// Writes `bytes` (an array, `Data`) to `path` as ``write(_:parts:durable:)`` does.
    public static func write(_ path: String, bytes: some ContiguousBytes, durable: Bool = false) throws {
        try bytes.withUnsafeBytes { try write(path, parts: [$0], durable: durable) }
    }

    /// Writes `text`, UTF-8 encoded, to `path` as ``write(_:parts:durable:)`` does.
    public static func write(_ path: String, text: String, durable: Bool = false) throws {
        var text = text
        try text.withUTF8 { try write(path, parts: [UnsafeRawBufferPointer($0)], durable: durable) }
    }

    /// Refuses to write a file at `path` when something other than a file is there: a device, a FIFO or a socket
    /// (`--out /dev/null`), which the rename of ``write(_:parts:durable:)`` would replace by a regular file (as root,
    /// `/dev/null` itself), or a folder, or a symbolic link to any of them (`/dev/stdout`); or when `path` cannot name
    /// a file (empty, or ending in `/`: the temporary file could not be made, or not renamed, after all the work).
    /// Nothing there, a file, or a symbolic link to a file or to nothing (the rename replaces the link, not what it
    /// points to) passes.
    /// - Throws: `.invalidArgument` naming `path` and what it is.
    public static func refuseNonFile(_ path: String) throws {
        guard !path.isEmpty else { throw MedPipeError.invalidArgument("''", "is an empty path; give the path of the file to write") }
        guard !path.hasSuffix("/") else { throw MedPipeError.invalidArgument(path, "ends in '/', as a folder does; give the path of the file to write") }
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        var linked = ""
        if status.st_mode & S_IFMT == S_IFLNK {
            guard stat(path, &status) == 0 else { return }
            linked = " (through a symbolic link)"
        }
        let what: String
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw MedPipeError.invalidArgument(path, "is a folder\(linked); give the path of the file to write")
        case S_IFCHR: what = "a character device"
        case S_IFBLK: what = "a block device"
        case S_IFIFO: what = "a FIFO"
        case S_IFSOCK: what = "a socket"
        default: what = "not a regular file"
        }
        throw MedPipeError.invalidArgument(path, "is \(what)\(linked), not a file: MedPipe writes an output whole under a temporary name and renames it into place, which would replace it; give the path of a file")
    }

    /// A file being written under a hidden temporary name in its folder, renamed over its path by
    /// ``commit(durable:)``; removed instead if it is released uncommitted (an error on the way), so `path` is
    /// either left as it was or replaced whole.
    public final class Staged: @unchecked Sendable {
        /// The final path, and the descriptor of the temporary file, open for writing (positioned writes from
        /// several threads are safe).
        public let path: String, descriptor: Int32
        private let temporary: String
        private var pending = true

        /// Creates the temporary file; `bytes`, when known, reserves a large file's disk blocks up front.
        /// - Throws: what ``AtomicFile/refuseNonFile(_:)`` throws for `path`, and when the file cannot be created.
        public init(_ path: String, bytes: Int = 0) throws {
            try AtomicFile.refuseNonFile(path)
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { String(path[...$0]) } ?? ""
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            temporary = folder + Self.temporaryName(for: name)
            Interruption.removeOnInterrupt(temporary)
            descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                Interruption.keep(temporary)
                throw MedPipeError.io(path, "cannot create \(temporary): \(String(cString: strerror(errno)))")
            }
            self.path = path
            AtomicFile.preallocate(descriptor, bytes: bytes)
        }

        /// `.NAME.PID.RANDOM.tmp`, NAME cut short where the whole would pass the 255 bytes a file name may hold (a
        /// valid name of 230 bytes or more could not be written: "File name too long").
        static func temporaryName(for name: String) -> String {
            let suffix = ".\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
            var kept = Substring(name)
            while 1 + kept.utf8.count + suffix.utf8.count > 255 { kept = kept.dropLast() }
            return "." + kept + suffix
        }

        /// Flushes the file to disk when `durable`, closes it and renames it over `path`.
        public func commit(durable: Bool) throws {
            guard pending else { throw MedPipeError.io(path, "is already committed") }
            if durable, fsync(descriptor) != 0 { throw MedPipeError.io(path, "cannot flush: \(String(cString: strerror(errno)))") }
            pending = false
            guard close(descriptor) == 0 else {
                unlink(temporary)
                Interruption.keep(temporary)
                throw MedPipeError.io(path, "cannot close: \(String(cString: strerror(errno)))")
            }
            defer { Interruption.keep(temporary) }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw MedPipeError.io(path, "cannot move \(temporary) into place: \(reason)")
            }
        }

        deinit {
            if pending {
                close(descriptor)
                unlink(temporary)
                Interruption.keep(temporary)
            }
        }
    }

    /// Writes the concatenation of `parts` straight to `path` (created, or truncated if it exists), not flushed to
    /// disk: for the many files of a folder that a record written atomically after them vouches for (the
    /// `index.json` of `medpipe gradcam`), where a reader trusts no file before that record exists. One folder
    /// operation per file instead of the two of ``write(_:parts:durable:)`` (create and rename), which two threads
    /// writing into one folder contend for. On an error the partial file is removed. A symbolic link at `path` is
    /// replaced, as the rename of ``write(_:parts:durable:)`` replaces it, never written through: the file it points
    /// to, outside the folder, is left as it was. A device, FIFO, socket or folder at `path` is refused
    /// (``refuseNonFile(_:)``), never written into.
    public static func writeInPlace(_ path: String, parts: [UnsafeRawBufferPointer]) throws {
        try refuseNonFile(path)
        var fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0, errno == ELOOP, unlink(path) == 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        }
        guard fd >= 0 else { throw MedPipeError.io(path, "cannot create: \(String(cString: strerror(errno)))") }
        do {
            try writeAll(fd, parts, path: path)
            guard close(fd) == 0 else { throw MedPipeError.io(path, "cannot close: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    /// Reserves the disk blocks of a large file before it is written, where the file system can (ext4, XFS,
    /// btrfs; elsewhere nothing happens). On ext4 the data is then written into one allocated extent instead of
    /// through delayed allocation, which renaming the file over an existing one would otherwise force to disk
    /// at once (ext4's `auto_da_alloc`): writing a 78 MB array over an earlier one took 80 ms, now 40 ms.
    fileprivate static func preallocate(_ fd: Int32, bytes: Int) {
        #if os(Linux)
        guard bytes >= 1 << 20, let fallocate else { return }
        _ = fallocate(fd, 0, 0, off_t(bytes))
        #endif
    }

    #if os(Linux)
    /// glibc's `fallocate` (a GNU extension of <fcntl.h>).
    private static let fallocate = GlibcFunction.named("fallocate", as: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)
    #endif

    /// Flushes the folder at `path` to disk (fsync of the directory), making the names of the files
    /// renamed into it durable: one call after writing many files instead of one fsync per file.
    public static func syncFolder(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MedPipeError.io(path, "cannot open folder: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw MedPipeError.io(path, "cannot flush folder: \(String(cString: strerror(errno)))") }
    }

    /// Writes every byte of `parts` to `fd` with gathered writes, resuming after short writes and EINTR: at the
    /// file's position, or from byte `offset` on without moving it (positioned writes: threads may write other
    /// ranges of one file at once).
    public static func writeAll(_ fd: Int32, _ parts: [UnsafeRawBufferPointer], at offset: Int? = nil, path: String) throws {
        var vectors = parts.filter { $0.count > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var first = 0, done = 0
        while first < vectors.count {
            let count = Int32(min(vectors.count - first, 1024))  // IOV_MAX on Linux
            let written = vectors.withUnsafeBufferPointer { v in
                offset.map { pwritev(fd, v.baseAddress! + first, count, off_t($0 + done)) } ?? writev(fd, v.baseAddress! + first, count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw MedPipeError.io(path, "cannot write: \(String(cString: strerror(errno)))")
            }
            guard written > 0 else { throw MedPipeError.io(path, "cannot write: no progress") }
            done += written
            var left = written
            while first < vectors.count, left >= vectors[first].iov_len {
                left -= vectors[first].iov_len
                first += 1
            }
            if left > 0 {
                vectors[first].iov_base += left
                vectors[first].iov_len -= left
            }
        }
    }
}
