import MedPipeCore
import MedPipeFormats

/// The recipe's `table:` section: how CSV sources are parsed.
struct TableOptions: Sendable {
    var csvOptions = CSVReader.Options()
    var groupColumn: String?
    var dropIncompleteRows = false

    static func parse(_ node: RecipeNode?, file: String) throws -> TableOptions {
        var options = TableOptions()
        guard let node else { return options }
        var reader = try RecipeReader(node, file: file, what: "'table'")
        if let names = try reader.strings("columns") {
            options.csvOptions.columnNames = names
            options.csvOptions.hasHeader = false
        }
        if let header = try reader.bool("header") { options.csvOptions.hasHeader = header }
        if let missing = try reader.strings("missing") { options.csvOptions.missingMarkers = Set(missing) }
        if let delimiter = try reader.string("delimiter") {
            guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
                throw MedPipeError.invalidArgument(reader.at(reader.node("delimiter")), "'table': delimiter must be one ASCII character other than a quote or a line break, got '\(delimiter)'")
            }
            options.csvOptions.delimiter = byte
        }
        options.groupColumn = try reader.string("group-column")
        options.dropIncompleteRows = try reader.bool("drop-incomplete-rows") ?? false
        try reader.finish()
        return options
    }
}
