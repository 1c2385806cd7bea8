import MedPipeCore

/// A zip archive read through its central directory (ZIP64 included), with stored and deflated
/// members: what `numpy.savez` and `numpy.savez_compressed` write.
struct ZipArchive {
    /// One member as the central directory lists it.
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let source: String
    /// Members in central-directory order.
    private(set) var entries: [Entry] = []

    /// Parses the central directory of `bytes`.
    /// - Throws: `.malformed` naming `source` when the end record or a directory entry is missing,
    ///   truncated or points outside the file.
    init(_ bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        self.source = source
        let (total, directorySize, directoryOffset) = try endRecord()
        var count = total
        guard directoryOffset.addingReportingOverflow(directorySize).partialValue <= bytes.count, directoryOffset >= 0 else {
            throw MedPipeError.malformed(source, "zip central directory (\(directorySize) bytes at offset \(directoryOffset)) lies beyond the end of the \(bytes.count)-byte file")
        }
        entries.reserveCapacity(min(count, directorySize / 46))
        var at = directoryOffset
        while count > 0 {
            entries.append(try entry(at: &at))
            count -= 1
        }
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    /// - Parameter limit: the largest member size to allocate.
    func contents(of entry: Entry, limit: Int) throws -> [UInt8] {
        let what = "zip member '\(entry.name)'"
        guard entry.flags & 1 == 0 else { throw MedPipeError.unsupported(source, "\(what) is encrypted") }
        guard entry.uncompressedSize <= limit else {
            throw MedPipeError.unsupported(source, "\(what) of \(entry.uncompressedSize) bytes exceeds the \(limit)-byte limit")
        }
        let local = entry.localHeaderOffset
        guard local >= 0, local <= bytes.count - 30, u32(local) == 0x0403_4B50 else {
            throw MedPipeError.malformed(source, "\(what): no local header at offset \(local)")
        }
        let start = local + 30 + Int(u16(local + 26)) + Int(u16(local + 28))
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw MedPipeError.malformed(source, "truncated zip: \(what) needs \(entry.compressedSize) bytes at offset \(start), the file has \(bytes.count)")
        }
        return try bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[start..<start + entry.compressedSize])
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.uncompressedSize else {
                    throw MedPipeError.malformed(source, "\(what) is stored but lists \(entry.compressedSize) compressed and \(entry.uncompressedSize) uncompressed bytes")
                }
                guard Deflate.crc32(data) == entry.crc else { throw MedPipeError.malformed(source, "\(what): CRC-32 mismatch") }
                return Array(data)
            case 8:
                guard entry.uncompressedSize <= Gzip.maximumExpansion(ofCompressed: entry.compressedSize) else {
                    throw MedPipeError.malformed(source, "\(what) claims \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed bytes")
                }
                return try Deflate.inflate(data, count: entry.uncompressedSize, crc: entry.crc, source: source, what: what)
            default:
                throw MedPipeError.unsupported(source, "\(what) uses compression method \(entry.method) (MedPipe reads stored and deflated members)")
            }
        }
    }

    /// Entry count, central directory size and offset from the end record (ZIP64 when present).
    private func endRecord() throws -> (Int, Int, Int) {
        // The end record is 22 bytes plus a comment of up to 65535.
        let earliest = max(0, bytes.count - 22 - 0xFFFF)
        var at = bytes.count - 22
        while at >= earliest, u32(at) != 0x0605_4B50 { at -= 1 }
        guard at >= earliest, bytes.count >= 22 else {
            throw MedPipeError.malformed(source, "not a zip archive (no end-of-central-directory record)")
        }
        var count = Int(u16(at + 10)), size = Int(u32(at + 12)), offset = Int(u32(at + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = at - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else {
                throw MedPipeError.malformed(source, "zip end record needs ZIP64 values but the ZIP64 locator is missing")
            }
            let record = try checkedOffset(u64(locator + 8), what: "ZIP64 end record")
            guard record <= bytes.count - 56, u32(record) == 0x0606_4B50 else {
                throw MedPipeError.malformed(source, "no ZIP64 end record at offset \(record)")
            }
            count = try checkedOffset(u64(record + 32), what: "ZIP64 entry count")
            size = try checkedOffset(u64(record + 40), what: "ZIP64 directory size")
            offset = try checkedOffset(u64(record + 48), what: "ZIP64 directory offset")
        }
        return (count, size, offset)
    }

    private func entry(at position: inout Int) throws -> Entry {
        let at = position
        guard at <= bytes.count - 46, u32(at) == 0x0201_4B50 else {
            throw MedPipeError.malformed(source, "zip central directory entry \(entries.count) missing at offset \(at)")
        }
        let nameLength = Int(u16(at + 28)), extraLength = Int(u16(at + 30)), commentLength = Int(u16(at + 32))
        let end = at + 46 + nameLength + extraLength + commentLength
        guard end <= bytes.count else { throw MedPipeError.malformed(source, "zip central directory entry at offset \(at) is truncated") }
        var entry = Entry(
            name: String(decoding: bytes[at + 46..<at + 46 + nameLength], as: UTF8.self),
            method: u16(at + 10), flags: u16(at + 8), crc: u32(at + 16),
            compressedSize: Int(u32(at + 20)), uncompressedSize: Int(u32(at + 24)), localHeaderOffset: Int(u32(at + 42)))
        try applyZIP64(&entry, extra: at + 46 + nameLength, length: extraLength)
        position = end
        return entry
    }

    /// Replaces 0xFFFFFFFF sizes and offset with the 64-bit values of the ZIP64 extra field.
    private func applyZIP64(_ entry: inout Entry, extra start: Int, length: Int) throws {
        var at = start
        while at + 4 <= start + length {
            let id = u16(at), size = Int(u16(at + 2))
            var field = at + 4
            let fieldEnd = field + size
            guard fieldEnd <= start + length else { break }
            if id == 0x0001 {
                func next() throws -> Int {
                    guard field + 8 <= fieldEnd else { throw MedPipeError.malformed(source, "zip member '\(entry.name)': ZIP64 extra field too short") }
                    defer { field += 8 }
                    return try checkedOffset(u64(field), what: "ZIP64 size of '\(entry.name)'")
                }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
            }
            at = fieldEnd
        }
    }

    private func checkedOffset(_ value: UInt64, what: String) throws -> Int {
        guard value <= UInt64(Int.max / 2) else { throw MedPipeError.malformed(source, "\(what) \(value) is impossible") }
        return Int(value)
    }

    private func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    private func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}
