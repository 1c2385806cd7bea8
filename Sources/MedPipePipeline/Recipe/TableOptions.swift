import MedPipeCore
import MedPipeFormats

/// The recipe's `table:` section: how CSV sources are parsed. Coded as the recipe writes it (a model carries it:
/// ``TableInput``).
struct TableOptions: Sendable, Equatable, Codable {
    var csvOptions = CSVReader.Options()
    var groupColumn: String?
    var dropIncompleteRows = false

    static func parse(_ node: RecipeNode?, file: String) throws -> TableOptions {
        var options = TableOptions()
        guard let node else { return options }
        var reader = try RecipeReader(node, file: file, what: "'table'")
        if let names = try reader.strings(Key.columns.rawValue) {
            options.csvOptions.columnNames = names
            options.csvOptions.hasHeader = false
        }
        if let header = try reader.bool(Key.header.rawValue) { options.csvOptions.hasHeader = header }
        if let missing = try reader.strings(Key.missing.rawValue) { options.csvOptions.missingMarkers = Set(missing) }
        if let delimiter = try reader.string(Key.delimiter.rawValue) {
            guard let byte = delimiterByte(delimiter) else {
                throw MedPipeError.invalidArgument(reader.at(reader.node(Key.delimiter.rawValue)), "'table': \(delimiterRule), got '\(delimiter)'")
            }
            options.csvOptions.delimiter = byte
        }
        options.groupColumn = try reader.string(Key.groupColumn.rawValue)
        options.dropIncompleteRows = try reader.bool(Key.dropIncompleteRows.rawValue) ?? false
        try reader.finish()
        return options
    }

    /// The `table:` keys, as a recipe and a model's metadata spell them.
    private enum Key: String, CodingKey {
        case columns, header, missing, delimiter
        case groupColumn = "group-column", dropIncompleteRows = "drop-incomplete-rows"
    }

    private static let delimiterRule = "delimiter must be one ASCII character other than a quote or a line break"

    /// The delimiter's byte, when `text` is one ASCII character other than a quote or a line break.
    private static func delimiterByte(_ text: String) -> UInt8? {
        guard text.utf8.count == 1, let byte = text.utf8.first,
              byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else { return nil }
        return byte
    }
}

extension TableOptions {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        csvOptions.columnNames = try c.decodeIfPresent([String].self, forKey: .columns)
        csvOptions.hasHeader = try c.decodeIfPresent(Bool.self, forKey: .header)
        csvOptions.missingMarkers = Set(try c.decode([String].self, forKey: .missing))
        if let delimiter = try c.decodeIfPresent(String.self, forKey: .delimiter) {
            guard let byte = Self.delimiterByte(delimiter) else {
                throw DecodingError.dataCorruptedError(forKey: .delimiter, in: c, debugDescription: "\(Self.delimiterRule), got '\(delimiter)'")
            }
            csvOptions.delimiter = byte
        }
        groupColumn = try c.decodeIfPresent(String.self, forKey: .groupColumn)
        dropIncompleteRows = try c.decode(Bool.self, forKey: .dropIncompleteRows)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encodeIfPresent(csvOptions.columnNames, forKey: .columns)
        try c.encodeIfPresent(csvOptions.hasHeader, forKey: .header)
        try c.encode(csvOptions.missingMarkers.sorted(), forKey: .missing)
        try c.encodeIfPresent(csvOptions.delimiter.map { String(UnicodeScalar($0)) }, forKey: .delimiter)
        try c.encodeIfPresent(groupColumn, forKey: .groupColumn)
        try c.encode(dropIncompleteRows, forKey: .dropIncompleteRows)
    }

    static func == (a: TableOptions, b: TableOptions) -> Bool {
        a.csvOptions.columnNames == b.csvOptions.columnNames && a.csvOptions.hasHeader == b.csvOptions.hasHeader
            && a.csvOptions.missingMarkers == b.csvOptions.missingMarkers && a.csvOptions.delimiter == b.csvOptions.delimiter
            && a.groupColumn == b.groupColumn && a.dropIncompleteRows == b.dropIncompleteRows
    }
}
