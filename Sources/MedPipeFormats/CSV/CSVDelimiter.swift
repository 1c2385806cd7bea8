/// The field separator of a table file when none is given.
///
/// A tab for `.tsv` files. Otherwise a comma, unless the first line (outside quotes) holds no comma but holds
/// semicolons or tabs: spreadsheets in locales whose decimal mark is a comma save "CSV" with semicolons, and read
/// with commas such a file would be one text column, without a word.
public enum CSVDelimiter {
    public static let comma = UInt8(ascii: ","), semicolon = UInt8(ascii: ";"), tab = UInt8(ascii: "\t")

    /// The separator of the table `bytes` read from `path`.
    public static func detect(_ bytes: [UInt8], path: String) -> UInt8 {
        if path.lowercased().hasSuffix(".tsv") { return tab }
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for byte in bytes.prefix(1 << 16) {
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                if byte == comma || byte == semicolon || byte == tab { counts[byte, default: 0] += 1 }
            }
        }
        if counts[comma] != nil { return comma }
        return [semicolon, tab].filter { counts[$0] != nil }.max { counts[$0]! < counts[$1]! } ?? comma
    }
}
