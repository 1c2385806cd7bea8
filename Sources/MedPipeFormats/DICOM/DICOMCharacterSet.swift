/// Text of a DICOM value in the character set its dataset names (Specific Character Set, (0008,0005)).
///
/// Attribute values are read as UTF-8 (``DICOMAttribute/value``), which ASCII and ISO_IR 192 are; a value in another
/// 8-bit set keeps its bytes in ``DICOMAttribute/undecodedValue``. Of those, Latin-1 (`ISO_IR 100`, `ISO 2022 IR 100`,
/// or no character set at all, whose 8-bit bytes are most often Latin-1) is decoded and encoded here; a dataset in
/// another set is converted to UTF-8 before its text is rewritten (``DICOMFile/convertToUTF8()``).
public enum DICOMCharacterSet {
    /// The Specific Character Set attribute.
    public static let tag = DICOMTag(0x0008, 0x0005)

    /// The defined terms of a Specific Character Set value (terms joined by `\`), padding and empty terms left out.
    static func terms(_ specificCharacterSet: String) -> [String] {
        specificCharacterSet.split(separator: "\\", omittingEmptySubsequences: false)
            .map { String($0).trimmingDICOMPadding() }.filter { !$0.isEmpty }
    }

    /// True when the dataset's 8-bit bytes are Latin-1: `ISO_IR 100`, its ISO 2022 form, or no character set.
    public static func isLatin1(_ specificCharacterSet: String) -> Bool {
        terms(specificCharacterSet).allSatisfy { $0 == "ISO_IR 100" || $0 == "ISO 2022 IR 100" || $0 == "ISO 2022 IR 6" }
    }

    /// True when the dataset's text is UTF-8 (`ISO_IR 192`).
    public static func isUTF8(_ specificCharacterSet: String) -> Bool { terms(specificCharacterSet) == ["ISO_IR 192"] }

    /// VRs whose values are in the dataset's character set (PS3.5 6.1.2.3); the others are ASCII.
    public static let textVRs: Set<String> = ["SH", "LO", "ST", "LT", "UC", "UT", "PN"]

    /// True when the text of a dataset (its `attributes`) must be converted to UTF-8 to be read and rewritten: a value
    /// of a text VR holds 8-bit bytes or an ISO 2022 escape sequence (the 7-bit kanji of ISO 2022 IR 87), in a set
    /// neither Latin-1 nor UTF-8 (Cyrillic, Greek, Japanese...).
    public static func needsConversion(_ attributes: [DICOMAttribute], specificCharacterSet: String) -> Bool {
        guard !isLatin1(specificCharacterSet), !isUTF8(specificCharacterSet) else { return false }
        return attributes.contains {
            !$0.isMeta && textVRs.contains($0.vr) && ($0.undecodedValue != nil || $0.value.utf8.contains { $0 >= 0x80 || $0 == 0x1B })
        }
    }

    /// `bytes` decoded in the character set `specificCharacterSet` (the attribute's value, terms joined by `\`), or
    /// nil when it names a set not decoded here.
    public static func decode(_ bytes: [UInt8], specificCharacterSet: String) -> String? {
        isLatin1(specificCharacterSet) ? latin1(bytes) : nil
    }

    /// The text of `attribute` in a dataset of character set `specificCharacterSet`: a Latin-1 dataset's bytes decoded
    /// as Latin-1 (those that happen to be valid UTF-8 too), else the value as read.
    public static func text(of attribute: DICOMAttribute, specificCharacterSet: String) -> String {
        isLatin1(specificCharacterSet) ? latin1(attribute.undecodedValue ?? Array(attribute.value.utf8)) : attribute.value
    }

    /// `text` encoded in the character set `specificCharacterSet`: Latin-1 bytes in a Latin-1 dataset, UTF-8 in an
    /// ISO_IR 192 one, ASCII in any; nil when the text cannot be written in that set here.
    public static func encode(_ text: String, specificCharacterSet: String) -> [UInt8]? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) || isUTF8(specificCharacterSet) { return Array(text.utf8) }
        guard isLatin1(specificCharacterSet), text.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) else { return nil }
        return text.unicodeScalars.map { UInt8($0.value) }
    }

    private static func latin1(_ bytes: [UInt8]) -> String { String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })) }
}
