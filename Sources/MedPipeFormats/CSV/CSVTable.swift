import MedPipeCore

/// A parsed table: typed columns, the label column kept apart, and the row count.
public struct CSVTable: Sendable {
    /// What every non-missing cell of a column parses as.
    public enum ColumnType: String, Sendable {
        /// Every non-missing cell is an integer.
        case integer
        /// Every non-missing cell is a number (or the column is entirely missing).
        case real
        /// At least one cell is not a number.
        case text
    }

    /// One column with its inferred type.
    public struct Column: Sendable {
        public var name: String
        public var type: ColumnType
        /// Numeric values, NaN where missing; NaN everywhere for a text column.
        public var values: [Double]
        /// The cells as read (whitespace-trimmed), nil where missing; kept for text columns only.
        public var cells: [String?]?
        public var missingCount: Int
    }

    /// The file the table was read from.
    public var source: String
    /// Feature columns in file order (the label column excluded).
    public var columns: [Column]
    /// The label column, when one was chosen.
    public var labelColumn: Column?
    public var rowCount: Int

    /// The label of each row as text (integers without a decimal point), nil where missing.
    public var labels: [String?] {
        guard let labelColumn else { return [] }
        if let cells = labelColumn.cells { return cells }
        return labelColumn.values.map { value in
            guard !value.isNaN else { return nil }
            return labelColumn.type == .integer ? String(Int(value)) : String(value)
        }
    }

    /// Numeric feature columns (integer and real), the ones the record's tensor holds.
    public var numericColumns: [Column] { columns.filter { $0.type != .text } }

    /// One record: tensor `(rows, numeric columns)` float64 with NaN for missing cells; metadata
    /// lists the tensor's column names, every column's type and missing count, and the label column.
    public func record() -> Record {
        let numeric = numericColumns
        var values = [Double](repeating: .nan, count: rowCount * numeric.count)
        for (c, column) in numeric.enumerated() {
            for r in 0..<rowCount { values[r * numeric.count + c] = column.values[r] }
        }
        var metadata: [String: MetadataValue] = [
            "columns": .strings(numeric.map(\.name)),
            "column_types": .strings(columns.map { "\($0.name):\($0.type.rawValue)" }),
            "missing_counts": .strings(columns.map { "\($0.name):\($0.missingCount)" }),
            "rows": .int(rowCount),
        ]
        let text = columns.filter { $0.type == .text }.map(\.name)
        if !text.isEmpty { metadata["text_columns"] = .strings(text) }
        if let labelColumn {
            metadata["label_column"] = .string(labelColumn.name)
            metadata["label_missing"] = .int(labelColumn.missingCount)
        }
        return Record(source: source, format: "csv", tensor: Tensor(shape: [rowCount, numeric.count], values: values),
                      metadata: metadata)
    }
}
