import Foundation
import MedPipeCore

/// Decodes raw WFDB sample bytes (every format but FLAC) into 32-bit digital values.
///
/// The caller guarantees `source` holds ``WFDBSignalFormat/bytesNeeded(samples:)`` bytes for
/// `count`; a partial last block is decoded through a zero-padded copy, so no read passes the end.
/// Format 8 yields the stored differences; the caller integrates them per signal.
enum WFDBSampleDecoder {
    static func decode(_ format: WFDBSignalFormat, from source: UnsafeRawBufferPointer, count: Int,
                       into out: UnsafeMutablePointer<Int32>) {
        guard count > 0 else { return }
        let bytes = source.bindMemory(to: UInt8.self).baseAddress!
        switch format {
        case .difference8:
            for i in 0..<count { out[i] = Int32(Int8(bitPattern: bytes[i])) }
        case .offset8:
            for i in 0..<count { out[i] = Int32(bytes[i]) - 128 }
        case .int16:
            for i in 0..<count { out[i] = Int32(Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)) }
        case .int16BigEndian:
            for i in 0..<count { out[i] = Int32(Int16(bitPattern: UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1]))) }
        case .offset16:
            for i in 0..<count { out[i] = Int32(UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8) - 32768 }
        case .int24:
            for i in 0..<count {
                let p = bytes + 3 * i
                let unsigned = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16
                out[i] = Int32(bitPattern: unsigned << 8) >> 8
            }
        case .int32:
            for i in 0..<count {
                let p = bytes + 4 * i
                out[i] = Int32(bitPattern: UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
            }
        case .packed212:
            decodeBlocks(bytes: bytes, available: source.count, count: count, blockBytes: 3, blockSamples: 2, into: out, block: decode212)
        case .packed310:
            decodeBlocks(bytes: bytes, available: source.count, count: count, blockBytes: 4, blockSamples: 3, into: out, block: decode310)
        case .packed311:
            decodeBlocks(bytes: bytes, available: source.count, count: count, blockBytes: 4, blockSamples: 3, into: out, block: decode311)
        case .flac8, .flac16, .flac24:
            preconditionFailure("FLAC streams are decoded by WFDBFLACDecoder")
        }
    }

    /// Whole blocks straight from the source, then the partial tail through a zero-padded block.
    @inline(__always)
    private static func decodeBlocks(bytes: UnsafePointer<UInt8>, available: Int, count: Int, blockBytes: Int, blockSamples: Int,
                                     into out: UnsafeMutablePointer<Int32>,
                                     block: (UnsafePointer<UInt8>, UnsafeMutablePointer<Int32>) -> Void) {
        let fullBlocks = count / blockSamples
        for b in 0..<fullBlocks { block(bytes + b * blockBytes, out + b * blockSamples) }
        let tail = count - fullBlocks * blockSamples
        guard tail > 0 else { return }
        var padded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var decoded: (Int32, Int32, Int32) = (0, 0, 0)
        let start = fullBlocks * blockBytes
        withUnsafeMutableBytes(of: &padded) { pad in
            for i in 0..<min(blockBytes, available - start) { pad[i] = bytes[start + i] }
            withUnsafeMutableBytes(of: &decoded) { result in
                let values = result.bindMemory(to: Int32.self).baseAddress!
                block(UnsafePointer(pad.bindMemory(to: UInt8.self).baseAddress!), values)
                for i in 0..<tail { out[fullBlocks * blockSamples + i] = values[i] }
            }
        }
    }

    /// Sign-extends the low `bits` bits.
    @inline(__always)
    private static func signed(_ value: UInt32, bits: UInt32) -> Int32 {
        Int32(bitPattern: value << (32 - bits)) >> Int32(32 - bits)
    }

    /// Format 212: sample 0 is byte 0 plus the low nibble of byte 1; sample 1 is byte 2 plus its high nibble.
    @inline(__always)
    private static func decode212(_ p: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Int32>) {
        let b1 = UInt32(p[1])
        out[0] = signed(UInt32(p[0]) | (b1 & 0x0F) << 8, bits: 12)
        out[1] = signed(UInt32(p[2]) | (b1 & 0xF0) << 4, bits: 12)
    }

    /// Format 310: samples 0 and 1 are bits 1–10 of the two little-endian words; sample 2 is bits 11–15 of each.
    @inline(__always)
    private static func decode310(_ p: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Int32>) {
        let w0 = UInt32(p[0]) | UInt32(p[1]) << 8
        let w1 = UInt32(p[2]) | UInt32(p[3]) << 8
        out[0] = signed((w0 >> 1) & 0x3FF, bits: 10)
        out[1] = signed((w1 >> 1) & 0x3FF, bits: 10)
        out[2] = signed((w0 >> 11) | (w1 >> 11) << 5, bits: 10)
    }

    /// Format 311: three 10-bit samples in bits 0–9, 10–19 and 20–29 of a little-endian 32-bit word.
    @inline(__always)
    private static func decode311(_ p: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Int32>) {
        let w = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
        out[0] = signed(w & 0x3FF, bits: 10)
        out[1] = signed((w >> 10) & 0x3FF, bits: 10)
        out[2] = signed((w >> 20) & 0x3FF, bits: 10)
    }
}
