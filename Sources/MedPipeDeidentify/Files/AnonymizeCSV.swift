import Foundation
import MedPipeCore
import MedPipeFormats

/// What a CSV column's name says about its values, for the residual scan: the values of identifying
/// columns are looked for in every cell that is written. WFDB header comments' `key: value` fields are
/// judged by their keys the same way (``WFDBHeaderScrubber/identifyingFields(_:)``).
///
/// The name is split into lower-case words (at non-letters and camel case). A column holds identifiers
/// when a word is `name`, `id`, `patient`, `mrn`, `ssn`, `phone`, `telephone`, `address`, `email`, `dob`
/// or starts with `birth`; dates when a word is `date` or `dt` or ends in `date`.
public enum CSVColumnNames {
    static let identifying: Set<String> = ["name", "id", "patient", "mrn", "ssn", "phone", "telephone", "address", "email", "dob"]

    /// The words of a column name: `PatientID` → `patient`, `id`; `birth_date` → `birth`, `date`.
    static func words(_ name: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousLower = false
        for character in name {
            if !character.isLetter && !character.isNumber {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousLower = false
                continue
            }
            if character.isUppercase && previousLower && !current.isEmpty {
                words.append(current)
                current = ""
            }
            current.append(Character(character.lowercased()))
            previousLower = character.isLowercase
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// True when the name says the column identifies a person (`PatientID`, `surname`'s `name`, `birth_date`).
    public static func looksIdentifying(_ name: String) -> Bool {
        words(name).contains { identifying.contains($0) || $0.hasPrefix("birth") || $0.hasSuffix("name") }
    }

    /// True when the name says the column holds dates (`admission_date`, `visitDt`).
    public static func looksLikeDates(_ name: String) -> Bool {
        words(name).contains { $0 == "date" || $0 == "dt" || $0.hasSuffix("date") }
    }
}

extension Anonymizer {
    /// De-identifies a CSV table row by row as it is split, writing each megabyte of output as it is made: a table was
    /// held four times over (its fields, the scrubbed fields, the output text and its bytes), about 0.5 KB per row of
    /// 36 bytes, so that a 2 GB export of a hospital system took about 28 GB.
    func processCSV(_ path: String, source: String) throws -> FileOutcome {
        var identifiers = IdentifierSet()
        var table: CSVScrubber.Rows?
        let (temporary, delimiter) = try { () throws -> (String, UInt8) in
            let bytes = try FileBytes.read(path)
            let delimiter = CSVDelimiter.detect(bytes, path: path)
            let temporary = try createTemporary(".csv") { fd, temporaryPath in
                var text = ""
                func flush() throws {
                    var written = text
                    try written.withUTF8 { try Self.write(UnsafeRawBufferPointer($0), to: fd, path: temporaryPath) }
                    text = ""
                }
                // Columns whose values are identifying: cells of pseudonymized columns, of columns named like identifiers,
                // and dates (a column dropped only because nobody asked for it, say cholesterol, holds no identifier).
                var identifying: [(index: Int, add: (inout IdentifierSet, String) -> Void)] = []
                var number = 0
                try CSVRecords.forEach(bytes, source: source, delimiter: delimiter) { record in
                    guard table != nil else {
                        let header = record.map { $0.trimmingSpaces }
                        let (rows, columns) = try headerRows(header, source: source)
                        table = rows
                        identifying = columns
                        text += CSVRecords.format(rows.header, delimiter: delimiter) + "\n"
                        return
                    }
                    number += 1
                    let row = try table!.scrub(record, number: number)
                    for column in identifying where !CSVScrubber.isMissing(record[column.index]) { column.add(&identifiers, record[column.index]) }
                    text += CSVRecords.format(row, delimiter: delimiter) + "\n"
                    if text.utf8.count >= 1 << 20 { try flush() }
                }
                guard table != nil else { throw MedPipeError.malformed(source, "no rows") }
                try flush()
            }
            return (temporary, delimiter)
        }()
        let name = source + (delimiter == UInt8(ascii: "\t") ? ".tsv" : ".csv")
        let scan = try OutputScan.file(temporary, name: name, scanner: ResidualScanner(identifiers: identifiers))
        var touched = table!.touched
        for (column, count) in table!.unparsed.sorted(by: { $0.key < $1.key }) {
            touched.append(TouchedAttribute(keyword: column, action: "empty \(count) unparsable value(s)"))
        }
        return try keep([(temporary, name)], scan: scan, identifiers: identifiers,
                        report: FileReport(source: source, output: name, format: "csv", attributes: touched), source: source)
    }

    /// The scrubber of a table with columns `header` under the run's column policies, and how each identifying
    /// column's values join the identifiers looked for in the output.
    /// - Throws: when a policy names a column the table lacks, or no column is kept.
    private func headerRows(_ header: [String], source: String) throws -> (CSVScrubber.Rows, [(index: Int, add: (inout IdentifierSet, String) -> Void)]) {
        for name in settings.csvPolicies.keys where !header.contains(name) {
            throw MedPipeError.invalidArgument(source, "--column names '\(name)', which the table does not have (columns: \(header.joined(separator: ", ")))")
        }
        // Only the columns the user names are written; every other column is dropped (and named in the report).
        var policies: [String: ColumnPolicy] = [:]
        for name in header { policies[name] = settings.csvPolicies[name] ?? .drop }
        guard policies.values.contains(where: { $0 != .drop }) else {
            throw MedPipeError.invalidArgument(source, "no column is kept: CSV columns are dropped unless named with --keep-columns NAME,... or --column NAME=POLICY (columns: \(header.joined(separator: ", ")))")
        }
        let patientColumn = header.first { name in
            policies[name] == .drop || policies[name] == .pseudonymize ? CSVColumnNames.words(name).contains { ["id", "patient", "mrn"].contains($0) } : false
        }
        let rows = try CSVScrubber(policies: policies, patientColumn: patientColumn, pseudonymizer: pseudonymizer).rows(header: header, subject: source)
        var identifying: [(index: Int, add: (inout IdentifierSet, String) -> Void)] = []
        for (index, name) in header.enumerated() {
            let policy = policies[name]!
            let isDate = policy == .shiftDates || (policy == .drop && CSVColumnNames.looksLikeDates(name))
            guard isDate || policy == .pseudonymize || (policy != .keep && CSVColumnNames.looksIdentifying(name)) else { continue }
            let nameColumn = CSVColumnNames.words(name).contains { $0.hasSuffix("name") }
            identifying.append((index, isDate ? { $0.addDate($1.filter { $0 != "-" }) } : nameColumn ? { $0.addName($1) } : { $0.addID($1) }))
        }
        return (rows, identifying)
    }
}
