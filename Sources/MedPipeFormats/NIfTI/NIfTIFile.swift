#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MedPipeCore

/// One file of a NIfTI image (`.nii`, `.hdr`, `.img`, each possibly gzip-compressed), read by
/// byte range without ever allocating more than the file can hold.
struct NIfTIFile {
    let path: String
    /// Size on disk.
    let size: Int
    /// The whole file when it is gzip-compressed (needed to decompress any part of it).
    private let compressed: [UInt8]?

    init(_ path: String) throws {
        self.path = path
        size = try FileBytes.size(path)
        let head = try FileBytes.head(path, count: 2)
        compressed = Gzip.isGzip(head) ? try Self.readPlain(path, offset: 0, count: size) : nil
    }

    /// Most bytes the file can hold once decompressed.
    var maximumContentSize: Int {
        compressed.map { Gzip.maximumExpansion(ofCompressed: $0.count) } ?? size
    }

    /// The first `count` bytes of the content, or all of it when shorter.
    func prefix(_ count: Int) throws -> [UInt8] {
        let wanted = min(count, maximumContentSize)
        if let compressed { return try Gzip.decompress(compressed, count: wanted, source: path) }
        return try Self.readPlain(path, offset: 0, count: min(wanted, size))
    }

    /// Content bytes `[offset, offset + count)`, as an array and the index where they start in it.
    /// - Parameter need: what the bytes are, for the error when the file is shorter.
    /// - Throws: `.malformed` naming the file, the size needed and the size found.
    func region(offset: Int, count: Int, need: String) throws -> (bytes: [UInt8], start: Int) {
        let end = offset + count
        let short = { (found: String) in MedPipeError.malformed(path, "\(need) needs \(end) bytes, \(found)") }
        if let compressed {
            guard end <= maximumContentSize else {
                throw short("but \(compressed.count) gzip-compressed bytes cannot hold more than \(maximumContentSize)")
            }
            let content = try Gzip.decompress(compressed, count: end, source: path)
            guard content.count == end else { throw short("the decompressed file has \(content.count)") }
            return (content, offset)
        }
        guard end <= size else { throw short("the file has \(size)") }
        return (try Self.readPlain(path, offset: offset, count: count), 0)
    }

    private static func readPlain(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let (descriptor, _) = try FileBytes.openRegularFile(path)
        defer { close(descriptor) }
        var failure: Int32 = 0
        let bytes = LargeBuffer.make(count: count) { buffer in
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer + done, count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { failure = got < 0 ? errno : -1; break }
                done += got
            }
            return done
        }
        if failure != 0 {
            throw MedPipeError.io(path, failure > 0 ? "read failed at byte \(offset): \(String(cString: strerror(failure)))"
                                                    : "ended at byte \(offset + bytes.count) while reading \(count) bytes at \(offset)")
        }
        return bytes
    }
}
