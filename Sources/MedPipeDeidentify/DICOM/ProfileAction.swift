/// An action code of PS3.15 Table E.1-1a.
public enum ProfileAction: String, Sendable, Codable, CaseIterable {
    /// D: replace with a non-zero length dummy value consistent with the VR.
    case dummy = "D"
    /// Z: replace with a zero length value (or a dummy).
    case empty = "Z"
    /// X: remove.
    case remove = "X"
    /// K: keep (unchanged for non-sequence attributes, cleaned for sequences).
    case keep = "K"
    /// C: clean, replacing with values of similar meaning known not to identify.
    case clean = "C"
    /// U: replace with a non-zero length UID, consistent within a set of instances.
    case uid = "U"
    /// Z/D: Z unless D is required by the IOD (Type 2 versus Type 1).
    case emptyOrDummy = "Z/D"
    /// X/Z: X unless Z is required (Type 3 versus Type 2).
    case removeOrEmpty = "X/Z"
    /// X/D: X unless D is required (Type 3 versus Type 1).
    case removeOrDummy = "X/D"
    /// X/Z/D: X unless Z or D is required (Type 3 versus 2 versus 1).
    case removeOrEmptyOrDummy = "X/Z/D"
    /// X/Z/U*: X unless Z or replacing the contained instance UIDs is required (sequences of UID references).
    case removeOrEmptyOrUIDs = "X/Z/U*"
}

/// An option column of Table E.1-1, with its code in CID 7050 (De-identification Method).
public enum ProfileOption: String, Sendable, Codable, CaseIterable, Comparable {
    case retainSafePrivate
    case retainUIDs
    case retainDeviceIdentity
    case retainInstitutionIdentity
    case retainPatientCharacteristics
    case retainLongitudinalFullDates
    case retainLongitudinalModifiedDates
    case cleanDescriptors
    case cleanStructuredContent
    case cleanGraphics

    /// Code Value in CID 7050 (coding scheme DCM).
    public var code: String {
        switch self {
        case .cleanGraphics: "113103"
        case .cleanStructuredContent: "113104"
        case .cleanDescriptors: "113105"
        case .retainLongitudinalFullDates: "113106"
        case .retainLongitudinalModifiedDates: "113107"
        case .retainPatientCharacteristics: "113108"
        case .retainDeviceIdentity: "113109"
        case .retainUIDs: "113110"
        case .retainSafePrivate: "113111"
        case .retainInstitutionIdentity: "113112"
        }
    }

    /// Code Meaning in CID 7050.
    public var meaning: String {
        switch self {
        case .cleanGraphics: "Clean Graphics Option"
        case .cleanStructuredContent: "Clean Structured Content Option"
        case .cleanDescriptors: "Clean Descriptors Option"
        case .retainLongitudinalFullDates: "Retain Longitudinal Temporal Information Full Dates Option"
        case .retainLongitudinalModifiedDates: "Retain Longitudinal Temporal Information Modified Dates Option"
        case .retainPatientCharacteristics: "Retain Patient Characteristics Option"
        case .retainDeviceIdentity: "Retain Device Identity Option"
        case .retainUIDs: "Retain UIDs Option"
        case .retainSafePrivate: "Retain Safe Private Option"
        case .retainInstitutionIdentity: "Retain Institution Identity Option"
        }
    }

    /// The Basic Application Confidentiality Profile itself: code 113100 in CID 7050.
    public static let basicProfileCode = "113100"
    public static let basicProfileMeaning = "Basic Application Confidentiality Profile"

    /// The letter used for this column in `BasicProfileTable`'s data.
    var tableLetter: Character {
        switch self {
        case .retainSafePrivate: "p"
        case .retainUIDs: "u"
        case .retainDeviceIdentity: "d"
        case .retainInstitutionIdentity: "i"
        case .retainPatientCharacteristics: "c"
        case .retainLongitudinalFullDates: "f"
        case .retainLongitudinalModifiedDates: "m"
        case .cleanDescriptors: "e"
        case .cleanStructuredContent: "s"
        case .cleanGraphics: "g"
        }
    }

    public static func < (a: ProfileOption, b: ProfileOption) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
