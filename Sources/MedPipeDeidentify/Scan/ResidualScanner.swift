/// An identifying value found in an output: where, and of what kind. It never holds the value.
public struct ResidualHit: Sendable, Codable, Hashable {
    /// The output location, e.g. `file.dcm (0008,1030)` or `heart.csv row 3 column name`.
    public var location: String
    /// Byte offset of the match within that text or buffer.
    public var offset: Int
    public var kind: IdentifierKind
    /// Length of the match in bytes.
    public var length: Int
}

/// Searches outputs for every value of an `IdentifierSet`, ignoring ASCII case (and in text, the case of any letter).
///
/// Identifiers are indexed by their bytes (``PrefixIndex``), so a scan reads the text once and
/// compares, at each byte, only the identifiers that begin as the text does there: its cost does not grow
/// with the number of identifiers (a batch of many thousands of patients). Phone numbers are searched in the
/// text's digits alone, so `(555) 123-4567` is found as `5551234567`.
public struct ResidualScanner: Sendable {
    private let words: PrefixIndex
    private let phones: PrefixIndex

    public init(identifiers: IdentifierSet) {
        words = PrefixIndex(identifiers.identifiers.filter { $0.kind != .phone })
        phones = PrefixIndex(identifiers.identifiers.filter { $0.kind == .phone })
    }

    /// Hits in a string, whatever the case of its letters (``upperCased(_:)``); the offsets are those of `text`'s UTF-8.
    public func scan(_ text: String, location: String) -> [ResidualHit] {
        var text = upperCased(text)
        return text.withUTF8 { scan(bytes: UnsafeRawBufferPointer($0), location: location) }
    }

    /// Hits in raw bytes (a header, a whole file).
    public func scan(bytes: UnsafeRawBufferPointer, location: String) -> [ResidualHit] {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var hits: [ResidualHit] = []
        if !words.isEmpty {
            for start in buffer.indices {
                words.forEachMatch(in: buffer, at: start) { identifier in
                    if bounded(identifier, buffer, start) {
                        hits.append(ResidualHit(location: location, offset: start, kind: identifier.kind, length: identifier.bytes.count))
                    }
                }
            }
        }
        if !phones.isEmpty { hits += scanPhones(buffer, location: location) }
        return hits
    }

    /// Hits in any byte collection.
    public func scan(bytes: [UInt8], location: String) -> [ResidualHit] {
        bytes.withUnsafeBytes { scan(bytes: $0, location: location) }
    }

    private func bounded(_ identifier: Identifier, _ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        if identifier.anywhere { return true }
        let end = start + identifier.bytes.count
        let before: UInt8? = start > 0 ? buffer[start - 1] : nil
        let after: UInt8? = end < buffer.count ? buffer[end] : nil
        let separates: (UInt8?) -> Bool
        switch identifier.kind {
        case .name: separates = { $0.map { !isLetter($0) } ?? true }
        // An address piece can be a number (a house number, a postcode): inside a longer run of digits, as in a
        // pseudonymous UID, it is another number.
        case .address, .id, .text: separates = { $0.map { !isLetter($0) && !isDigit($0) } ?? true }
        case .uid: separates = { $0.map { !isDigit($0) && $0 != 0x2E } ?? true }
        case .date, .phone: return true
        }
        return separates(before) && separates(after)
    }

    private func scanPhones(_ buffer: UnsafeBufferPointer<UInt8>, location: String) -> [ResidualHit] {
        var digits: [UInt8] = []
        var offsets: [Int] = []
        for (i, byte) in buffer.enumerated() where isDigit(byte) {
            digits.append(byte)
            offsets.append(i)
        }
        var hits: [ResidualHit] = []
        digits.withUnsafeBufferPointer { digits in
            for start in digits.indices {
                phones.forEachMatch(in: digits, at: start) { phone in
                    let first = offsets[start], last = offsets[start + phone.bytes.count - 1]
                    hits.append(ResidualHit(location: location, offset: first, kind: .phone, length: last - first + 1))
                }
            }
        }
        return hits
    }
}

/// Identifiers in a trie whose edges are three bytes long, so that a text position is compared only with the
/// identifiers that begin as the text does there, however many there are and however long a beginning they
/// share (sequential record numbers such as `MRN0012345` and `MRN0012346`).
private struct PrefixIndex: Sendable {
    private let root: Node
    /// True at `first << 8 | second` for the first two bytes of every identifier of two bytes or more: most
    /// positions begin none, and this test rejects them before any identifier is compared or key hashed.
    private let pairs: [Bool]
    /// Identifiers shorter than two bytes (none from an ``IdentifierSet``), compared at every position.
    private let single: [Identifier]

    init(_ identifiers: [Identifier]) {
        root = Node(identifiers.filter { $0.bytes.count >= 2 }, depth: 0)
        single = identifiers.filter { $0.bytes.count < 2 }
        var pairs = [Bool](repeating: false, count: 1 << 16)
        for identifier in identifiers where identifier.bytes.count >= 2 {
            pairs[Int(identifier.bytes[0]) << 8 | Int(identifier.bytes[1])] = true
        }
        self.pairs = pairs
    }

    var isEmpty: Bool { single.isEmpty && root.here.isEmpty && root.children.isEmpty }

    /// Calls `body` with every identifier whose bytes the text holds at `start` (ignoring ASCII case).
    @inline(__always)
    func forEachMatch(in text: UnsafeBufferPointer<UInt8>, at start: Int, _ body: (Identifier) -> Void) {
        let remaining = text.count - start
        for identifier in single where Self.matches(identifier, text, start, remaining) { body(identifier) }
        guard remaining >= 2, pairs[Int(asciiUpper(text[start])) << 8 | Int(asciiUpper(text[start + 1]))] else { return }
        var node = root
        for identifier in node.here where Self.matches(identifier, text, start, remaining) { body(identifier) }
        var depth = 0
        while remaining >= depth + Node.edge, let child = node.children[Node.key(text, start + depth)] {
            node = child
            depth += Node.edge
            for identifier in node.here where Self.matches(identifier, text, start, remaining) { body(identifier) }
        }
    }

    @inline(__always)
    private static func matches(_ identifier: Identifier, _ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ remaining: Int) -> Bool {
        guard identifier.bytes.count <= remaining else { return false }
        for (k, byte) in identifier.bytes.enumerated() where asciiUpper(text[start + k]) != byte { return false }
        return true
    }

    /// The identifiers that share the node's first `depth` bytes: those compared one by one when it is reached
    /// (few, or too short to go further), and the others under their next three bytes.
    final class Node: Sendable {
        static let edge = 3
        /// Below this many, identifiers are compared one by one rather than split further.
        static let leafSize = 8
        let here: [Identifier]
        let children: [UInt32: Node]

        init(_ identifiers: [Identifier], depth: Int) {
            guard identifiers.count > Self.leafSize else { here = identifiers; children = [:]; return }
            var here: [Identifier] = [], groups: [UInt32: [Identifier]] = [:]
            for identifier in identifiers {
                if identifier.bytes.count < depth + Self.edge { here.append(identifier) } else { groups[Self.key(identifier.bytes, depth), default: []].append(identifier) }
            }
            self.here = here
            children = groups.mapValues { Node($0, depth: depth + Self.edge) }
        }

        /// The three bytes at `start`, upper-cased, as one integer.
        @inline(__always)
        static func key<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ start: Int) -> UInt32 where Bytes.Index == Int {
            UInt32(asciiUpper(bytes[start])) << 16 | UInt32(asciiUpper(bytes[start + 1])) << 8 | UInt32(asciiUpper(bytes[start + 2]))
        }
    }
}

private func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte >= 0x80 }
private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
