import Testing
import MedPipeCore

/// SHA-256 against FIPS 180-4's examples and HMAC-SHA256 against RFC 4231's test cases.
@Suite struct SHA256Tests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    @Test func digestsAreFIPS180sExamples() {
        #expect(hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// A million "a" fed in pieces of 997 bytes (and an empty one) is the digest of the whole.
    @Test func piecesMakeTheDigestOfTheWhole() {
        let hasher = SHA256(), million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        million.withUnsafeBytes { all in
            hasher.update(UnsafeRawBufferPointer(rebasing: all[0..<0]))
            for start in stride(from: 0, to: all.count, by: 997) {
                hasher.update(UnsafeRawBufferPointer(rebasing: all[start..<min(start + 997, all.count)]))
            }
        }
        #expect(hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func authenticationCodesAreRFC4231s() {
        func code(_ message: String, _ key: [UInt8]) -> String { hex(SHA256.authenticationCode(for: Array(message.utf8), key: key)) }
        #expect(code("Hi There", [UInt8](repeating: 0x0B, count: 20)) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(code("what do ya want for nothing?", Array("Jefe".utf8)) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(code("Test Using Larger Than Block-Size Key - Hash Key First", [UInt8](repeating: 0xAA, count: 131))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(code("", []) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", "an empty key and message")
    }
}
