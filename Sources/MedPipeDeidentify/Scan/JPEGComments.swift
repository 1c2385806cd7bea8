/// The comment (COM) segments of the JPEG streams in an encapsulated Pixel Data element: free text that an encoder or a
/// device may write into the compressed pixels ("Patient ..."), copied with them, and never read by the residual scan,
/// which reads the bytes around Pixel Data.
enum JPEGComments {
    /// The bytes of every COM segment of the JPEG or JPEG-LS streams in `element`, a serialized Pixel Data element
    /// (explicit VR little endian: tag, VR, undefined length, then items, the first the Basic Offset Table); none when
    /// the element is not encapsulated or its fragments hold no such stream (JPEG 2000 and RLE have other syntaxes).
    static func find(inPixelDataElement element: UnsafeRawBufferPointer) -> [[UInt8]] {
        guard element.count >= 12, element[4] == UInt8(ascii: "O"), element[8..<12].allSatisfy({ $0 == 0xFF }) else { return [] }
        func u32(_ at: Int) -> Int { Int(element[at]) | Int(element[at + 1]) << 8 | Int(element[at + 2]) << 16 | Int(element[at + 3]) << 24 }
        var stream: [UInt8] = []
        var offset = 12, item = 0
        while offset + 8 <= element.count, element[offset] == 0xFE, element[offset + 1] == 0xFF, element[offset + 2] == 0x00, element[offset + 3] == 0xE0 {
            let length = u32(offset + 4), start = offset + 8
            guard length <= element.count - start else { break }
            if item > 0 { stream += element[start..<(start + length)] }  // item 0: the Basic Offset Table
            offset = start + length
            item += 1
        }
        return stream.starts(with: [0xFF, 0xD8]) ? comments(stream) : []
    }

    /// The COM segments of concatenated JPEG (or JPEG-LS) images, walked marker by marker. In entropy-coded data a
    /// 0xFF is followed by a stuffed 0x00 (JPEG), a byte below 0x80 (JPEG-LS) or a restart marker, so the next marker
    /// is the first 0xFF followed by another 0xC0 or above.
    private static func comments(_ s: [UInt8]) -> [[UInt8]] {
        var found: [[UInt8]] = []
        var i = 0
        while i + 1 < s.count {
            guard s[i] == 0xFF else { i += 1; continue }  // padding between images
            let marker = s[i + 1]
            switch marker {
            case 0xFF: i += 1  // a fill byte
            case 0x00, 0x01, 0xD0...0xD9: i += 2  // no length: TEM, RSTn, SOI, EOI
            default:
                guard i + 3 < s.count else { return found }
                let length = Int(s[i + 2]) << 8 | Int(s[i + 3])
                guard length >= 2 else { return found }  // not a marker segment: not a JPEG stream past here
                if marker == 0xFE { found.append(Array(s[(i + 4)..<min(i + 2 + length, s.count)])) }
                i += 2 + length
                if marker == 0xDA {  // the scan's entropy-coded data, up to the next marker
                    while i + 1 < s.count, !(s[i] == 0xFF && s[i + 1] >= 0xC0 && !(0xD0...0xD7).contains(s[i + 1])) { i += 1 }
                }
            }
        }
        return found
    }
}
