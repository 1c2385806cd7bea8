/// Text of a DICOM value in the character set its dataset names (Specific Character Set, (0008,0005)).
///
/// Attribute values are read as UTF-8 (``DICOMAttribute/value``), which ASCII and ISO_IR 192 are; a value in another
/// 8-bit set keeps its bytes in ``DICOMAttribute/undecodedValue``. Of those, Latin-1 (`ISO_IR 100`, `ISO 2022 IR 100`,
/// or no character set at all, whose 8-bit bytes are most often Latin-1) is decoded here.
public enum DICOMCharacterSet {
    /// The Specific Character Set attribute.
    public static let tag = DICOMTag(0x0008, 0x0005)

    /// `bytes` decoded in the character set `specificCharacterSet` (the attribute's value, terms joined by `\`), or
    /// nil when it names a set not decoded here.
    public static func decode(_ bytes: [UInt8], specificCharacterSet: String) -> String? {
        let terms = specificCharacterSet.split(separator: "\\", omittingEmptySubsequences: false)
            .map { String($0).trimmingDICOMPadding() }.filter { !$0.isEmpty }
        guard terms.allSatisfy({ $0 == "ISO_IR 100" || $0 == "ISO 2022 IR 100" || $0 == "ISO 2022 IR 6" }) else { return nil }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
