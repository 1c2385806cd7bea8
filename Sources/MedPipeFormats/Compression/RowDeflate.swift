/// A zlib stream (RFC 1950) of image rows in one deflate block with the fixed Huffman codes (RFC 1951), for
/// pictures made of runs: each row is stored as filter type 0 and its bytes, where a run of bytes equal to those
/// one pixel to the left or one row above is one copy, a row equal to the one above is copies only, and every
/// other byte is a literal. Nothing is searched beyond those two distances, so a magnified picture, whose
/// pixels repeat along and across rows, compresses in one pass over the rows that differ, several times faster
/// than zlib's fastest level and a little larger; a photograph compresses little.
struct RowDeflate {
    private var output: [UInt8]
    private var bits: UInt64 = 0
    private var bitCount = 0
    /// Adler-32 of the uncompressed rows (filter bytes included), as its two sums.
    private var adlerA: UInt32 = 1, adlerB: UInt32 = 0
    /// The sums of the last row's bytes alone (`Σ x`, `Σ (n − i) x_i`), reused while the rows repeat it.
    private var rowSums: (UInt32, UInt32) = (0, 0)
    private let rowBytes: Int, bytesPerPixel: Int

    private static let modulus: UInt32 = 65521

    /// A stream of rows of `rowBytes` bytes holding pixels of `bytesPerPixel` bytes.
    init(rowBytes: Int, bytesPerPixel: Int) {
        precondition(rowBytes > 0 && (1...8).contains(bytesPerPixel), "rows of \(rowBytes) bytes, pixels of \(bytesPerPixel)")
        self.rowBytes = rowBytes
        self.bytesPerPixel = bytesPerPixel
        output = [0x78, 0x01]  // deflate, 32 KiB window, fastest; the header check makes it a multiple of 31
        output.reserveCapacity(64 + rowBytes)
        put(1, 1)  // the last block
        put(1, 2)  // fixed Huffman codes
    }

    /// Appends a row; `previous` is the row before it (nil for the first).
    mutating func append(_ row: UnsafeRawBufferPointer, previous: UnsafeRawBufferPointer?) {
        precondition(row.count == rowBytes && (previous?.count ?? rowBytes) == rowBytes)
        let data = row.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // A row above is within reach of a copy when it and its filter byte fit the 32 KiB window.
        let above = rowBytes < 32768 ? previous.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) } : nil
        literal(0)
        if let above, memcmp(data, above, rowBytes) == 0 {
            copy(rowBytes, distance: rowBytes + 1, of: data)
        } else {
            encode(data, above: above)
            rowSums = Self.sums(data, count: rowBytes)
        }
        // Adler-32 of the filter byte (0) and the row: appending n bytes with sums (s1, s2) to (a, b) gives
        // (a + s1, b + n·a + s2).
        let n = UInt64(rowBytes + 1), m = UInt64(Self.modulus)
        let a = UInt64(adlerA), b = UInt64(adlerB)
        adlerB = UInt32((b + (n % m) * a + UInt64(rowSums.1)) % m)
        adlerA = UInt32((a + UInt64(rowSums.0)) % m)
    }

    /// Ends the block and the stream, and returns it.
    mutating func finish() -> [UInt8] {
        put(Self.literalCodes[256].code, Self.literalCodes[256].length)
        while bitCount > 0 {
            output.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
            bitCount -= min(8, bitCount)
        }
        let adler = adlerB << 16 | adlerA
        output += [UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16), UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler)]
        return output
    }

    /// A row that differs from the one above: at each byte the longer run of bytes equal to those one pixel to
    /// the left or one row above is a copy when it spans 3 bytes or more; other bytes are literals.
    private mutating func encode(_ data: UnsafePointer<UInt8>, above: UnsafePointer<UInt8>?) {
        let n = rowBytes, left = bytesPerPixel
        var i = 0
        while i < n {
            var leftRun = 0, upRun = 0
            if i >= left { while i + leftRun < n && data[i + leftRun] == data[i + leftRun - left] { leftRun += 1 } }
            if let above { while i + upRun < n && data[i + upRun] == above[i + upRun] { upRun += 1 } }
            let run = max(leftRun, upRun)
            if run >= 3 {
                copy(run, distance: upRun > leftRun ? n + 1 : left, of: data + i)
                i += run
            } else {
                literal(data[i])
                i += 1
            }
        }
    }

    /// `count` bytes copied from `distance` back, as copies of 3 to 258 bytes; the `bytes` themselves for a rest
    /// of 1 or 2.
    private mutating func copy(_ count: Int, distance: Int, of bytes: UnsafePointer<UInt8>) {
        let (distanceCode, distanceLength) = Self.distanceCode(distance)
        var done = 0
        while count - done >= 3 {
            var length = min(258, count - done)
            if (1...2).contains(count - done - length) { length = count - done - 3 }
            let code = Self.lengthCodes[length]
            put(code.code, code.length)
            put(distanceCode, distanceLength)
            done += length
        }
        for k in done..<count { literal(bytes[k]) }
    }

    private mutating func literal(_ byte: UInt8) {
        let code = Self.literalCodes[Int(byte)]
        put(code.code, code.length)
    }

    /// Appends the low `count` bits of `value`, least significant first.
    @inline(__always)
    private mutating func put(_ value: UInt32, _ count: Int) {
        bits |= UInt64(value) << UInt64(bitCount)
        bitCount += count
        if bitCount >= 32 {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: bits).littleEndian) { output.append(contentsOf: $0) }
            bits >>= 32
            bitCount -= 32
        }
    }

    /// `Σ x_i` and `Σ (count − i) x_i` modulo 65521: the Adler-32 sums of the bytes started from zero.
    private static func sums(_ data: UnsafePointer<UInt8>, count: Int) -> (UInt32, UInt32) {
        var a: UInt32 = 0, b: UInt32 = 0, start = 0
        while start < count {
            // 5552 bytes is the most that cannot overflow 32 bits before the sums are reduced.
            let end = min(count, start + 5552)
            for i in start..<end { a &+= UInt32(data[i]); b &+= a }
            a %= modulus; b %= modulus
            start = end
        }
        return (a, b)
    }

    /// A Huffman code written least significant bit first (the code's bits reversed), with its extra bits
    /// above it.
    private struct Code { var code: UInt32; var length: Int }

    /// The fixed codes of the literals and end of block (0–256): 8 bits for 0–143, 9 for 144–255, 7 for 256.
    private static let literalCodes: [Code] = (0...256).map { symbol in
        switch symbol {
        case 0...143: return reversed(0x30 + UInt32(symbol), 8)
        case 144...255: return reversed(0x190 + UInt32(symbol - 144), 9)
        default: return reversed(0, 7)
        }
    }

    /// The code and extra bits of each copy length 3–258 (index = length).
    private static let lengthCodes: [Code] = {
        // Symbols 257–284: lengths from 3 in groups of four with 0, 0, 1, 2, 3, 4, 5 extra bits; 285 is 258.
        var codes = [Code](repeating: Code(code: 0, length: 0), count: 259)
        var length = 3
        for symbol in 257...284 {
            let extra = symbol < 265 ? 0 : (symbol - 261) / 4
            for offset in 0..<(1 << extra) where length + offset <= 258 {
                let huffman = symbol < 280 ? reversed(UInt32(symbol - 256), 7) : reversed(0xC0 + UInt32(symbol - 280), 8)
                codes[length + offset] = Code(code: huffman.code | UInt32(offset) << UInt32(huffman.length), length: huffman.length + extra)
            }
            length += 1 << extra
        }
        codes[258] = reversed(0xC0 + 5, 8)  // symbol 285, no extra bits (284's last length, 258, is not used)
        return codes
    }()

    /// The code and extra bits of a copy distance, 1–32768: 5-bit codes, distances from 1 in pairs of groups
    /// with 0, 0, 1, 1, 2, 2, … 13 extra bits.
    private static func distanceCode(_ distance: Int) -> (UInt32, Int) {
        precondition((1...32768).contains(distance), "copy distance \(distance)")
        var start = 1
        for symbol in 0..<30 {
            let extra = symbol < 4 ? 0 : symbol / 2 - 1
            if distance < start + 1 << extra {
                let code = reversed(UInt32(symbol), 5)
                return (code.code | UInt32(distance - start) << 5, 5 + extra)
            }
            start += 1 << extra
        }
        preconditionFailure("unreachable: 30 distance codes cover 1-32768")
    }

    private static func reversed(_ code: UInt32, _ length: Int) -> Code {
        var result: UInt32 = 0
        for bit in 0..<length where code & (1 << UInt32(bit)) != 0 { result |= 1 << UInt32(length - 1 - bit) }
        return Code(code: result, length: length)
    }
}

import Glibc
