import MedPipeCache
import MedPipeCore

/// A check of a whole cache at the end of `convert`: table rows of other columns, or of the same columns in another
/// order. Each row becomes the values of its numeric columns in its file's order, so two tables whose headers differ
/// give rows whose values stand for other features at the same positions, which no stage or model can tell apart.
enum TableColumns {
    /// Fails when the rows among `entries` do not all have the same columns (metadata `columns`), naming the first two
    /// sources in plan order (`positions`: unit key → place) whose columns differ (`paths`: unit key → source path) and how.
    /// - Throws: `.invalidArgument` naming `recipe`.
    static func requireSame(_ entries: [CacheEntry], positions: [String: Int], paths: [String: String], recipe: String) throws {
        func place(_ unit: String) -> (Int, String) { (positions[unit] ?? .max, unit) }
        // Each column list's first source in plan order.
        var first: [[String]: String] = [:]
        for entry in entries {
            guard let columns = Self.of(entry) else { continue }
            if let unit = first[columns], place(unit) <= place(entry.unit) { continue }
            first[columns] = entry.unit
        }
        guard first.count > 1 else { return }
        let ordered = first.sorted { place($0.value) < place($1.value) }
        let (expected, columns) = (ordered[0].key, ordered[1].key)
        let how = Set(columns) == Set(expected) ? "the same columns in another order"
            : "\(describe(Set(expected).subtracting(columns), "missing")) \(describe(Set(columns).subtracting(expected), "extra"))"
                .trimmingCharacters(in: .whitespaces)
        let name = { (unit: String) in paths[unit] ?? "a source" }
        throw MedPipeError.invalidArgument(recipe, "its tables' columns differ: \(name(ordered[0].value)) has \(expected.joined(separator: ", ")); \(name(ordered[1].value)) has \(columns.joined(separator: ", ")) (\(how)), so the values at one position would stand for other features: give every table the same columns in the same order")
    }

    /// The columns of a table row's entry, in its file's order (metadata `columns`); nil for other samples.
    static func of(_ entry: CacheEntry) -> [String]? {
        guard case .strings(let columns)? = entry.metadata["columns"] else { return nil }
        return columns
    }

    private static func describe(_ names: Set<String>, _ what: String) -> String {
        names.isEmpty ? "" : "\(what): \(names.sorted().joined(separator: ", "))"
    }
}
