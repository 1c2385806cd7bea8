import Foundation
import MedPipeCore

/// Writes a zip archive of stored (uncompressed) members, streaming each member's bytes: the
/// layout `numpy.savez` produces and `numpy.load` reads. Sizes are declared up front; each member's
/// CRC-32 is patched into its local header when it ends. Members and the archive stay below 4 GiB
/// (no ZIP64).
final class StoredZipWriter {
    private struct Member {
        var name: [UInt8]
        var offset: UInt64
        var size: UInt64
        var crc: UInt32
    }

    let path: String
    /// The archive under a temporary name until ``finish()``: an export that fails on the way leaves `path` as it was.
    private let staged: AtomicFile.Staged
    private var members: [Member] = []
    private var position: UInt64 = 0
    private var current: (member: Member, written: UInt64, crc: CRC32)?

    init(path: String) throws {
        self.path = path
        staged = try AtomicFile.Staged(path)
    }

    /// Starts a member of exactly `size` bytes.
    func begin(_ name: String, size: UInt64) throws {
        precondition(current == nil, "the previous member has not ended")
        guard position + size + 1024 < UInt64(UInt32.max) else {
            throw MedPipeError.unsupported(path, "member \(name) of \(size) bytes would take the archive past 4 GiB (no ZIP64): export fewer samples with --limit or --split")
        }
        let member = Member(name: Array(name.utf8), offset: position, size: size, crc: 0)
        var header = Self.u32(0x0403_4B50) + Self.u16(20) + Self.u16(0) + Self.u16(0) + Self.dosTimeAndDate
        header += Self.u32(0) + Self.u32(UInt32(size)) + Self.u32(UInt32(size))
        header += Self.u16(UInt16(member.name.count)) + Self.u16(0) + member.name
        try put(header)
        current = (member, 0, CRC32())
    }

    /// Appends bytes to the current member.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard current != nil else { preconditionFailure("no member started") }
        current!.crc.update(bytes)
        current!.written += UInt64(bytes.count)
        guard current!.written <= current!.member.size else {
            throw MedPipeError.invalidArgument(path, "member \(String(decoding: current!.member.name, as: UTF8.self)) got more than its declared \(current!.member.size) bytes")
        }
        try put(bytes)
    }

    func append(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append($0) } }

    /// Ends the current member: checks its size and writes its CRC-32 into the local header.
    func end() throws {
        guard let (started, written, crc) = current else { preconditionFailure("no member started") }
        var member = started
        guard written == member.size else {
            throw MedPipeError.invalidArgument(path, "member \(String(decoding: member.name, as: UTF8.self)) got \(written) of its declared \(member.size) bytes")
        }
        member.crc = crc.value
        try Self.u32(member.crc).withUnsafeBytes { try AtomicFile.writeAll(staged.descriptor, [$0], at: Int(member.offset + 14), path: path) }
        members.append(member)
        current = nil
    }

    /// Writes the central directory, flushes the file to disk and renames it over ``path``.
    func finish() throws {
        precondition(current == nil, "a member has not ended")
        let start = position
        for member in members {
            var entry = Self.u32(0x0201_4B50) + Self.u16(20) + Self.u16(20) + Self.u16(0) + Self.u16(0) + Self.dosTimeAndDate
            entry += Self.u32(member.crc) + Self.u32(UInt32(member.size)) + Self.u32(UInt32(member.size))
            entry += Self.u16(UInt16(member.name.count)) + Self.u16(0) + Self.u16(0) + Self.u16(0) + Self.u16(0) + Self.u32(0)
            entry += Self.u32(UInt32(member.offset)) + member.name
            try put(entry)
        }
        var end = Self.u32(0x0605_4B50) + Self.u16(0) + Self.u16(0) + Self.u16(UInt16(members.count)) + Self.u16(UInt16(members.count))
        end += Self.u32(UInt32(position - start)) + Self.u32(UInt32(start)) + Self.u16(0)
        try put(end)
        try staged.commit(durable: true)
    }

    private func put(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try put($0) } }

    private func put(_ bytes: UnsafeRawBufferPointer) throws {
        try AtomicFile.writeAll(staged.descriptor, [bytes], at: Int(position), path: path)
        position += UInt64(bytes.count)
    }

    /// 00:00:00 on 1 January 1980, the earliest DOS time (no real date is recorded).
    private static let dosTimeAndDate = u16(0) + u16(0x21)

    private static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
