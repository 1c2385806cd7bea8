import CNIfTI
import MedPipeCore

/// gzip decoding for `.nii.gz`, `.hdr.gz`, `.img.gz` and MNIST `idx.gz`: libdeflate for whole streams
/// (about twice zlib's speed), zlib for prefixes, multi-member and truncated streams.
enum Gzip {
    /// Deflate expands at most about 1032:1; a header announcing more than this cannot be true.
    static func maximumExpansion(ofCompressed count: Int) -> Int { count.multipliedReportingOverflow(by: 1032).partialValue + 1024 }

    /// True when `bytes` start with the gzip magic number.
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// The first `count` decompressed bytes of `compressed` (fewer when the stream holds fewer).
    /// `count` must already be checked against ``maximumExpansion(ofCompressed:)``.
    /// - Throws: `.malformed` naming `source` when the stream is corrupt.
    static func decompress(_ compressed: [UInt8], count: Int, source: String) throws -> [UInt8] {
        if count > 0, trailerSize(compressed) == UInt32(truncatingIfNeeded: count),
           let whole = wholeMember(compressed, count: count) {
            return whole
        }
        return try streamed(compressed, count: count, source: source)
    }

    /// ISIZE: the uncompressed size of the last member modulo 2³².
    static func trailerSize(_ compressed: [UInt8]) -> UInt32? {
        guard compressed.count >= 18 else { return nil }
        let n = compressed.count
        return UInt32(compressed[n - 4]) | UInt32(compressed[n - 3]) << 8 | UInt32(compressed[n - 2]) << 16 | UInt32(compressed[n - 1]) << 24
    }

    /// libdeflate over a single-member stream whose size is exactly `count`; nil otherwise.
    private static func wholeMember(_ compressed: [UInt8], count: Int) -> [UInt8]? {
        var status: Int32 = 1
        var consumed = 0, produced = 0
        let output = LargeBuffer.make(count: count) { buffer in
            status = compressed.withUnsafeBytes { input in
                cnifti_gunzip_member(input.baseAddress, input.count, buffer, count, &consumed, &produced)
            }
            return status == 0 ? produced : 0
        }
        return status == 0 && consumed == compressed.count && produced == count ? output : nil
    }

    /// zlib, member after member, until `count` bytes or the end of the input.
    private static func streamed(_ compressed: [UInt8], count: Int, source: String) throws -> [UInt8] {
        var written: Int64 = 0
        var ended: Int32 = 0
        let output = LargeBuffer.make(count: count) { buffer in
            written = compressed.withUnsafeBytes { input in
                cnifti_gunzip_prefix(input.baseAddress, input.count, buffer, count, &ended)
            }
            return max(Int(written), 0)
        }
        guard written >= 0 else { throw MedPipeError.malformed(source, "corrupt gzip data") }
        return output
    }
}
