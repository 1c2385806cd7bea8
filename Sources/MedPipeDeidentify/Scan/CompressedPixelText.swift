/// The segments of compressed pixel streams in an encapsulated Pixel Data element that may hold free text: text an
/// encoder or a device may write into the compressed pixels ("Patient ..."), copied with them, and never read by the
/// residual scan, which reads the bytes around Pixel Data. They cannot be cleaned without re-encoding the pixels.
///
/// - JPEG and JPEG-LS: every comment (COM) and every application segment (APPn: Exif and XMP in APP1, IPTC in APP13,
///   any vendor's), except those that only describe the coding: a JFIF APP0 without a thumbnail, an Adobe APP14, and
///   in APP8 a SPIFF header, its end-of-directory entry and HP's colour transform (`mrfx`), which JPEG-LS coders write.
/// - RLE: what no segment decodes (bytes past a segment's runs, the header's unused offsets).
/// - Between and after the images or codestreams (a trailer): any byte but the zeros that pad a fragment (text
///   appended after an end-of-image marker, or an extra fragment).
/// - JPEG 2000 and HTJ2K codestreams: every comment (COM, main and tile-part headers) but an encoder's signature
///   (``isEncoderSignature(_:)``: `Created by OpenJPEG version 2.4.0`, `Kakadu-v7.10`, `Creator: JasPer Version
///   1.701.0`, HTJ2K's `OpenJPH Ver 0.9.0.`); in a JP2 file, every box other than the signature, file type, reader requirements, header and
///   codestream boxes (XML, UUID, UUID info).
enum CompressedPixelText {
    /// One segment that may hold text: what it is (`JPEG comment`, `JPEG APP1 segment`, `JPEG 2000 comment`) and its
    /// length in bytes.
    struct Segment: Sendable, Equatable {
        var kind: String
        var length: Int
    }

    /// The segments in `element`, a serialized Pixel Data element (explicit VR little endian: tag, VR, undefined
    /// length, then items, the first the Basic Offset Table); none when the element is not encapsulated or its
    /// fragments hold no JPEG, JPEG-LS or JPEG 2000 stream (RLE has no such segments).
    /// - Parameter rleSegmentBytes: for RLE Lossless pixel data, the bytes each of a frame's segments decodes to (rows
    ///   × columns): what lies in a segment past them, or in the header's unused offsets, is a trailer.
    static func find(inPixelDataElement element: UnsafeRawBufferPointer, rleSegmentBytes: Int? = nil) -> [Segment] {
        guard element.count >= 12, element[4] == UInt8(ascii: "O"), element[8..<12].allSatisfy({ $0 == 0xFF }) else { return [] }
        func u32(_ at: Int) -> Int { Int(element[at]) | Int(element[at + 1]) << 8 | Int(element[at + 2]) << 16 | Int(element[at + 3]) << 24 }
        var fragments: [[UInt8]] = []
        var offset = 12, item = 0
        while offset + 8 <= element.count, element[offset] == 0xFE, element[offset + 1] == 0xFF, element[offset + 2] == 0x00, element[offset + 3] == 0xE0 {
            let length = u32(offset + 4), start = offset + 8
            guard length <= element.count - start else { break }
            if item > 0 { fragments.append(Array(element[start..<(start + length)])) }  // item 0: the Basic Offset Table
            offset = start + length
            item += 1
        }
        if let rleSegmentBytes {
            let stray = fragments.reduce(0) { $0 + rleTrailerBytes($1, segmentBytes: rleSegmentBytes) }
            return stray > 0 ? [Segment(kind: "RLE trailer", length: stray)] : []
        }
        let stream = Array(fragments.joined())
        if stream.starts(with: [0xFF, 0xD8]) { return jpeg(stream) }
        if stream.starts(with: [0xFF, 0x4F, 0xFF]) || stream.starts(with: jp2Signature) { return jpeg2000(stream) }
        return []
    }

    /// The bytes of one RLE frame (PS3.5 annex G) that no segment decodes: non-zero offsets past the segment count in
    /// the 64-byte header, and in each segment what follows the PackBits runs that make its `segmentBytes` (the pad
    /// byte that makes a segment even aside). A frame whose header does not parse is left to the decoder.
    static func rleTrailerBytes(_ frame: [UInt8], segmentBytes: Int) -> Int {
        guard frame.count >= 64, segmentBytes > 0 else { return 0 }
        func u32(_ at: Int) -> Int { Int(frame[at]) | Int(frame[at + 1]) << 8 | Int(frame[at + 2]) << 16 | Int(frame[at + 3]) << 24 }
        let count = u32(0)
        guard (1...15).contains(count) else { return 0 }
        let offsets = (1...count).map { u32(4 * $0) }
        guard offsets.first == 64, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }), offsets.last! <= frame.count else { return 0 }
        var stray = (count + 1..<16).reduce(0) { $0 + (u32(4 * $1) != 0 ? 4 : 0) }
        for (k, start) in offsets.enumerated() {
            let end = k + 1 < count ? offsets[k + 1] : frame.count
            var i = start, made = 0
            while made < segmentBytes, i < end {
                let n = Int(Int8(bitPattern: frame[i]))
                if n >= 0 { made += n + 1; i += n + 2 } else if n != -128 { made += 1 - n; i += 2 } else { i += 1 }
            }
            let left = frame[min(i, end)..<end]
            if left.count > 1 || left.contains(where: { $0 != 0 }) { stray += left.count }
        }
        return stray
    }

    /// One line for a report: how many segments of each kind, with their bytes, in the order first met.
    static func describe(_ segments: [Segment]) -> String {
        var kinds: [String] = []
        var counts: [String: (count: Int, bytes: Int)] = [:]
        for segment in segments {
            if counts[segment.kind] == nil { kinds.append(segment.kind) }
            counts[segment.kind, default: (0, 0)].count += 1
            counts[segment.kind, default: (0, 0)].bytes += segment.length
        }
        return kinds.map { "\(counts[$0]!.count) \($0)(s) (\(counts[$0]!.bytes) bytes)" }.joined(separator: ", ")
    }

    /// The segments of concatenated JPEG (or JPEG-LS) images, walked marker by marker. In entropy-coded data a 0xFF is
    /// followed by a stuffed 0x00 (JPEG), a byte below 0x80 (JPEG-LS) or a restart marker, so the next marker is the
    /// first 0xFF followed by another 0xC0 or above.
    private static func jpeg(_ s: [UInt8]) -> [Segment] {
        var found: [Segment] = []
        var i = 0, stray = 0
        walk: while i + 1 < s.count {
            guard s[i] == 0xFF else {  // zeros pad a fragment to an even length; anything else was put there
                if s[i] != 0 { stray += 1 }
                i += 1
                continue
            }
            let marker = s[i + 1]
            switch marker {
            case 0xFF, 0x02...0xBF: i += 1  // a fill byte (or a pad byte after an image), then what follows it
            case 0x00, 0x01, 0xD0...0xD9: i += 2  // no length: TEM, RSTn, SOI, EOI
            default:
                guard i + 3 < s.count else { break walk }
                let length = Int(s[i + 2]) << 8 | Int(s[i + 3])
                guard length >= 2 else { break walk }  // not a marker segment: not a JPEG stream past here
                let payload = s[(i + 4)..<min(i + 2 + length, s.count)]
                if marker == 0xFE {
                    found.append(Segment(kind: "JPEG comment", length: payload.count))
                } else if (0xE0...0xEF).contains(marker), !isCodingDescription(marker, payload) {
                    found.append(Segment(kind: "JPEG APP\(marker - 0xE0) segment", length: payload.count))
                }
                i += 2 + length
                if marker == 0xDA {  // the scan's entropy-coded data, up to the next marker
                    while i + 1 < s.count, !(s[i] == 0xFF && s[i + 1] >= 0xC0 && !(0xD0...0xD7).contains(s[i + 1])) { i += 1 }
                }
            }
        }
        if i == s.count - 1, s[i] != 0, s[i] != 0xFF { stray += 1 }  // the last byte, which no marker starts
        if stray > 0 { found.append(Segment(kind: "JPEG trailer", length: stray)) }
        return found
    }

    /// A JFIF APP0 without a thumbnail (identifier, version, units, densities, a 0 × 0 thumbnail: 14 bytes), an Adobe
    /// APP14 (identifier, then at most version, flags and transform: 12 bytes; pydicom's `SC_rgb_jpeg.dcm` has 10), a
    /// SPIFF header (identifier and fixed numbers: 30 bytes), SPIFF's end of directory (6 bytes) or HP's colour
    /// transform (`mrfx` and one byte): numbers that say how the image is coded, nothing more.
    private static func isCodingDescription(_ marker: UInt8, _ payload: ArraySlice<UInt8>) -> Bool {
        switch marker {
        case 0xE0: payload.count == 14 && payload.starts(with: Array("JFIF\0".utf8)) && payload.suffix(2).allSatisfy { $0 == 0 }
        case 0xEE: payload.count <= 12 && payload.starts(with: Array("Adobe".utf8))
        case 0xE8:
            (payload.count == 30 && payload.starts(with: Array("SPIFF\0".utf8))) || payload.elementsEqual([0, 0, 0, 1, 0xFF, 0xD8])
                || (payload.count == 5 && payload.starts(with: Array("mrfx".utf8)))
        default: false
        }
    }

    /// The signature box that opens a JP2 file (ISO/IEC 15444-1 annex I).
    private static let jp2Signature: [UInt8] = [0, 0, 0, 12, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]

    /// The segments of concatenated JPEG 2000 codestreams or JP2 files.
    private static func jpeg2000(_ s: [UInt8]) -> [Segment] {
        var found: [Segment] = []
        var i = 0, stray = 0
        while i < s.count {
            if i + 8 <= s.count, s[i] == 0xFF, s[i + 1] == 0x4F {
                i = codestream(s, from: i, end: s.count, into: &found)
            } else if i + 8 <= s.count, Array(s[i..<min(i + 12, s.count)]) == jp2Signature {
                i = boxes(s, from: i, into: &found)
            } else {
                if s[i] != 0 { stray += 1 }  // zeros pad a fragment to an even length; anything else was put there
                i += 1
            }
        }
        if stray > 0 { found.append(Segment(kind: "JPEG 2000 trailer", length: stray)) }
        return found
    }

    /// Walks the JP2 boxes from `start`, the codestream box's codestream included, to the end of the file (the box of
    /// length 0) or of `s`; returns where they end.
    private static func boxes(_ s: [UInt8], from start: Int, into found: inout [Segment]) -> Int {
        let structural: Set<String> = ["jP  ", "ftyp", "rreq", "jp2h", "jp2c", "jp2i", "res ", "ihdr", "colr", "bpcc", "pclr", "cmap", "cdef"]
        var i = start
        while i + 8 <= s.count {
            var length = s[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }, header = 8
            let type = String(decoding: s[(i + 4)..<(i + 8)], as: UTF8.self)
            if length == 1, i + 16 <= s.count {
                length = s[(i + 8)..<(i + 16)].reduce(0) { $0 << 8 | Int($1) }
                header = 16
            }
            if length == 0 { length = s.count - i }
            guard length >= header, length <= s.count - i else { return s.count }
            if type == "jp2c" {
                _ = codestream(s, from: i + header, end: i + length, into: &found)
            } else if !structural.contains(type) {
                found.append(Segment(kind: "JPEG 2000 '\(type)' box", length: length - header))
            }
            i += length
            if type == "jp2c" { return i }
        }
        return s.count
    }

    /// Walks one codestream from its SOC at `start` (the main header, then each tile-part's header, its data skipped by
    /// the tile-part's length) to its EOC, or to `end`; returns where it ends.
    private static func codestream(_ s: [UInt8], from start: Int, end: Int, into found: inout [Segment]) -> Int {
        func u16(_ at: Int) -> Int { Int(s[at]) << 8 | Int(s[at + 1]) }
        var i = start + 2
        var tilePart: Int?  // the start of the current tile-part's SOT while in its header
        while i + 4 <= end, s[i] == 0xFF {
            let marker = s[i + 1]
            if marker == 0xD9 { return i + 2 }  // EOC
            if marker == 0x93, let sot = tilePart {  // SOD: the tile-part's data follows, up to its length
                let length = Int(s[sot + 6]) << 24 | Int(s[sot + 7]) << 16 | Int(s[sot + 8]) << 8 | Int(s[sot + 9])
                guard length > 0 else { return endOfCodestream(s, from: i + 2, end: end) }  // the last tile-part: up to EOC
                guard sot + length > i else { return end }  // a tile-part shorter than its header: no codestream
                i = sot + length
                tilePart = nil
                continue
            }
            let length = u16(i + 2)
            guard length >= 2, i + 2 + length <= end else { return end }
            if marker == 0x64 {
                let payload = s[(i + 4)..<(i + 2 + length)]
                if !isEncoderSignature(payload) { found.append(Segment(kind: "JPEG 2000 comment", length: payload.count)) }
            }
            if marker == 0x90 {  // SOT
                guard length == 10 else { return end }
                tilePart = i
            }
            i += 2 + length
        }
        return end
    }

    /// Where the codestream whose last tile-part's data starts at `start` ends: after its EOC (FF D9), which packet data
    /// cannot hold (a 0xFF there is followed by a byte below 0x90), or at `end`.
    private static func endOfCodestream(_ s: [UInt8], from start: Int, end: Int) -> Int {
        var i = start
        while i + 1 < end {
            if s[i] == 0xFF, s[i + 1] == 0xD9 { return i + 2 }
            i += 1
        }
        return end
    }

    /// Encoders' signatures, to which only a version (`2.4.0`, `v7.10`) is added.
    static let encoderSignatures = ["Created by OpenJPEG version ", "Created by GDCM/OpenJPEG version ", "Kakadu-", "Creator: JasPer Version ", "OpenJPH Ver "]

    /// True for a JPEG 2000 comment `payload` (its Rcom, then its text) that is Latin text (Rcom 1) and an encoder's
    /// signature followed by a version of at most 16 letters, digits, dots and hyphens, starting with a digit or a `v`
    /// and a digit: real JPEG 2000 pixel data carry them (pydicom's `JPEG2000.dcm`: `Kakadu-2.2`), and they say nothing
    /// of the patient.
    static func isEncoderSignature(_ payload: ArraySlice<UInt8>) -> Bool {
        guard payload.count > 2, payload.prefix(2).elementsEqual([0, 1]) else { return false }
        var text = Array(payload.dropFirst(2))
        while text.last == 0 { text.removeLast() }
        let string = String(decoding: text, as: UTF8.self)
        guard let signature = encoderSignatures.first(where: { string.hasPrefix($0) }) else { return false }
        let version = Array(string.utf8.dropFirst(signature.utf8.count))
        let digits = version.first == UInt8(ascii: "v") ? version.dropFirst() : version[...]
        return !version.isEmpty && version.count <= 16 && digits.first.map { (0x30...0x39).contains($0) } == true
            && version.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2E || $0 == 0x2D }
    }
}
