/// The AAMI (ANSI/AAMI EC57) heartbeat classes and the usual mapping of MIT-BIH beat symbols to
/// them (de Chazal et al. 2004, as used by most MIT-BIH benchmarks):
///
/// | class | meaning | MIT-BIH symbols |
/// |---|---|---|
/// | N | normal and bundle branch block beats | `N` `L` `R` `e` `j` |
/// | S | supraventricular ectopic beats | `A` `a` `J` `S` |
/// | V | ventricular ectopic beats | `V` `E` |
/// | F | fusion of ventricular and normal | `F` |
/// | Q | paced, fusion of paced and normal, unclassifiable | `/` `f` `Q` |
///
/// Other beat symbols (`B`, `r`, `n`, `?`) have no class in this mapping and are reported when
/// dropped; non-beat annotations (rhythm `+`, noise `~`, artefact `|`, `x`, `[`, `]`, `!`, `"`…)
/// are not beats at all.
public enum AAMIClass: String, Sendable, Codable, CaseIterable {
    case N, S, V, F, Q

    /// The class of an MIT-BIH beat symbol, or nil when the mapping has none.
    public init?(symbol: String) {
        switch symbol {
        case "N", "L", "R", "e", "j": self = .N
        case "A", "a", "J", "S": self = .S
        case "V", "E": self = .V
        case "F": self = .F
        case "/", "f", "Q": self = .Q
        default: return nil
        }
    }

    /// The WFDB beat annotation symbols (wfdb-python's `ann_label_table` entries that mark a QRS).
    public static let beatSymbols: Set<String> = [
        "N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q", "?",
    ]
}
