import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// How the rows of a CSV table become a model's inputs: the recipe's `table:` options, the label column of its table
/// sources, and the feature columns in the order the model takes them. `convert` stores it in the cache (meta `table`)
/// and a model trained on the cache carries it (``PreparationKeys/table``), so that `predict` reads a table by the path
/// `convert` read the training table with (``rows(of:)``): the same parsing, the same values for the same rows.
public struct TableInput: Codable, Sendable, Equatable {
    /// A table source's label rule: the label is the column's value, or `1`/`0` for a value over `greaterThan`.
    struct Label: Codable, Sendable, Hashable {
        var column: String
        var greaterThan: Double?

        enum CodingKeys: String, CodingKey { case column, greaterThan = "greater-than" }
    }

    var options: TableOptions
    /// The label rule of the table sources, nil when they have none or not one rule.
    var label: Label?
    /// The feature columns, in the order of the model's inputs.
    public var features: [String]

    /// The table input of a cache made of `entries` by `recipe`, or nil when its sources are not all tables (by their
    /// `format`, else their content: the first file of another format ends the look). The features are the columns
    /// of the rows (metadata `columns`, which no stage before a fitted one changes); nil too when the rows do not all
    /// have the same columns.
    init?(recipe: Recipe, entries: [CacheEntry]) {
        let tables = recipe.sources.allSatisfy { spec in spec.format.map { $0 == .csv } ?? spec.paths.allSatisfy { (try? FormatKind.detect($0)) == .csv } }
        guard !recipe.sources.isEmpty, tables else { return nil }
        let columns = Set(entries.map { TableColumns.of($0) ?? [] })
        guard columns.count == 1, let features = columns.first, !features.isEmpty else { return nil }
        let labels = Set(recipe.sources.map { Label($0.label) })
        (options, label, self.features) = (recipe.tableOptions, labels.count == 1 ? labels.first! : nil, features)
    }

    /// The rows of the table at `path` as the model takes them, and the rows left out (0-based, after any header):
    /// ``TableOptions/rows(of:source:label:features:)`` with the features in the model's order, the label and group
    /// columns not read. Each sample's source is `path` narrowed to `row N`, as `convert` names a table's rows.
    /// - Throws: ``MedPipeError`` naming `path`: the reader's, or a feature column missing or holding text.
    func rows(of path: String) throws -> (rows: [Sample], incomplete: [Int]) {
        try options.rows(of: path, source: SourceReference(record: path), label: label, features: features)
    }
}

extension TableInput.Label {
    /// The rule of a source labelled by a column, else nil.
    init?(_ spec: LabelSpec) {
        guard case .column(let column, let greaterThan) = spec else { return nil }
        (self.column, self.greaterThan) = (column, greaterThan)
    }
}

extension TableOptions {
    /// The rows of the CSV table at `path`, one sample per row with `source` narrowed to `row N` (N counting the
    /// table's rows from 0): read with these options, the label taken by `label` (rows without one dropped) and the
    /// group key from the group column, the features every other numeric column in the file's order; or, given
    /// `features`, those columns in that order and no label or group (`label` then names the column that a headerless
    /// file may lack of its `columns`, and that a missing column's error says is not needed). Rows with a missing
    /// feature value are left out when the options drop incomplete rows, and returned apart by number.
    /// - Throws: ``MedPipeError`` naming `path`: the reader's, one of `features` missing or holding text, or the label or
    ///   group column missing.
    func rows(of path: String, source: SourceReference, label: TableInput.Label? = nil, features: [String]? = nil) throws
        -> (rows: [Sample], incomplete: [Int]) {
        var csvOptions = csvOptions
        // Given features, a headerless table may lack the label column its `columns` name.
        if features != nil { csvOptions.optionalColumn = label?.column }
        let table = try CSVReader(options: csvOptions).read(path)
        var rows: [Sample]
        if let features {
            let columns = try features.map { name in
                guard let column = table.columns.first(where: { $0.name == name }) else {
                    throw MedPipeError.invalidArgument(path, "has no column '\(name)', which the model takes (it takes \(features.joined(separator: ", "))\(label.map { "; the label column \($0.column) is not needed" } ?? ""))")
                }
                guard column.type != .text else {
                    let cell = column.cells?.lazy.compactMap { $0 }.first { Double($0) == nil } ?? ""
                    throw MedPipeError.invalidArgument(path, "column '\(name)' holds text ('\(cell)'), where the model takes numbers")
                }
                return column
            }
            var values: [Double] = []
            values.reserveCapacity(table.rowCount * columns.count)
            for row in 0..<table.rowCount { for column in columns { values.append(column.value(row)) } }
            let sample = Sample(tensor: Tensor(shape: [table.rowCount, columns.count], values: values), label: nil, group: nil,
                                source: source, metadata: ["columns": .strings(features)])
            rows = try TableRows().run(sample).samples
        } else {
            for (role, name) in [("label", label?.column), ("group", groupColumn)] {
                guard let name, !table.columns.contains(where: { $0.name == name }) else { continue }
                throw MedPipeError.invalidArgument(path, "has no column '\(name)', which the recipe names as its \(role) column (its columns: \(table.columns.map(\.name).joined(separator: ", ")))")
            }
            var sample = Sample(record: table.record(), group: nil)
            sample.source = source
            sample.metadata = sample.metadata.filter { SourceLoader.safeMetadata.contains($0.key) }
            rows = try TableRows(labelColumn: label?.column, labelGreaterThan: label?.greaterThan, groupColumn: groupColumn).run(sample).samples
        }
        guard dropIncompleteRows else { return (rows, []) }
        var incomplete: [Int] = []
        rows.removeAll { row in
            guard row.tensor.doubleValues().contains(where: \.isNaN) else { return false }
            incomplete.append(row.source.index ?? 0)
            return true
        }
        return (rows, incomplete)
    }
}
