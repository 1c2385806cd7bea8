import MedPipeFormats

/// Decides the action for each attribute from `BasicProfileTable` and the chosen options.
///
/// Rules, in order:
/// 1. Private attributes (odd groups, creators included) are removed. With Retain Safe Private an
///    attribute is kept only if it is in `safePrivateAttributes`, which is empty: MedPipe knows no
///    vendor attribute it can vouch for, so the option changes nothing yet.
/// 2. A row of the table applies: among the selected options that fill the row's column, the most
///    protective action wins (X over C over K); with none, the Basic Profile action applies.
/// 3. Conditional forms resolve to the form that keeps the value out and is valid whatever the
///    attribute's Type in the object's IOD (MedPipe has no per-IOD module tables): a dummy is valid for
///    Type 1, 2 and 3, an empty value for Type 2 and 3. So X/D, Z/D and X/Z/D → D, X/Z → Z, and on
///    sequences (whose empty form is invalid for a Type 3 sequence that must have items) every compound
///    form keeps the items with the profile applied inside (`.clean`), the UIDs in them replaced
///    consistently by rule 5. Patient ID (Z/D) is the one exception: it becomes the keyed pseudonym, so
///    a patient's files stay together.
/// 4. On a sequence (VR SQ), K, C and D all mean "keep the sequence and apply the profile to its
///    items" (`.clean`); Z means no items.
/// 5. U, and D on a UI, give `.pseudonymUID`; D elsewhere gives a dummy valid for the VR.
/// 6. A public attribute the table does not list is kept, unless its VR can carry free text
///    (PN, LO, SH, LT, ST, UT, UC, and conservatively AE and UN) and it is not in
///    `safeFreeTextAttributes` (equipment, coding and acquisition descriptors needed downstream).
/// 7. A UID attribute the table does not list (Creator-Version UID, Dimension Organization UID, ...) gets
///    its keyed pseudonym, as the table's own UIDs do, unless it names a class, a syntax or a scheme
///    (`classUIDAttributes`, each with its reason) or Retain UIDs is chosen. Wherever UIDs are replaced,
///    a DICOM-defined value (`1.2.840.10008.…`) stays: it names no instance, institution or vendor.
public enum ActionResolver {
    /// Private attributes known to be safe to retain under Retain Safe Private: none.
    public static let safePrivateAttributes: Set<DICOMTag> = []

    /// VRs that can carry free text, removed when an unlisted public attribute has one.
    public static let freeTextVRs: Set<String> = ["PN", "LO", "SH", "LT", "ST", "UT", "UC", "AE", "UN"]

    /// Public free-text attributes missing from Table E.1-1 that carry no identity and are kept.
    public static let safeFreeTextAttributes: [DICOMTag: String] = [
        DICOMTag(0x0008, 0x0070): "Manufacturer",
        DICOMTag(0x0008, 0x1090): "ManufacturerModelName",
        DICOMTag(0x0018, 0x1020): "SoftwareVersions",
        DICOMTag(0x0008, 0x0100): "CodeValue",
        DICOMTag(0x0008, 0x0102): "CodingSchemeDesignator",
        DICOMTag(0x0008, 0x0103): "CodingSchemeVersion",
        DICOMTag(0x0008, 0x0104): "CodeMeaning",
        DICOMTag(0x0018, 0x0024): "SequenceName",
        DICOMTag(0x0018, 0x0085): "ImagedNucleus",
        DICOMTag(0x0018, 0x1250): "ReceiveCoilName",
        DICOMTag(0x0018, 0x1251): "TransmitCoilName",
        DICOMTag(0x0018, 0x1160): "FilterType",
        DICOMTag(0x0018, 0x1210): "ConvolutionKernel",
        DICOMTag(0x0020, 0x1040): "PositionReferenceIndicator",
        DICOMTag(0x0028, 0x1054): "RescaleType",
        DICOMTag(0x0028, 0x1055): "WindowCenterWidthExplanation",
        DICOMTag(0x0012, 0x0063): "DeidentificationMethod",
    ]

    public static let patientID = DICOMTag(0x0010, 0x0020)

    /// UID attributes missing from Table E.1-1 that are kept as they are, with the reason: their values
    /// name a kind of object, an encoding or a coding scheme, never an instance, a person or a site, and
    /// replacing them would change what the object is or how it is read.
    public static let classUIDAttributes: [DICOMTag: String] = [
        DICOMTag(0x0002, 0x0002): "Media Storage SOP Class UID: the kind of object",
        DICOMTag(0x0002, 0x0010): "Transfer Syntax UID: how the file is encoded",
        DICOMTag(0x0002, 0x0012): "Implementation Class UID: the software that wrote the file (DCMTK writes its own)",
        DICOMTag(0x0004, 0x1510): "Referenced SOP Class UID in File: the kind of object",
        DICOMTag(0x0004, 0x1512): "Referenced Transfer Syntax UID in File: an encoding",
        DICOMTag(0x0008, 0x0016): "SOP Class UID: the kind of object (a vendor's private class names a product, not a patient)",
        DICOMTag(0x0008, 0x001A): "Related General SOP Class UID: a kind of object",
        DICOMTag(0x0008, 0x001B): "Original Specialized SOP Class UID: a kind of object",
        DICOMTag(0x0008, 0x0062): "SOP Classes in Study: kinds of object",
        DICOMTag(0x0008, 0x010C): "Coding Scheme UID: a coding scheme",
        DICOMTag(0x0008, 0x1150): "Referenced SOP Class UID: the kind of the referenced object",
        DICOMTag(0x0008, 0x1462): "Referenced SOP Class UID in a Referenced Defined Protocol: a kind of object",
        DICOMTag(0x0018, 0x100B): "Manufacturer's Device Class UID: a device model, not a device",
        DICOMTag(0x0040, 0xA124): "UID of a coded concept in structured content: a concept",
        DICOMTag(0x0400, 0x0010): "MAC Calculation Transfer Syntax UID: an encoding",
    ]

    /// True when `uid` is defined by the DICOM standard itself (PS3.6 Annex A: transfer syntaxes, SOP
    /// classes, well-known instances) and so identifies nothing.
    public static func isDICOMDefined(_ uid: some StringProtocol) -> Bool { uid.hasPrefix("1.2.840.10008.") }

    /// The action for `tag` with value representation `vr` (two upper-case letters) under `options`.
    public static func action(for tag: DICOMTag, vr: String, options: DeidentificationOptions) -> ResolvedAction {
        if tag.isPrivate {
            return options.contains(.retainSafePrivate) && safePrivateAttributes.contains(tag) ? .keep : .remove
        }
        guard let row = BasicProfileTable.row(for: tag) else {
            if vr == "UI" { return options.contains(.retainUIDs) || classUIDAttributes[tag] != nil ? .keep : .pseudonymUID }
            return freeTextVRs.contains(vr) && safeFreeTextAttributes[tag] == nil ? .remove : .keep
        }
        // The most protective action among the selected options, else the basic one; found without
        // building collections, as this runs for every attribute of every file.
        var action = row.basic
        var strongest = 0
        for (option, candidate) in row.options where protection(candidate) > strongest && options.contains(option) {
            action = candidate
            strongest = protection(candidate)
        }
        if tag == patientID && action == .emptyOrDummy { return .pseudonymID }
        return resolve(action, vr: vr)
    }

    /// The Table E.1-1 keyword of `tag`, or the keyword of a safe free-text attribute, else nil.
    public static func keyword(for tag: DICOMTag) -> String? {
        if tag.isPrivate { return nil }
        return BasicProfileTable.row(for: tag)?.keyword ?? safeFreeTextAttributes[tag]
    }

    private static func protection(_ action: ProfileAction) -> Int {
        switch action {
        case .remove: 3
        case .clean: 2
        default: 1
        }
    }

    private static func resolve(_ action: ProfileAction, vr: String) -> ResolvedAction {
        let sequence = vr == "SQ"
        switch action {
        case .remove: return .remove
        case .empty: return .empty
        case .removeOrEmpty: return sequence ? .clean : .empty
        case .keep, .clean: return sequence ? .clean : (action == .keep ? .keep : .clean)
        case .uid: return vr == "UI" || vr.isEmpty ? .pseudonymUID : .remove
        case .removeOrEmptyOrUIDs: return sequence ? .clean : .empty
        case .dummy, .removeOrDummy, .emptyOrDummy, .removeOrEmptyOrDummy:
            if sequence { return .clean }
            if vr == "UI" { return .pseudonymUID }
            return .dummy(dummyValue(vr: vr))
        }
    }

    /// A short value valid for `vr` that identifies nothing.
    public static func dummyValue(vr: String) -> String {
        switch vr {
        case "PN": "ANONYMOUS"
        case "DA": "19000101"
        case "DT": "19000101000000"
        case "TM": "000000"
        case "AS": "000D"
        case "IS", "DS", "SL", "SS", "UL", "US", "FL", "FD", "SV", "UV": "0"
        case "AE", "CS": "ANONYMIZED"
        case "UR": "urn:medpipe:anonymized"
        default: "ANONYMIZED"
        }
    }
}
