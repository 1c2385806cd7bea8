import MedPipeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret behind every pseudonym of a project: 32 random bytes kept in a file only its owner can read.
///
/// The key is never printed, logged or written anywhere but its own file; `description` and the
/// reflection mirror show only `fingerprint`. Outputs made with one key cannot be linked to outputs
/// made with another.
public struct ProjectKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Length of the key in bytes.
    public static let byteCount = 32

    let bytes: [UInt8]

    /// Wraps existing key bytes (exactly 32); for keys held elsewhere, and for tests.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw MedPipeError.invalidArgument("project key", "expected \(Self.byteCount) bytes, found \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A fresh key from the system's cryptographic random generator.
    public static func random() -> ProjectKey {
        var generator = SystemRandomNumberGenerator()
        return ProjectKey(unchecked: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// A short hex string that identifies the key without revealing it: the first 8 bytes of
    /// HMAC-SHA256(key, "medpipe-key-fingerprint").
    public var fingerprint: String {
        let mac = SHA256.authenticationCode(for: Array("medpipe-key-fingerprint".utf8), key: bytes)
        return mac.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public var description: String { "ProjectKey(fingerprint: \(fingerprint))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["fingerprint": fingerprint]) }

    /// Loads the key at `path`, creating it on first use.
    ///
    /// A new key is written to a temporary file created exclusively with mode 0600, flushed, then
    /// linked to `path`, so the key file appears complete or not at all and a concurrent creator
    /// never overwrites it (the loser of the race loads the winner's key). An existing key file
    /// must be a regular file of exactly 32 bytes that neither group nor others can access.
    public static func loadOrCreate(_ path: String) throws -> ProjectKey {
        if let existing = try load(path) { return existing }
        let key = random()
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MedPipeError.io(path, "cannot create key file: \(errnoMessage())") }
        defer { unlink(temporary) }
        let written = key.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fchmod(fd, 0o600) == 0 && fsync(fd) == 0
        close(fd)
        guard written == byteCount, synced else { throw MedPipeError.io(path, "cannot write key file: \(errnoMessage())") }
        if link(temporary, path) != 0 {
            guard errno == EEXIST, let winner = try load(path) else {
                throw MedPipeError.io(path, "cannot install key file: \(errnoMessage())")
            }
            return winner
        }
        return key
    }

    /// The key at `path`, or nil when there is no file there.
    private static func load(_ path: String) throws -> ProjectKey? {
        // Non-blocking: a FIFO under the key's name is refused below instead of waited on forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw MedPipeError.io(path, "cannot open key file: \(errnoMessage())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MedPipeError.io(path, "cannot stat key file: \(errnoMessage())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MedPipeError.invalidArgument(path, "key file is not a regular file")
        }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw MedPipeError.invalidArgument(path, "key file is accessible by group or others (mode \(String(permissions, radix: 8))); "
                + "restrict it with `chmod 600 \(path)` or use another key")
        }
        guard info.st_size == off_t(byteCount) else {
            throw MedPipeError.malformed(path, "key file must hold exactly \(byteCount) bytes, found \(info.st_size)")
        }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count == byteCount else { throw MedPipeError.io(path, "cannot read key file: \(errnoMessage())") }
        return ProjectKey(unchecked: bytes)
    }
}

private func errnoMessage() -> String { String(cString: strerror(errno)) }
