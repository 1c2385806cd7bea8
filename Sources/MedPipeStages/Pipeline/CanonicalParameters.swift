/// Builds the canonical text of a stage's parameters: `{key=value,key=value}` with keys sorted and
/// numbers in one fixed format, so equal parameters always hash alike.
///
/// Numbers: integral values within ±2^53 print as integers (`40`, `-600`), others in Swift's
/// shortest round-trip form (`0.5`, `1e-05`); so `40` and `40.0` are the same parameter.
public struct CanonicalParameters: Sendable {
    private var entries: [(String, String)] = []

    public init() {}

    /// Adds a number.
    public mutating func add(_ key: String, _ value: Double) { entries.append((key, Self.format(value))) }
    /// Adds an integer.
    public mutating func add(_ key: String, _ value: Int) { entries.append((key, String(value))) }
    /// Adds a flag.
    public mutating func add(_ key: String, _ value: Bool) { entries.append((key, value ? "true" : "false")) }
    /// Adds a text value (quoted, with `"` and `\` escaped).
    public mutating func add(_ key: String, _ value: String) { entries.append((key, Self.quote(value))) }
    /// Adds an optional value; nil is written as `null`.
    public mutating func add(_ key: String, _ value: Double?) { entries.append((key, value.map(Self.format) ?? "null")) }
    /// Adds a list of numbers.
    public mutating func add(_ key: String, _ values: [Double]) {
        entries.append((key, "[" + values.map(Self.format).joined(separator: ",") + "]"))
    }
    /// Adds a list of integers.
    public mutating func add(_ key: String, _ values: [Int]) {
        entries.append((key, "[" + values.map(String.init).joined(separator: ",") + "]"))
    }
    /// Adds a list of texts.
    public mutating func add(_ key: String, _ values: [String]) {
        entries.append((key, "[" + values.map(Self.quote).joined(separator: ",") + "]"))
    }

    /// The canonical text.
    public var text: String {
        "{" + entries.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    /// One number in the fixed format.
    public static func format(_ value: Double) -> String {
        if value == 0 { return "0" }  // also folds -0
        if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
