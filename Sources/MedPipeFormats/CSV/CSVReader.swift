import MedPipeCore

/// Reads delimited text tables (RFC 4180 CSV, TSV) into typed columns.
public struct CSVReader: Sendable {
    /// Which column holds the class label.
    public enum LabelColumn: Sendable, Equatable {
        case name(String)
        /// 0-based column index.
        case index(Int)
    }

    /// How to read a table.
    public struct Options: Sendable {
        /// Field separator; nil detects it (``CSVDelimiter``: a tab for `.tsv` files, a comma, or the semicolons or
        /// tabs of a first line without a comma).
        public var delimiter: UInt8?
        /// Whether the first row names the columns; nil decides: no header when ``columnNames``
        /// are given or when every cell of the first row is a number or a missing marker.
        public var hasHeader: Bool?
        /// Column names for a file without a header (or replacing its header).
        public var columnNames: [String]?
        /// Cells (after trimming spaces) that mean "missing".
        public var missingMarkers: Set<String>
        /// The label column, kept out of the features.
        public var label: LabelColumn?

        public init(delimiter: UInt8? = nil, hasHeader: Bool? = nil, columnNames: [String]? = nil,
                    missingMarkers: Set<String> = ["?", ""], label: LabelColumn? = nil) {
            self.delimiter = delimiter
            self.hasHeader = hasHeader
            self.columnNames = columnNames
            self.missingMarkers = missingMarkers
            self.label = label
        }

        /// The 14 attributes of the UCI Heart Disease `processed.*.data` files, `num` last.
        public static let clevelandColumnNames = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
                                                  "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"]
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Reads the table at `path`.
    /// - Throws: ``MedPipeError`` naming the file: `.malformed` with the line number for ragged rows
    ///   and unterminated quotes, `.invalidArgument` for an unknown label column or wrong name count.
    public func read(_ path: String) throws -> CSVTable {
        let bytes = try FileBytes.read(path)
        return try parse(bytes, source: path, delimiter: options.delimiter ?? CSVDelimiter.detect(bytes, path: path))
    }

    /// Parses table bytes; `source` names them in errors.
    public func parse(_ bytes: [UInt8], source: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> CSVTable {
        var rows = try CSVParser(source: source, delimiter: delimiter).rows(bytes)
        guard let first = rows.first else { throw MedPipeError.malformed(source, "no rows") }

        let header = options.hasHeader ?? (options.columnNames == nil && !first.fields.allSatisfy { cell($0) == nil || Double(cell($0)!) != nil })
        var names = first.fields.map { $0.trimmingSpaces }
        if header { rows.removeFirst() }
        if let given = options.columnNames {
            guard given.count == first.fields.count else {
                throw MedPipeError.invalidArgument(source, "\(given.count) column names given, but line \(first.line) has \(first.fields.count) fields")
            }
            names = given
        } else if !header {
            names = (1...first.fields.count).map { "column\($0)" }
        }
        for row in rows where row.fields.count != names.count {
            let fields = { (n: Int) in n == 1 ? "1 field" : "\(n) fields" }
            let reference = header ? "the header (line \(first.line))" : "line \(first.line)"
            throw MedPipeError.malformed(source, "line \(row.line) has \(fields(row.fields.count)), \(reference) has \(names.count): every row must have as many")
        }

        // Where semicolons separate fields, a comma is a decimal mark (`63,5`), as the spreadsheets that write them mean.
        let decimalComma = delimiter == CSVDelimiter.semicolon
        var columns = names.enumerated().map { c, name in column(name: name, cells: rows.map { $0.fields[c] }, decimalComma: decimalComma) }
        var labelColumn: CSVTable.Column?
        if let label = options.label {
            let index: Int?
            switch label {
            case .name(let name): index = names.firstIndex(of: name)
            case .index(let i): index = columns.indices.contains(i) ? i : nil
            }
            guard let index else {
                throw MedPipeError.invalidArgument(source, "label column \(label) not among \(names.joined(separator: ", "))")
            }
            labelColumn = columns.remove(at: index)
        }
        return CSVTable(source: source, columns: columns, labelColumn: labelColumn, rowCount: rows.count)
    }

    /// A trimmed cell, or nil when it is a missing marker.
    private func cell(_ raw: String) -> String? {
        let trimmed = raw.trimmingSpaces
        return options.missingMarkers.contains(trimmed) ? nil : trimmed
    }

    private func column(name: String, cells raw: [String], decimalComma: Bool) -> CSVTable.Column {
        let cells = raw.map(cell)
        var values = [Double](repeating: .nan, count: cells.count)
        var allIntegers = true, allNumbers = true
        for (r, text) in cells.enumerated() {
            guard let text else { continue }
            if let integer = Int(text) {
                values[r] = Double(integer)
            } else if let number = Self.number(decimalComma ? Self.decimalPoint(text) : text) {
                values[r] = number
                allIntegers = false
            } else {
                allNumbers = false
                break
            }
        }
        let missing = cells.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        guard allNumbers else {
            return .init(name: name, type: .text, values: [Double](repeating: .nan, count: cells.count), cells: cells, missingCount: missing)
        }
        let type: CSVTable.ColumnType = allIntegers && missing < cells.count ? .integer : .real
        return .init(name: name, type: type, values: values, cells: nil, missingCount: missing)
    }

    /// `text` with its one comma as a decimal point, when it holds one comma and no point (`63,5` → `63.5`).
    private static func decimalPoint(_ text: String) -> String {
        guard text.utf8.reduce(0, { $0 + ($1 == UInt8(ascii: ",") ? 1 : 0) }) == 1, !text.contains(".") else { return text }
        return text.replacingOccurrences(of: ",", with: ".")
    }

    /// A decimal number as Python's `float` reads one (no hexadecimal forms).
    private static func number(_ text: String) -> Double? {
        guard !text.contains(where: { $0 == "x" || $0 == "X" || $0 == "p" || $0 == "P" }) else { return nil }
        return Double(text)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[start...end])
    }
}
