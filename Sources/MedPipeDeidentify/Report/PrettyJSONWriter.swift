/// Writes JSON directly as bytes in the layout `JSONEncoder` gives with `.prettyPrinted` and
/// `.withoutEscapingSlashes`: two-space indentation, `"key" : value`, an empty array as `[`, an empty
/// line and `]`. Members come in the order they are written (write them sorted to match `.sortedKeys`).
///
/// It exists for the report of a large run: `JSONEncoder` took about a tenth of a 196-file
/// `medpipe anonymize` (after every file was done, so on one core) to encode it.
struct PrettyJSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// True once the current object or array has a member.
    private var hasMember = false

    init() { bytes.reserveCapacity(1 << 16) }

    /// A member of the current object.
    mutating func value(_ key: String, _ text: String) {
        begin(key)
        string(text)
    }

    mutating func value(_ key: String, _ number: Int) {
        begin(key)
        bytes += String(number).utf8
    }

    mutating func value(_ key: String, _ flag: Bool) {
        begin(key)
        bytes += (flag ? "true" : "false").utf8
    }

    /// A string element of the current array.
    mutating func element(_ text: String) {
        begin(nil)
        string(text)
    }

    /// An object whose members `body` writes (a member with `key`, else an array element).
    mutating func object(_ key: String? = nil, _ body: (inout PrettyJSONWriter) -> Void) {
        begin(key)
        bytes.append(UInt8(ascii: "{"))
        nested(body)
        bytes.append(UInt8(ascii: "}"))
    }

    /// An array with one element per item, each written by `body` (a member with `key`, else an element).
    mutating func array<Items: Sequence>(_ key: String? = nil, _ items: Items, _ body: (inout PrettyJSONWriter, Items.Element) -> Void) {
        begin(key)
        bytes.append(UInt8(ascii: "["))
        nested { writer in for item in items { body(&writer, item) } }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func nested(_ body: (inout PrettyJSONWriter) -> Void) {
        depth += 1
        hasMember = false
        body(&self)
        depth -= 1
        if !hasMember { bytes.append(UInt8(ascii: "\n")) }
        newline()
        hasMember = true
    }

    private mutating func begin(_ key: String?) {
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        if depth > 0 { newline() }
        hasMember = true
        if let key {
            string(key)
            bytes += " : ".utf8
        }
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * depth)
    }

    /// A quoted string, escaped as `JSONEncoder` escapes (slashes left alone).
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += #"\""#.utf8
            case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
            case 0x08: bytes += #"\b"#.utf8
            case 0x0C: bytes += #"\f"#.utf8
            case UInt8(ascii: "\n"): bytes += #"\n"#.utf8
            case UInt8(ascii: "\r"): bytes += #"\r"#.utf8
            case UInt8(ascii: "\t"): bytes += #"\t"#.utf8
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += #"\u00"#.utf8
                bytes += [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
