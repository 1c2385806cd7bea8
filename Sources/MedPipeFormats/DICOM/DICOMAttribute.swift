/// One attribute of a DICOM file as met by ``DICOMFile/attributes()``: its place, tag, VR and value.
public struct DICOMAttribute: Sendable, Equatable {
    /// Where it sits, e.g. `(0008,1140)[0].(0008,1155)`; a top-level attribute is just its tag.
    public var path: String
    public var tag: DICOMTag
    /// Two-letter value representation, e.g. `PN`, `SQ`, `OB`.
    public var vr: String
    /// 0 at top level, 1 inside one sequence item, and so on.
    public var depth: Int
    /// True for File Meta Information (group 0002).
    public var isMeta: Bool
    /// Number of items for a sequence, else the value length in bytes.
    public var length: Int
    /// The value as text, values joined by `\`; empty for sequences and bulk binary data over 1 KiB.
    public var value: String
    /// The value's bytes when they are not UTF-8 (a value in Latin-1, whose other bytes `value` holds as U+FFFD), else
    /// nil: ``DICOMCharacterSet`` decodes them.
    public var undecodedValue: [UInt8]? = nil

    /// True when the group number is odd (a private attribute or private creator).
    public var isPrivate: Bool { tag.group % 2 == 1 }
}
