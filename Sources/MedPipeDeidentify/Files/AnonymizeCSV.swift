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
    func processCSV(_ path: String, source: String) throws -> FileOutcome {
        let bytes = try FileBytes.read(path)
        let delimiter = CSVDelimiter.detect(bytes, path: path)
        let records = try CSVRecords.parse(bytes, source: source, delimiter: delimiter)
        guard let header = records.first?.map({ $0.trimmingSpaces }) else { throw MedPipeError.malformed(source, "no rows") }
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
        let rows = Array(records.dropFirst())
        let scrubber = CSVScrubber(policies: policies, patientColumn: patientColumn, pseudonymizer: pseudonymizer)
        let result = try scrubber.scrub(header: header, rows: rows, subject: source)

        var identifiers = IdentifierSet()
        // Identifying values: cells of pseudonymized columns, of columns named like identifiers, and dates
        // (a column dropped only because nobody asked for it, say cholesterol, holds no identifier).
        for (index, name) in header.enumerated() {
            let policy = policies[name]!
            let isDate = policy == .shiftDates || (policy == .drop && CSVColumnNames.looksLikeDates(name))
            guard isDate || policy == .pseudonymize || (policy != .keep && CSVColumnNames.looksIdentifying(name)) else { continue }
            let nameColumn = CSVColumnNames.words(name).contains { $0.hasSuffix("name") }
            for row in rows where !CSVScrubber.isMissing(row[index]) {
                if isDate { identifiers.addDate(row[index].filter { $0 != "-" }) }
                else if nameColumn { identifiers.addName(row[index]) } else { identifiers.addID(row[index]) }
            }
        }
        var text = CSVRecords.format(result.header, delimiter: delimiter) + "\n"
        for row in result.rows { text += CSVRecords.format(row, delimiter: delimiter) + "\n" }
        let temporary = try Array(text.utf8).withUnsafeBytes { try writeTemporary($0, suffix: ".csv") }
        let name = source + (delimiter == UInt8(ascii: "\t") ? ".tsv" : ".csv")
        let scan = try OutputScan.file(temporary, name: name, scanner: ResidualScanner(identifiers: identifiers))
        var touched = result.touched
        for (column, count) in result.unparsed.sorted(by: { $0.key < $1.key }) {
            touched.append(TouchedAttribute(keyword: column, action: "empty \(count) unparsable value(s)"))
        }
        return try keep([(temporary, name)], scan: scan, identifiers: identifiers,
                        report: FileReport(source: source, output: name, format: "csv", attributes: touched), source: source)
    }
}
