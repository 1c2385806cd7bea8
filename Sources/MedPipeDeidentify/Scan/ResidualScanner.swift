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

/// Searches outputs for every value of an `IdentifierSet`, ignoring ASCII case.
///
/// Candidates are indexed by their first byte, so a scan reads the text once and compares only
/// identifiers that can start at each byte. Phone numbers are searched in the text's digits alone,
/// so `(555) 123-4567` is found as `5551234567`.
public struct ResidualScanner: Sendable {
    private let byFirstByte: [[Identifier]]
    /// True where `byFirstByte` is not empty: most bytes start no identifier, and testing a flag
    /// avoids touching (and retaining) a candidate array per byte.
    private let starts: [Bool]
    private let phones: [Identifier]

    public init(identifiers: IdentifierSet) {
        var table = [[Identifier]](repeating: [], count: 256)
        var phones: [Identifier] = []
        for identifier in identifiers.identifiers {
            if identifier.kind == .phone { phones.append(identifier) } else { table[Int(identifier.bytes[0])].append(identifier) }
        }
        byFirstByte = table
        starts = table.map { !$0.isEmpty }
        self.phones = phones
    }

    /// Hits in a string.
    public func scan(_ text: String, location: String) -> [ResidualHit] {
        var text = text
        return text.withUTF8 { scan(bytes: UnsafeRawBufferPointer($0), location: location) }
    }

    /// Hits in raw bytes (a header, a whole file).
    public func scan(bytes: UnsafeRawBufferPointer, location: String) -> [ResidualHit] {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var hits: [ResidualHit] = []
        let count = buffer.count
        starts.withUnsafeBufferPointer { starts in
        for start in 0..<count where starts[Int(asciiUpper(buffer[start]))] {
            let candidates = byFirstByte[Int(asciiUpper(buffer[start]))]
            for identifier in candidates where identifier.bytes.count <= count - start {
                var matched = true
                for (k, byte) in identifier.bytes.enumerated() where asciiUpper(buffer[start + k]) != byte {
                    matched = false
                    break
                }
                if matched && bounded(identifier, buffer, start) {
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
        let end = start + identifier.bytes.count
        let before: UInt8? = start > 0 ? buffer[start - 1] : nil
        let after: UInt8? = end < buffer.count ? buffer[end] : nil
        let separates: (UInt8?) -> Bool
        switch identifier.kind {
        case .name, .address: separates = { $0.map { !isLetter($0) } ?? true }
        case .id: separates = { $0.map { !isLetter($0) && !isDigit($0) } ?? true }
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
        for phone in phones where phone.bytes.count <= digits.count {
            for start in 0...(digits.count - phone.bytes.count) where digits[start..<(start + phone.bytes.count)].elementsEqual(phone.bytes) {
                let first = offsets[start], last = offsets[start + phone.bytes.count - 1]
                hits.append(ResidualHit(location: location, offset: first, kind: .phone, length: last - first + 1))
            }
        }
        return hits
    }
}

private func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte >= 0x80 }
private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
