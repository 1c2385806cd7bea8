import MedPipeFormats

/// What an identifying value is; decides how it is split, normalized and matched.
public enum IdentifierKind: String, Sendable, Codable, CaseIterable {
    /// A person's name or one of its components (matched between letter boundaries).
    case name
    /// A patient, accession, study or other identifier (matched between letter-or-digit boundaries).
    case id
    /// Free text the profile removes, a description or a comment (matched as an identifier): looked for in its own
    /// file's output only, since its words are everyday ones that other files hold innocently (a comment
    /// "Uncompressed" in one file, the code meaning "Uncompressed predecessor" in another).
    case text
    /// A birth or event date in one of its common spellings (matched anywhere).
    case date
    /// A UID (matched between boundaries that are neither digits nor dots).
    case uid
    /// An address or one of its lines (matched between letter-or-digit boundaries).
    case address
    /// A telephone number, as its digits (matched anywhere in the digits of the text).
    case phone
}

/// One identifying value, upper-cased (ASCII) for case-insensitive matching. Never printed.
public struct Identifier: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    public var kind: IdentifierKind
    let bytes: [UInt8]
    /// True for a value written in scripts without spaces between words (Chinese, Japanese, Korean, Thai): it is
    /// matched wherever it occurs, since the letters around it do not make it part of another word (山田 in 山田医院).
    let anywhere: Bool

    init(kind: IdentifierKind, bytes: [UInt8], anywhere: Bool = false) {
        self.kind = kind
        self.bytes = bytes
        self.anywhere = anywhere
    }

    public var description: String { "Identifier(\(kind.rawValue), \(bytes.count) bytes)" }
    public var customMirror: Mirror { Mirror(self, children: ["kind": kind, "length": bytes.count]) }
}

/// Every identifying value seen in the inputs, ready for `ResidualScanner`.
///
/// Values are split into the pieces an output could still contain: a name's `^`, `=`, comma and
/// space components, an address's lines, a birth date's spellings (YYYYMMDD, YYYY-MM-DD,
/// DD/MM/YYYY, MM/DD/YYYY), a phone number's digits. A piece beyond ASCII is held in UTF-8 and, when it can be, in
/// Latin-1 as well, so a name is found in either encoding. Pieces too short or too common to mean anything
/// (`minimumLength`, `commonTokens`) are ignored, so the scan does not cry wolf on `DR` or `USA`. A name in scripts
/// written without spaces between words is also looked for with its components joined (山田太郎), and its pieces
/// of two characters count (山田): `unspacedNameMinimumLength`.
public struct IdentifierSet: Sendable, CustomStringConvertible, CustomReflectable {
    public private(set) var identifiers: Set<Identifier> = []

    /// Shortest piece kept, per kind.
    public static let minimumLength: [IdentifierKind: Int] = [.name: 3, .id: 3, .text: 3, .date: 8, .uid: 8, .address: 4, .phone: 7]
    /// Shortest name piece kept, in characters, for a piece in scripts written without spaces between words, whose
    /// family and given names are often two characters long.
    public static let unspacedNameMinimumLength = 2
    /// Name and address pieces that identify no one.
    public static let commonTokens: Set<String> = [
        "ANONYMOUS", "ANONYMIZED", "ANON", "UNKNOWN", "PATIENT", "TEST", "NONE", "NULL", "MRS", "MISS", "PROF",
        "PHD", "THE", "AND", "MALE", "FEMALE", "OTHER", "USA", "STREET", "ROAD", "AVENUE",
    ]

    public init() {}

    public var isEmpty: Bool { identifiers.isEmpty }
    public var description: String { "IdentifierSet(\(identifiers.count) values)" }
    public var customMirror: Mirror { Mirror(self, children: ["count": identifiers.count]) }
    public var count: Int { identifiers.count }

    /// Adds a person name (DICOM PN `Family^Given^Middle^Prefix^Suffix`, groups split by `=`, or free form).
    public mutating func addName(_ value: String) {
        for group in value.split(separator: "=") {  // alphabetic, ideographic and phonetic representations
            let components = group.split(separator: "^")
            insert(.name, components.joined(separator: " "))
            if components.allSatisfy(Self.isUnspaced) { insert(.name, components.joined()) }
        }
        for part in value.split(whereSeparator: { "^=, \t".contains($0) }) { insert(.name, part) }
    }

    /// True when every letter of `text` is in a script written without spaces between words: Han ideographs,
    /// Hiragana, Katakana (half-width too), Hangul, Thai.
    static func isUnspaced(_ text: some StringProtocol) -> Bool {
        let letters = text.unicodeScalars.filter { !$0.properties.isWhitespace }
        return !letters.isEmpty && letters.allSatisfy { scalar in
            switch scalar.value {
            case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF65...0xFF9F,  // Hiragana, Katakana, half-width Katakana
                 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7A3,  // Hangul
                 0x0E00...0x0E7F:  // Thai
                return true
            default:
                return scalar.properties.isIdeographic
            }
        }
    }

    /// Adds an identifier (patient ID, accession number, record name...).
    public mutating func addID(_ value: String) { insert(.id, value) }

    /// Adds free text: a description, a comment, a NIfTI header's text fields.
    public mutating func addText(_ value: String) { insert(.text, value) }

    /// Adds a UID.
    public mutating func addUID(_ value: String) {
        guard !ActionResolver.isDICOMDefined(trimmed(value)) else { return }  // names a class or syntax, no one
        insert(.uid, value)
    }

    /// Adds a date given as DICOM DA (`YYYYMMDD`) in its usual spellings; other text is added as is. The
    /// profile's dummy date (1900-01-01), which every output may carry, is no one's: files de-identified
    /// before hold it, and it would otherwise be found in their outputs' dummy dates and withhold them.
    public mutating func addDate(_ value: String) {
        let text = trimmed(value)
        if text.prefix(8) == ActionResolver.dummyValue(vr: "DA") { return }
        guard let date = CivilDate(dicom: text.prefix(8)) else { insert(.date, text); return }
        let y = pad(date.year, 4), m = pad(date.month, 2), d = pad(date.day, 2)
        for spelling in [y + m + d, "\(y)-\(m)-\(d)", "\(d)/\(m)/\(y)", "\(m)/\(d)/\(y)"] { insert(.date, spelling) }
    }

    /// Adds an address: the whole and each line (`^`, newline, comma or semicolon separated).
    public mutating func addAddress(_ value: String) {
        insert(.address, value.split(whereSeparator: { $0 == "^" }).joined(separator: " "))
        for line in value.split(whereSeparator: { "^\n\r,;".contains($0) }) { insert(.address, line) }
    }

    /// Adds a telephone number by its digits.
    public mutating func addPhone(_ value: String) {
        for number in value.split(separator: "\\") { insert(.phone, String(number.filter(\.isASCIIDigit))) }
    }

    /// Adds every identifying value another set holds.
    public mutating func formUnion(_ other: IdentifierSet) { identifiers.formUnion(other.identifiers) }

    /// Shortest piece, per kind, looked for in *other* inputs' outputs; kinds absent are not looked for.
    /// Dates are left out (two patients scanned on one day share them), free text too (its words are everyday
    /// ones), and short names and IDs (`FLAT`, a patient's name, is also a Filter Type): across a batch only
    /// distinctive values mean a leak.
    public static let batchMinimumLength: [IdentifierKind: Int] = [.name: 6, .id: 6, .uid: 8, .address: 8, .phone: 7]

    /// Shortest value in scripts written without spaces between words, in characters, looked for across a batch.
    public static let batchMinimumUnspacedCharacters = 3

    /// Words of equipment makers' names (and of the words around them), which a patient may bear, Philips being a
    /// surname, and which every output of that maker's devices holds in Manufacturer: not looked for across a
    /// batch, where one patient named Philips would withhold every Philips scanner's output. Each file's own
    /// scan still looks for them.
    public static let makerWords: Set<String> = [
        "PHILIPS", "SIEMENS", "HEALTHINEERS", "TOSHIBA", "HITACHI", "FUJIFILM", "CARESTREAM", "HOLOGIC", "KONICA",
        "MINOLTA", "SAMSUNG", "ESAOTE", "MINDRAY", "VARIAN", "ELEKTA", "ACCURAY", "MEDICAL", "SYSTEMS", "HEALTHCARE",
        "IMAGING", "ELECTRIC",
    ]

    /// The values distinctive enough to look for in every output of a batch (`batchMinimumLength`), makers' names
    /// left out (`makerWords`).
    public func distinctive() -> IdentifierSet {
        var result = IdentifierSet()
        result.identifiers = identifiers.filter { identifier in
            guard let minimum = Self.batchMinimumLength[identifier.kind], identifier.bytes.count >= minimum else { return false }
            // Three bytes a character: two characters (山田, a common family name) are not distinctive.
            if identifier.anywhere, String(decoding: identifier.bytes, as: UTF8.self).count < Self.batchMinimumUnspacedCharacters { return false }
            return !Self.makerWords.contains(String(decoding: identifier.bytes, as: UTF8.self))
        }
        return result
    }

    private mutating func insert(_ kind: IdentifierKind, _ raw: some StringProtocol) {
        let piece = trimmed(String(raw)).trimmingSpaces
        let unspaced = Self.isUnspaced(piece)
        let minimum = kind == .name && unspaced ? Self.unspacedNameMinimumLength : Self.minimumLength[kind]!
        guard piece.count >= minimum, !Self.commonTokens.contains(piece.uppercased()) else { return }
        if kind == .name, !piece.contains(where: \.isLetter) { return }
        // Text is scanned with every letter upper-cased (``upperCased(_:)``); raw bytes, in whatever set they are, with
        // ASCII letters only: the identifier is looked for both ways.
        identifiers.insert(Identifier(kind: kind, bytes: Array(piece.utf8).map(asciiUpper), anywhere: unspaced))
        identifiers.insert(Identifier(kind: kind, bytes: Array(upperCased(piece).utf8), anywhere: unspaced))
        // Text beyond ASCII is looked for in Latin-1 too (a DICOM file's ISO_IR 100 bytes), when it can be written so.
        if !piece.utf8.allSatisfy({ $0 < 0x80 }), piece.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) {
            identifiers.insert(Identifier(kind: kind, bytes: piece.unicodeScalars.map { asciiUpper(UInt8($0.value)) }))
        }
    }
}

extension IdentifierSet {
    /// Collects the identifying value of one DICOM attribute: those the profile under `options` does
    /// not keep (removed, emptied, replaced, pseudonymized, or dates to be shifted). Private
    /// attributes and numeric VRs are not collected; their values are removed or identify nothing.
    public mutating func collect(tag: DICOMTag, vr: String, value: String, options: DeidentificationOptions) {
        guard !tag.isPrivate, !value.isEmpty else { return }
        let action = ActionResolver.action(for: tag, vr: vr, options: options)
        switch action {
        case .keep: return
        case .clean: guard vr == "DA" || vr == "DT" else { return }
        default: break
        }
        let keyword = BasicProfileTable.row(for: tag)?.keyword ?? ""
        for item in value.split(separator: "\\") {
            let text = String(item)
            switch vr {
            case "PN": addName(text)
            case "UI": addUID(text)
            case "DA": addDate(text)
            case "DT": addDate(String(trimmed(text).prefix(8)))
            case "LO", "SH", "UC", "LT", "ST", "UT", "AE":
                if keyword.contains("Telephone") || keyword.contains("Phone") { addPhone(text) }
                else if keyword.contains("Address") { addAddress(text) }
                else if ["LT", "ST", "UT"].contains(vr) || keyword.contains("Description") || keyword.contains("Comment") { addText(text) }
                else { addID(text) }
            default: break
            }
        }
    }
}

func asciiUpper(_ byte: UInt8) -> UInt8 { byte >= 97 && byte <= 122 ? byte - 32 : byte }

/// `text` with every letter in upper case where its upper case is one character of as many UTF-8 bytes (Cyrillic,
/// Greek, accented Latin: `Сидоров` → `СИДОРОВ`), others as they are: text and identifiers are compared so, and a
/// match's byte offsets are the same in `text` as in the result.
func upperCased(_ text: String) -> String {
    guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return String(decoding: text.utf8.map(asciiUpper), as: UTF8.self) }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        let upper = scalar.properties.uppercaseMapping.unicodeScalars
        if upper.count == 1, let only = upper.first, only.utf8.count == scalar.utf8.count { result.append(only) } else { result.append(scalar) }
    }
    return String(result)
}

extension StringProtocol {
    var trimmingSpaces: String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
