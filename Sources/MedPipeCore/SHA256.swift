import COpenSSL
import Foundation

/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) through OpenSSL's libcrypto: content hashes of sources, cache
/// keys and keyed pseudonyms. A hasher takes its message in pieces (a file read a chunk at a time).
public final class SHA256 {
    /// Bytes of a digest.
    public static let byteCount = 32

    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "OpenSSL has no SHA-256")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the message.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "SHA-256 update failed")
    }

    /// The digest of the message; the hasher takes no more.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == Self.byteCount, "SHA-256 final failed")
        return digest
    }

    /// A digest as lowercase hex, two digits a byte.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * byteCount)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The digest of `bytes`, hashed where they lie, region by region.
    public static func hash(_ bytes: some DataProtocol) -> [UInt8] {
        let hasher = SHA256()
        for region in bytes.regions { region.withUnsafeBytes { hasher.update($0) } }
        return hasher.finalize()
    }

    /// HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        // A byte past each buffer, so that an empty key or message still has an address to give OpenSSL.
        let done = (key + [0]).withUnsafeBytes { k in
            (message + [0]).withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.baseAddress, message.count, &code, &length)
            }
        }
        precondition(done != nil && length == byteCount, "HMAC-SHA256 failed")
        return code
    }
}
