/// Units of a signal's leads as WFDB spells them, shared by the reader, the stages and de-identification.
public enum LeadUnits {
    /// Normalized units (`NU`), those of a dimensionless lead: what a normalization leaves, and what de-identification
    /// writes in place of units that may identify.
    public static let normalized = "NU"
}
