import CNIfTI
import MedPipeCore

/// Raw deflate streams (zip members) of a known size, decoded with libdeflate and checked by CRC-32.
enum Deflate {
    /// The `count` bytes `compressed` inflates to.
    /// - Parameters:
    ///   - crc: the CRC-32 the output must have, when the container records one.
    ///   - what: names the stream in errors (a zip member).
    /// - Throws: `.malformed` naming `source` and `what` when the stream is corrupt, holds another
    ///   size than `count` or fails its CRC.
    static func inflate(_ compressed: UnsafeRawBufferPointer, count: Int, crc: UInt32?, source: String, what: String) throws -> [UInt8] {
        var status: Int32 = 1
        var actualCRC: UInt32 = 0
        let output = LargeBuffer.make(count: count) { buffer in
            status = cnifti_inflate_raw(compressed.baseAddress, compressed.count, buffer, count, &actualCRC)
            return count
        }
        switch status {
        case 0: break
        case 2: throw MedPipeError.malformed(source, "\(what): deflate stream does not hold the \(count) bytes its header announces")
        default: throw MedPipeError.malformed(source, "\(what): corrupt deflate data")
        }
        if let crc, crc != actualCRC {
            throw MedPipeError.malformed(source, "\(what): CRC-32 mismatch (stored \(hex(crc)), computed \(hex(actualCRC)))")
        }
        return output
    }

    /// CRC-32 of `bytes`, as zip and PNG compute it.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 { cnifti_crc32(bytes.baseAddress, bytes.count) }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
