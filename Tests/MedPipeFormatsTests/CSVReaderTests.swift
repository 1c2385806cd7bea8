import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Tests/Reference/csv.json, written by tools/reference/tables.py (Python csv module + numpy).
private struct CSVReference: Decodable {
    struct Column: Decodable { let name: String; let type: String; let missing: Int; let sum: Double?; let mean: Double? }
    struct Table: Decodable { let file: String; let rows: Int; let columns: [Column]; let label: String; let label_counts: [String: Int] }
    let tables: [Table]

    static func table(_ file: String) throws -> Table {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/csv.json"))
        return try #require(try JSONDecoder().decode(CSVReference.self, from: data).tables.first { $0.file == file })
    }
}

@Suite struct CSVReaderTests {
    private func check(_ table: CSVTable, against reference: CSVReference.Table) {
        #expect(table.rowCount == reference.rows)
        let all = table.columns + [table.labelColumn].compactMap { $0 }
        #expect(all.count == reference.columns.count)
        for expected in reference.columns {
            guard let column = all.first(where: { $0.name == expected.name }) else {
                Issue.record("column \(expected.name) missing"); continue
            }
            #expect(column.type.rawValue == expected.type, "type of \(expected.name)")
            #expect(column.missingCount == expected.missing, "missing in \(expected.name)")
            let present = column.values.filter { !$0.isNaN }
            if let sum = expected.sum, let mean = expected.mean {
                #expect(abs(present.reduce(0, +) - sum) <= 1e-9 * max(1, abs(sum)), "sum of \(expected.name)")
                #expect(abs(present.reduce(0, +) / Double(present.count) - mean) <= 1e-9 * max(1, abs(mean)))
            }
        }
        let counts = Dictionary(grouping: table.labels.compactMap { $0 }, by: { $0 }).mapValues(\.count)
        #expect(counts == reference.label_counts)
        #expect(table.labelColumn?.name == reference.label)
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func heartCSVWithBOMHeaderAndTarget() throws {
        let table = try CSVReader(options: .init(label: .name("target"))).read(SharedData.path("tabular/heart.csv"))
        check(table, against: try CSVReference.table("tabular/heart.csv"))
        #expect(table.columns.first?.name == "age")  // the BOM is not part of the first name
        let record = table.record()
        #expect(record.tensor.shape == [303, 13])
        #expect(record.tensor.dtype == .float64)
        #expect(Array(record.tensor.doubleValues().prefix(13)) == [63, 1, 3, 145, 233, 1, 0, 150, 0, 2.3, 0, 0, 1])
        #expect(record.metadata["label_column"] == .string("target"))
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func clevelandWithoutHeaderHasSixMissingCells() throws {
        let options = CSVReader.Options(columnNames: CSVReader.Options.clevelandColumnNames, label: .name("num"))
        let table = try CSVReader(options: options).read(SharedData.path("tabular/processed.cleveland.data"))
        check(table, against: try CSVReference.table("tabular/processed.cleveland.data"))
        #expect(table.columns.reduce(0) { $0 + $1.missingCount } == 6)
        let record = table.record()
        #expect(record.tensor.shape == [303, 13])
        let values = record.tensor.doubleValues()
        // Line 88: thal (column 12) is '?'; line 167: ca (column 11) is '?'.
        #expect(values[87 * 13 + 12].isNaN)
        #expect(values[166 * 13 + 11].isNaN)
        #expect(values.filter(\.isNaN).count == 6)
        #expect(record.metadata["missing_counts"] == .strings(CSVReader.Options.clevelandColumnNames.dropLast().map {
            "\($0):\($0 == "ca" ? 4 : $0 == "thal" ? 2 : 0)"
        }))
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func headerIsDetectedAndRecordReadingDispatchesCSV() throws {
        let records = try RecordReading.read(SharedData.path("tabular/processed.cleveland.data"))
        #expect(records.count == 1)
        #expect(records[0].format == "csv")
        #expect(records[0].tensor.shape == [303, 14])  // first row is numbers: no header, nothing dropped
        let heart = try RecordReading.read(SharedData.path("tabular/heart.csv"))
        #expect(heart[0].tensor.shape == [303, 14])
    }

    // MARK: RFC 4180 edge cases

    private func parse(_ text: String, _ options: CSVReader.Options = .init(), delimiter: Character = ",") throws -> CSVTable {
        try CSVReader(options: options).parse(Array(text.utf8), source: "inline.csv", delimiter: delimiter.asciiValue!)
    }

    @Test func quotedFieldsHoldDelimitersQuotesAndNewlines() throws {
        let table = try parse("id,note,score\r\n1,\"a, b\",2.5\r\n2,\"say \"\"hi\"\"\",3\n3,\"two\nlines\",\n")
        #expect(table.rowCount == 3)
        let note = try #require(table.columns.first { $0.name == "note" })
        #expect(note.type == .text)
        #expect(note.cells! == ["a, b", "say \"hi\"", "two\nlines"])
        let score = try #require(table.columns.first { $0.name == "score" })
        #expect(score.type == .real)
        #expect(score.missingCount == 1)
        #expect(table.columns[0].type == .integer)
        #expect(table.record().tensor.shape == [3, 2])  // text column left out of the tensor
    }

    @Test func bomIsStrippedAndLastLineNeedsNoNewline() throws {
        let table = try parse("\u{FEFF}a,b\n1,2")
        #expect(table.columns.map(\.name) == ["a", "b"])
        #expect(table.record().tensor.doubleValues() == [1, 2])
    }

    /// The separator is detected from the first line when none is given: a spreadsheet saved where the decimal mark is
    /// a comma writes semicolons (read with commas, such a table was one text column and no feature, without a word).
    @Test(arguments: [
        ("\u{FEFF}age;sex;num\r\n63;1;0\r\n67;1;2\r\n", "visits.csv", ["age", "sex", "num"]),   // Excel, German locale
        ("age\tsex\tnum\n63\t1\t0\n", "visits.csv", ["age", "sex", "num"]),                    // tabs in a file named .csv
        ("\"age;years\",num\n63,0\n", "visits.csv", ["age;years", "num"]),                     // a comma outside quotes wins
        ("age,note\n63,\"a;b;c\"\n", "visits.csv", ["age"]),                                    // semicolons inside a field
        ("age\n63\n", "visits.csv", ["age"]),                                                  // one column
    ])
    func theDelimiterIsDetectedFromTheFirstLine(_ text: String, _ name: String, _ numeric: [String]) throws {
        let folder = temporaryDirectory("csv-delimiter")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        let table = try CSVReader().read(folder + "/" + name)
        #expect(table.columns.filter { $0.type == .integer }.map(\.name) == numeric)
    }

    /// In a semicolon table a comma is the decimal mark (`2,3` is 2.3), as pandas reads it with `sep=";", decimal=","`;
    /// in a comma table, `"2,3"` stays text.
    @Test func aSemicolonTableHasDecimalCommas() throws {
        let folder = temporaryDirectory("csv-decimal-comma")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "age;oldpeak;note\r\n63;2,3;a,b\r\n67;1,5;1,2,3\r\n".write(toFile: folder + "/de.csv", atomically: true, encoding: .utf8)
        let table = try CSVReader().read(folder + "/de.csv")
        #expect(table.columns.map(\.type) == [.integer, .real, .text])
        #expect(table.columns[1].values == [2.3, 1.5])
        try "age,oldpeak\n63,\"2,3\"\n".write(toFile: folder + "/us.csv", atomically: true, encoding: .utf8)
        #expect(try CSVReader().read(folder + "/us.csv").columns[1].type == .text)
    }

    @Test func tabDelimiterAndCustomMissingMarker() throws {
        let table = try parse("x\ty\n1\tNA\n2\t4\n", .init(missingMarkers: ["NA"]), delimiter: "\t")
        #expect(table.columns[1].missingCount == 1)
        #expect(table.columns[1].type == .integer)
    }

    @Test func labelByIndexAndGivenNames() throws {
        let table = try parse("1,2,yes\n3,4,no\n", .init(columnNames: ["p", "q", "answer"], label: .index(2)))
        #expect(table.labels == ["yes", "no"])
        #expect(table.columns.map(\.name) == ["p", "q"])
    }

    @Test func raggedRowNamesItsLine() throws {
        let error = try #require(throws: MedPipeError.self) { try parse("a,b\n1,2\n3\n4,5\n") }
        #expect(error.kind == .malformed)
        #expect(error.message == "line 3 has 1 field, the header (line 1) has 2: every row must have as many")
    }

    @Test func unterminatedQuoteNamesWhereItOpened() throws {
        let error = try #require(throws: MedPipeError.self) { try parse("a,b\n1,2\n3,\"open\n4,5\n") }
        #expect(error.kind == .malformed)
        #expect(error.message.contains("line 3"))
        #expect(error.message.contains("never closed"))
    }

    @Test func textAfterClosingQuoteIsAnError() throws {
        let error = try #require(throws: MedPipeError.self) { try parse("a,b\n\"x\"y,2\n") }
        #expect(error.message.contains("line 2"))
    }

    @Test func lineNumbersCountNewlinesInsideQuotes() throws {
        let error = try #require(throws: MedPipeError.self) { try parse("a,b\n\"1\n2\",3\n4\n") }
        #expect(error.message == "line 4 has 1 field, the header (line 1) has 2: every row must have as many")
    }

    /// A column whose first cells are numbers and a later one text is a text column of its cells as written (`1.50`,
    /// not the number read from it), the label column too; the numeric columns around it keep their values in order.
    @Test func aColumnThatTurnsTextKeepsItsCellsAsWritten() throws {
        let text = "id,v,score,answer\n1,1.50,2.5,1\n2,,3,2.0\n3, 7 ,4,?\n4,abc,5,no\n"
        let table = try parse(text, .init(label: .name("answer")))
        #expect(table.columns.map(\.type) == [.integer, .text, .real])
        #expect(table.columns[1].cells! == ["1.50", nil, "7", "abc"])
        #expect(table.columns[1].missingCount == 1)
        #expect(table.columns[1].values.filter(\.isNaN).count == 4)
        #expect(table.labels == ["1", "2.0", nil, "no"])
        #expect(table.labelColumn?.missingCount == 1)
        #expect(table.record().tensor.doubleValues() == [1, 2.5, 2, 3, 3, 4, 4, 5])
        #expect(table.columns[2].value(1) == 3)
        // Missing cells before the first text cell, and none after it.
        let late = try parse("a,b\n1,?\n2,\n3,x\n4,y\n")
        #expect(late.columns[1].cells! == [nil, nil, "x", "y"])
        #expect(late.columns[1].missingCount == 2)
    }

    /// The errors of a table are the first one's: a record that cannot be split (an unclosed quote) anywhere, then given
    /// column names that do not fit the first record, then the first row with another field count, then an unknown
    /// label column, whatever comes in what order in the file.
    @Test func errorsAreToldInTheirOrder() throws {
        let quote = try #require(throws: MedPipeError.self) { try parse("a,b\n1\n2,\"open\n", .init(label: .name("z"))) }
        #expect(quote.message == "line 3: quoted field is never closed")
        let names = try #require(throws: MedPipeError.self) { try parse("1,2\n3\n", .init(columnNames: ["p"], label: .name("z"))) }
        #expect(names.kind == .invalidArgument)
        #expect(names.message == "1 column names given, but line 1 has 2 fields")
        let ragged = try #require(throws: MedPipeError.self) { try parse("a,b\n1,2\n3\n4,5,6\n", .init(label: .name("z"))) }
        #expect(ragged.message == "line 3 has 1 field, the header (line 1) has 2: every row must have as many")
        let label = try #require(throws: MedPipeError.self) { try parse("a,b\n1,2\n", .init(label: .index(2))) }
        #expect(label.message == "label column index(2) not among a, b")
        let empty = try #require(throws: MedPipeError.self) { try parse("\n\r\n") }
        #expect(empty.message == "no rows")
    }

    @Test func unknownLabelIsAnInvalidArgument() throws {
        let error = try #require(throws: MedPipeError.self) { try parse("a,b\n1,2\n", .init(label: .name("target"))) }
        #expect(error.kind == .invalidArgument)
    }
}
