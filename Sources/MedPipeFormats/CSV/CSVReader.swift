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
        /// One of ``columnNames`` that a file may lack: a file whose first line has one field fewer than the names is
        /// read with the others (a table to predict, without the label column it was trained with).
        public var optionalColumn: String?

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

    /// Parses table bytes; `source` names them in errors. The records are typed as they are split
    /// (``CSVColumnsBuilder``): the table is never held as text, only its numbers and its text columns' cells.
    public func parse(_ bytes: [UInt8], source: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> CSVTable {
        let parser = CSVParser(source: source, delimiter: delimiter)
        var layout: Layout?
        // Problems found past the first record are thrown once every record is split, as a malformed record after them
        // (an unclosed quote) is told first; the columns stop growing at the first.
        var failure: MedPipeError?, labelFailure: MedPipeError?
        try parser.forEachRow(bytes) { row in
            guard layout != nil else {
                layout = self.layout(of: row, bytes: bytes, source: source, delimiter: delimiter, failure: &failure, labelFailure: &labelFailure)
                return
            }
            guard failure == nil else { return }
            guard row.fields.count == layout!.names.count else {
                let fields = { (n: Int) in n == 1 ? "1 field" : "\(n) fields" }
                let reference = layout!.header ? "the header (line \(layout!.firstLine))" : "line \(layout!.firstLine)"
                failure = MedPipeError.malformed(source, "line \(row.line) has \(fields(row.fields.count)), \(reference) has \(layout!.names.count): every row must have as many")
                return
            }
            guard labelFailure == nil else { return }
            layout!.add(row.fields)
        }
        guard var layout else { throw MedPipeError.malformed(source, "no rows") }
        if let problem = failure ?? labelFailure { throw problem }
        if layout.features.needsSecondPass || layout.label?.needsSecondPass == true {
            var first = true
            try parser.forEachRow(bytes) { row in
                defer { first = false }
                guard !(first && layout.header) else { return }
                layout.features.recollect(row.fields)
                layout.label?.recollect(row.fields)
            }
        }
        let names = layout.names, labelIndex = layout.labelIndex
        let (columns, matrix) = layout.features.finish(names: names.indices.filter { $0 != labelIndex }.map { names[$0] })
        let labelColumn = labelIndex.map { layout.label!.finish(names: [names[$0]]).columns[0] }
        return CSVTable(source: source, columns: columns, labelColumn: labelColumn, rowCount: layout.features.rowCount, matrix: matrix)
    }

    /// What the first record tells of a table: its column names, whether it is a header, where the label is, and the
    /// columns that its records fill.
    private struct Layout {
        var header: Bool
        var firstLine: Int
        var names: [String]
        var labelIndex: Int?
        var features: CSVColumnsBuilder
        var label: CSVColumnsBuilder?

        mutating func add(_ fields: [String]) {
            features.add(fields)
            label?.add(fields)
        }
    }

    /// The layout the first record `first` gives; the first record added when it is no header. Sets `failure` when
    /// given column names do not match it, `labelFailure` when the label column is not among the names.
    private func layout(of first: CSVParser.Row, bytes: [UInt8], source: String, delimiter: UInt8,
                        failure: inout MedPipeError?, labelFailure: inout MedPipeError?) -> Layout {
        let header = options.hasHeader ?? (options.columnNames == nil && !first.fields.allSatisfy { options.cell($0) == nil || Double(options.cell($0)!) != nil })
        var names = first.fields.map { $0.trimmingSpaces }
        if var given = options.columnNames {
            if given.count == first.fields.count + 1, let optional = options.optionalColumn, let i = given.firstIndex(of: optional) {
                given.remove(at: i)
            }
            if given.count != first.fields.count {
                failure = MedPipeError.invalidArgument(source, "\(given.count) column names given, but line \(first.line) has \(first.fields.count) fields")
            }
            names = given
        } else if !header {
            names = (1...first.fields.count).map { "column\($0)" }
        }
        var labelIndex: Int?
        if let label = options.label {
            switch label {
            case .name(let name): labelIndex = names.firstIndex(of: name)
            case .index(let i): labelIndex = names.indices.contains(i) ? i : nil
            }
            if labelIndex == nil {
                labelFailure = MedPipeError.invalidArgument(source, "label column \(label) not among \(names.joined(separator: ", "))")
            }
        }
        let rows = CSVColumnsBuilder.recordBound(bytes, fields: first.fields.count)
        let decimalComma = delimiter == CSVDelimiter.semicolon
        let featureFields = names.indices.filter { $0 != labelIndex }
        var layout = Layout(header: header, firstLine: first.line, names: names, labelIndex: labelIndex,
                            features: CSVColumnsBuilder(fields: featureFields, options: options, decimalComma: decimalComma, rows: rows),
                            label: labelIndex.map { CSVColumnsBuilder(fields: [$0], options: options, decimalComma: decimalComma, rows: rows) })
        if !header && failure == nil && labelFailure == nil { layout.add(first.fields) }
        return layout
    }
}

extension CSVReader.Options {
    /// A trimmed cell, or nil when it is a missing marker.
    func cell(_ raw: String) -> String? {
        let trimmed = raw.trimmingSpaces
        return missingMarkers.contains(trimmed) ? nil : trimmed
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
