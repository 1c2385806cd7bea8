import MedPipeCore

/// A WFDB signal's units (the text after `/` in a header's gain field) as they may leave de-identification.
///
/// Units name a physical quantity (`mV`, `mmHg`, `NU`), but the field takes any text without blanks, so nothing stops
/// it holding a name or a record number. Only units written with known unit symbols pass: at most ``maximumLength``
/// characters, up to three parts separated by `/` (`l/min`, `mmol/l`), each an optional SI prefix (``prefixes``) and
/// a unit symbol (``symbols``, case as written) with an optional power of 2 or 3 (`cm2`), or `%` alone. Anything else
/// is replaced by normalized units, `NU` (``LeadUnits/normalized``).
public enum WFDBSignalUnits {
    /// The longest units kept.
    public static let maximumLength = 16

    /// SI prefixes, micro written `u` (WFDB's habit), `μ` or `µ`.
    public static let prefixes: Set<String> = ["p", "n", "u", "μ", "µ", "m", "c", "d", "k", "M"]

    /// Unit symbols of physiological signals: electrical (`V`, `A`, `Ohm`, `S`), pressure (`mmHg`, `cmH2O`, `Pa`,
    /// `bar`), temperature (`degC`, `degF`, `K`), volume and flow (`l`, `L`, `min`), rates (`bpm`), time, frequency,
    /// mass, length, amount and the dimensionless ones (`NU`, `dB`, `pH`, `counts`).
    public static let symbols: Set<String> = [
        "V", "A", "Ohm", "ohm", "S", "W", "J", "N", "C", "mmHg", "cmH2O", "Pa", "bar", "atm", "degC", "degF", "K",
        "l", "L", "min", "h", "s", "sec", "Hz", "bpm", "rpm", "beats", "breaths", "g", "m", "mol", LeadUnits.normalized, "nu", "dB", "pH",
        "count", "counts", "adu",
    ]

    /// True when `units` are written with known unit symbols (or empty, WFDB's default millivolts), and may be kept.
    public static func isPlain(_ units: String) -> Bool {
        if units.isEmpty || units == "%" { return true }
        let parts = units.split(separator: "/", omittingEmptySubsequences: false)
        guard units.count <= maximumLength, parts.count <= 3 else { return false }
        return parts.allSatisfy { isUnit(String($0)) }
    }

    /// `units` when plain (``isPlain(_:)``), else ``LeadUnits/normalized``.
    public static func safe(_ units: String) -> String { isPlain(units) ? units : LeadUnits.normalized }

    private static func isUnit(_ part: String) -> Bool {
        var symbol = Substring(part)
        if let last = symbol.last, last == "2" || last == "3", symbol.count > 1 { symbol = symbol.dropLast() }
        if symbols.contains(String(symbol)) { return true }
        guard let first = symbol.first, prefixes.contains(String(first)) else { return false }
        return symbols.contains(String(symbol.dropFirst()))
    }
}
