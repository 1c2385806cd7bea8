import Crypto
import Foundation
import MedPipeCore

/// SHA-256 digests of source bytes and of cache keys, as lowercase hex.
public enum ContentHash {
    /// SHA-256 of `bytes`.
    public static func of<D: DataProtocol>(_ bytes: D) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// SHA-256 of the file at `path`, read in 4 MiB chunks.
    public static func ofFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MedPipeError.io(path, "cannot open for hashing") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    /// SHA-256 over a directory's regular files: each relative path and its content hash, in sorted order.
    public static func ofDirectory(_ path: String) throws -> String {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw MedPipeError.io(path, "cannot list directory")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        // Files are hashed in parallel (a series is hundreds of them); the digest is over the sorted list.
        let sorted = files.sorted()
        let digests = ConcurrentResults<String>(count: sorted.count)
        DispatchQueue.concurrentPerform(iterations: sorted.count) { i in
            digests.set(i, Result { try ofFile(path + "/" + sorted[i]) })
        }
        var lines = ""
        for (relative, digest) in zip(sorted, try digests.values()) {
            lines += relative + "\t" + digest + "\n"
        }
        return of(Array(lines.utf8))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Results filled in by concurrent workers, one slot each.
private final class ConcurrentResults<T>: @unchecked Sendable {
    // Safety: the slots are allocated once and never move; each is written by exactly one worker,
    // and all are read only after every worker has finished.
    private let slots: UnsafeMutablePointer<Result<T, Error>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func set(_ index: Int, _ result: Result<T, Error>) { slots[index] = result }

    func values() throws -> [T] { try (0..<count).map { try slots[$0]!.get() } }
}

/// The key of a cache unit: what one source becomes through one reader and one chain of stages.
///
/// Changing the source bytes, the reader's version or any stage parameter changes the key, and only
/// the units whose key changed are recomputed.
public enum UnitKey {
    /// SHA-256 over the source's content hash, the reader's name and version, and each stage's canonical parameters.
    public static func make(sourceHash: String, reader: String, stages: [String]) -> String {
        var text = "medpipe-unit-v1\nsource \(sourceHash)\nreader \(reader)\n"
        for stage in stages { text += "stage \(stage)\n" }
        return ContentHash.of(Array(text.utf8))
    }
}
