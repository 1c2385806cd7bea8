import MedPipeCore

/// Typed columns built one record at a time, as ``CSVParser`` splits them: each number goes straight into one row-major
/// float64 matrix (the bytes of the table's tensor), and the text of the cells is kept only for a column with a cell that
/// is no number. A table is never held as fields (it was: 0.5 KB per row of the UCI heart table, 14 short numbers).
struct CSVColumnsBuilder {
    /// What is known of one column so far.
    struct State {
        var allIntegers = true
        var isText = false
        var missing = 0
        /// Set when numbers came before the column's first text cell: the text of all its cells is then taken in a
        /// second pass (``recollect(_:)``), the numbers having kept only their values.
        var textAfterNumbers = false
        /// The trimmed cells of a text column, nil where missing.
        var cells: [String?] = []
    }

    /// The field of each column in a record.
    let fields: [Int]
    let options: CSVReader.Options
    /// Where semicolons separate fields, a comma is a decimal mark (`63,5`), as the spreadsheets that write them mean.
    let decimalComma: Bool
    private(set) var states: [State]
    /// `fields.count` float64 values per row, NaN where a cell is missing or text.
    private(set) var matrix: [UInt8] = []
    private(set) var rowCount = 0
    /// One row's values, reused.
    private var row: [Double]

    /// Columns for the record fields `fields`, with room for `rows` rows.
    init(fields: [Int], options: CSVReader.Options, decimalComma: Bool, rows: Int) {
        self.fields = fields
        self.options = options
        self.decimalComma = decimalComma
        states = Array(repeating: State(), count: fields.count)
        row = Array(repeating: .nan, count: fields.count)
        matrix.reserveCapacity(rows * fields.count * MemoryLayout<Double>.size)
    }

    /// The most records `bytes` can hold with `fields` fields each: one per line break (and one after the last), and
    /// no more than one per `fields` bytes (a delimiter between fields, a line break after them). Reserving room for
    /// as many rows, the matrix is not copied as it grows.
    static func recordBound(_ bytes: [UInt8], fields: Int) -> Int {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let breaks = bytes.withUnsafeBufferPointer { buffer in
            var count = 0
            for i in buffer.indices where buffer[i] == lf || (buffer[i] == cr && (i + 1 == buffer.count || buffer[i + 1] != lf)) {
                count += 1
            }
            return count
        }
        return min(breaks + 1, bytes.count / max(fields, 1) + 1)
    }

    /// Adds the values of one record, which has a field for every column.
    mutating func add(_ record: [String]) {
        for (column, field) in fields.enumerated() { row[column] = value(record[field], column: column) }
        row.withUnsafeBytes { matrix.append(contentsOf: $0) }
        rowCount += 1
    }

    /// Whether a column needs the second pass (``recollect(_:)``) for the text of its cells.
    var needsSecondPass: Bool { states.contains(where: \.textAfterNumbers) }

    /// Takes the cells of the columns that need them from one record of the second pass, which hands every data record
    /// again, in order.
    mutating func recollect(_ record: [String]) {
        for (column, field) in fields.enumerated() where states[column].textAfterNumbers {
            states[column].cells.append(options.cell(record[field]))
        }
    }

    /// The columns named `names`, and the row-major float64 bytes of the numeric ones, which they share.
    mutating func finish(names: [String]) -> (columns: [CSVTable.Column], numbers: [UInt8]) {
        let numeric = states.indices.filter { !states[$0].isText }
        let width = numeric.count
        if width < fields.count {
            // Text columns leave the matrix: each row's numbers move to their place in a narrower row (never after
            // where they were, so in one forward sweep).
            let step = MemoryLayout<Double>.size
            matrix.withUnsafeMutableBytes { bytes in
                for r in 0..<rowCount {
                    for (k, column) in numeric.enumerated() {
                        let value = bytes.load(fromByteOffset: (r * fields.count + column) * step, as: Double.self)
                        bytes.storeBytes(of: value, toByteOffset: (r * width + k) * step, as: Double.self)
                    }
                }
            }
            matrix.removeLast(matrix.count - rowCount * width * step)
        }
        let matrix = self.matrix
        var position = 0
        let columns = states.enumerated().map { c, state -> CSVTable.Column in
            guard !state.isText else {
                return CSVTable.Column(name: names[c], type: .text, cells: state.cells, missingCount: state.missing, rowCount: rowCount)
            }
            defer { position += 1 }
            let type: CSVTable.ColumnType = state.allIntegers && state.missing < rowCount ? .integer : .real
            return CSVTable.Column(name: names[c], type: type, missingCount: state.missing, rowCount: rowCount,
                                   numbers: .init(matrix: matrix, position: position, width: width))
        }
        return (columns, matrix)
    }

    /// The value of one cell of `column`: its number, NaN where it is missing or text.
    private mutating func value(_ raw: String, column: Int) -> Double {
        guard let text = options.cell(raw) else {
            if states[column].isText && !states[column].textAfterNumbers { states[column].cells.append(nil) }
            states[column].missing += 1
            return .nan
        }
        if states[column].isText {
            if !states[column].textAfterNumbers { states[column].cells.append(text) }
            return .nan
        }
        if let integer = Int(text) { return Double(integer) }
        if let number = Self.number(decimalComma ? Self.decimalPoint(text) : text) {
            states[column].allIntegers = false
            return number
        }
        // The column's first cell that is no number: the column is text.
        states[column].isText = true
        if states[column].missing < rowCount {
            states[column].textAfterNumbers = true
        } else {
            states[column].cells = Array(repeating: nil, count: rowCount) + [text]
        }
        return .nan
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
