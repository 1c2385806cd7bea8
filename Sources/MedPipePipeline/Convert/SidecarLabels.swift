import Foundation
import MedPipeCore
import MedPipeFormats

/// The sidecar tables of one convert run (`label: { sidecar: FILE, key: K, label: L }`), each read once and
/// indexed by its key column: a recipe labels thousands of files from one table, and reading the table again
/// for every file, then searching it row by row, made a run quadratic (59% of converting 2,000 DICOM files
/// labelled from a 2,000-row table).
final class SidecarLabels: @unchecked Sendable {
    // Safety: `tables` is touched only under `lock`.
    private let lock = NSLock()
    private var tables: [String: Result<Index, Error>] = [:]

    /// A table's label column by key: for each key, the first row that holds it.
    struct Index {
        var rows: [String: (row: Int, label: String?)] = [:]
    }

    /// The label of the first row whose key is one of `candidates`, `nil` when that row has no label.
    /// - Throws: the table's read error, or `.invalidArgument` when it lacks a column (the same for every file),
    ///   or `.malformed` naming `path` when no row holds a candidate.
    func label(file: String, keyColumn: String, labelColumn: String, candidates: [String], path: String) throws -> String? {
        let index = try self.index(file: file, keyColumn: keyColumn, labelColumn: labelColumn)
        guard let match = candidates.compactMap({ index.rows[$0] }).min(by: { $0.row < $1.row }) else {
            throw MedPipeError.malformed(path, "no row in \(file) gives its label")
        }
        return match.label
    }

    private func index(file: String, keyColumn: String, labelColumn: String) throws -> Index {
        let name = [file, keyColumn, labelColumn].joined(separator: "\u{0}")
        lock.lock()
        defer { lock.unlock() }
        if let known = tables[name] { return try known.get() }
        let index = Result { () throws -> Index in
            let table = try CSVReader().read(file)
            guard let keys = table.columns.first(where: { $0.name == keyColumn }),
                  let labels = table.columns.first(where: { $0.name == labelColumn }) else {
                throw MedPipeError.invalidArgument(file, "needs columns '\(keyColumn)' and '\(labelColumn)'")
            }
            var index = Index()
            for row in 0..<table.rowCount {
                guard let key = Self.cell(keys, row), index.rows[key] == nil else { continue }
                index.rows[key] = (row, Self.cell(labels, row))
            }
            return index
        }
        tables[name] = index
        return try index.get()
    }

    /// The text of a cell, for text and numeric columns alike (integral numbers without a decimal point).
    static func cell(_ column: CSVTable.Column, _ row: Int) -> String? {
        if let cells = column.cells { return cells[row] }
        let value = column.value(row)
        guard !value.isNaN else { return nil }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
