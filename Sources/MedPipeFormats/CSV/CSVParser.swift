import MedPipeCore

/// RFC 4180 record splitting over raw bytes: quoted fields may hold delimiters, doubled quotes
/// and line breaks; records end at LF, CRLF or CR; a leading UTF-8 BOM is skipped; blank lines
/// are skipped. Errors name the source and the line where the offending record starts.
struct CSVParser {
    /// One record's fields and the 1-based line it starts on.
    struct Row { var fields: [String]; var line: Int }

    /// The most bytes a field may hold, and what the format puts in a field that long, for the error.
    struct FieldLimit { var bytes: Int; var reason: String }

    let source: String
    let delimiter: UInt8
    /// When set, a longer field ends the parse at once, naming its line, before it is copied or decoded.
    var fieldLimit: FieldLimit? = nil

    func rows(_ bytes: [UInt8]) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(bytes) { rows.append($0) }
        return rows
    }

    /// Hands each record to `body` as soon as it is split, in order: a table read this way is never whole in memory
    /// as fields.
    func forEachRow(_ bytes: [UInt8], _ body: (Row) throws -> Void) throws {
        let maximumField = fieldLimit?.bytes ?? Int.max
        func tooLong(_ fieldIndex: Int, line: Int) -> MedPipeError {
            MedPipeError.malformed(source, "line \(line): field \(fieldIndex + 1) is longer than \(maximumField) bytes, \(fieldLimit?.reason ?? "")")
        }
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, rowLine = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        // True until the current field consumes a byte or a quoted section.
        var freshField = true

        func endRecord() throws {
            let blank = fields.isEmpty && freshField
            fields.append(String(decoding: field, as: UTF8.self))
            if !blank { try body(Row(fields: fields, line: rowLine)) }
            fields.removeAll(keepingCapacity: true)
            field.removeAll(keepingCapacity: true)
            freshField = true
        }

        while i < bytes.count {
            let byte = bytes[i]
            if byte == quote && freshField {
                // Quoted field: runs to the next quote not doubled.
                let openLine = line
                i += 1
                while true {
                    guard i < bytes.count else {
                        throw MedPipeError.malformed(source, "line \(openLine): quoted field is never closed")
                    }
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < bytes.count && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        i += 1
                        break
                    }
                    if c == lf || (c == cr && (i + 1 >= bytes.count || bytes[i + 1] != lf)) { line += 1 }
                    guard field.count < maximumField else { throw tooLong(fields.count, line: rowLine) }
                    field.append(c)
                    i += 1
                }
                freshField = false
                if i < bytes.count, bytes[i] != delimiter, bytes[i] != lf, bytes[i] != cr {
                    throw MedPipeError.malformed(source, "line \(line): unexpected \(describe(bytes[i])) after a closing quote (expected the delimiter or the end of the line)")
                }
                continue
            }
            if byte == delimiter {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                freshField = true
                i += 1
            } else if byte == lf || byte == cr {
                i += (byte == cr && i + 1 < bytes.count && bytes[i + 1] == lf) ? 2 : 1
                try endRecord()
                line += 1
                rowLine = line
            } else {
                guard field.count < maximumField else { throw tooLong(fields.count, line: rowLine) }
                field.append(byte)
                freshField = false
                i += 1
            }
        }
        if !freshField || !fields.isEmpty { try endRecord() }
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
