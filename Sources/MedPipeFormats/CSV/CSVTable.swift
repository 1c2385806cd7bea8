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
        /// Where a numeric column's values are: the `position`th of the `width` float64 values of each row of `matrix`
        /// (row-major bytes, which the table's numeric columns share).
        struct Numbers: Sendable {
            var matrix: [UInt8]
            var position: Int
            var width: Int
        }

        public let name: String
        public let type: ColumnType
        /// The cells as read (whitespace-trimmed), nil where missing; kept for text columns only.
        public let cells: [String?]?
        public let missingCount: Int
        /// How many rows the column has.
        let rowCount: Int
        /// The values of a numeric column; nil for a text column.
        let numbers: Numbers?

        init(name: String, type: ColumnType, cells: [String?]? = nil, missingCount: Int, rowCount: Int, numbers: Numbers? = nil) {
            (self.name, self.type, self.cells, self.missingCount, self.rowCount, self.numbers) = (name, type, cells, missingCount, rowCount, numbers)
        }

        /// The numeric value of row `row`: NaN where missing, and everywhere in a text column.
        public func value(_ row: Int) -> Double {
            guard let numbers else { return .nan }
            return numbers.matrix.withUnsafeBytes { $0.load(fromByteOffset: (row * numbers.width + numbers.position) * MemoryLayout<Double>.size, as: Double.self) }
        }

        /// Numeric values, NaN where missing; NaN everywhere for a text column. A copy: ``value(_:)`` reads one.
        public var values: [Double] { (0..<rowCount).map(value) }
    }

    /// The file the table was read from.
    public let source: String
    /// Feature columns in file order (the label column excluded).
    public let columns: [Column]
    /// The label column, when one was chosen.
    public let labelColumn: Column?
    public let rowCount: Int
    /// The values of the numeric feature columns, row-major float64 bytes: the record's tensor.
    let matrix: [UInt8]

    /// The label of each row as text (integers without a decimal point), nil where missing.
    public var labels: [String?] {
        guard let labelColumn else { return [] }
        if let cells = labelColumn.cells { return cells }
        return (0..<rowCount).map { row in
            let value = labelColumn.value(row)
            guard !value.isNaN else { return nil }
            return labelColumn.type == .integer ? String(Int(value)) : String(value)
        }
    }

    /// Numeric feature columns (integer and real), the ones the record's tensor holds.
    public var numericColumns: [Column] { columns.filter { $0.type != .text } }

    /// One record: tensor `(rows, numeric columns)` float64 with NaN for missing cells (the table's bytes, not a copy); metadata
    /// lists the tensor's column names, every column's type and missing count, and the label column.
    public func record() -> Record {
        let numeric = numericColumns
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
        return Record(source: source, format: "csv", tensor: Tensor(shape: [rowCount, numeric.count], dtype: .float64, bytes: matrix),
                      metadata: metadata)
    }
}
