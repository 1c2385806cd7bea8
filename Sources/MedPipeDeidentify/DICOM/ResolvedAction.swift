/// What to do to one attribute, after the table, the options and MedPipe's rules are applied.
public enum ResolvedAction: Sendable, Hashable {
    /// Remove the attribute.
    case remove
    /// Keep it with a zero-length value (a sequence with no items).
    case empty
    /// Replace the value with this dummy, valid for the VR and identifying nothing.
    case dummy(String)
    /// Replace the UID (each value of a multi-valued UI) with `Pseudonymizer.uid`.
    case pseudonymUID
    /// Replace the identifier with `Pseudonymizer.token(_, domain: .patient)` (Patient ID).
    case pseudonymID
    /// Keep the value unchanged.
    case keep
    /// Clean it: DA and DT values move by the patient's date shift (TM is kept: the shift is whole
    /// days); text is kept only once every identifying value of the `IdentifierSet` is removed from
    /// it; a sequence is kept and the profile is applied to every item, recursively.
    case clean

    /// A stable name for reports (`dummy` never carries the original value).
    public var name: String {
        switch self {
        case .remove: "remove"
        case .empty: "empty"
        case .dummy: "dummy"
        case .pseudonymUID: "pseudonymUID"
        case .pseudonymID: "pseudonymID"
        case .keep: "keep"
        case .clean: "clean"
        }
    }
}
