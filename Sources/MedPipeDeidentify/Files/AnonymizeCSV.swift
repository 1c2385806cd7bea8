import Foundation
import MedPipeCore
import MedPipeFormats

/// Default CSV column policies by column name, for columns the command line does not name.
///
/// The name is split into lower-case words (at non-letters and camel case). A column is dropped
/// when a word is `name`, `id`, `patient`, `mrn`, `ssn`, `phone`, `telephone`, `address`, `email`,
/// `dob` or starts with `birth`; dates (`date` or `dt`) are shifted by the patient's date shift when a
/// patient column (the first dropped `id`/`patient`/`mrn` column) exists, else dropped; a column
/// named `age` is generalized to 5-year bands with 90+; every other column is kept.
public enum CSVColumnDefaults {
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

    /// The policy of a column from its name alone.
    public static func policy(for name: String) -> ColumnPolicy {
        let words = words(name)
        if words.contains(where: { identifying.contains($0) || $0.hasPrefix("birth") }) { return .drop }
        if words.contains(where: { $0 == "date" || $0 == "dt" || $0.hasSuffix("date") }) { return .shiftDates }
        if words == ["age"] || words.first == "age" { return .generalizeAge }
        return .keep
    }
}

extension Anonymizer {
    func processCSV(_ path: String, source: String) throws -> FileOutcome {
        let delimiter = path.lowercased().hasSuffix(".tsv") ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        let records = try CSVRecords.parse(try FileBytes.read(path), source: source, delimiter: delimiter)
        guard let header = records.first?.map({ $0.trimmingSpaces }) else { throw MedPipeError.malformed(source, "no rows") }
        for name in settings.csvPolicies.keys where !header.contains(name) {
            throw MedPipeError.invalidArgument(source, "--column names '\(name)', which the table does not have (columns: \(header.joined(separator: ", ")))")
        }
        var policies: [String: ColumnPolicy] = [:]
        for name in header { policies[name] = settings.csvPolicies[name] ?? CSVColumnDefaults.policy(for: name) }
        let patientColumn = header.first { name in
            policies[name] == .drop || policies[name] == .pseudonymize ? CSVColumnDefaults.words(name).contains { ["id", "patient", "mrn"].contains($0) } : false
        }
        if patientColumn == nil {
            for (name, policy) in policies where policy == .shiftDates && settings.csvPolicies[name] == nil { policies[name] = .drop }
        }
        let rows = Array(records.dropFirst())
        let scrubber = CSVScrubber(policies: policies, patientColumn: patientColumn, pseudonymizer: pseudonymizer)
        let result = try scrubber.scrub(header: header, rows: rows, subject: source)

        var identifiers = IdentifierSet()
        // Identifying values: cells of columns named like identifiers, pseudonymized columns, and dates
        // (a column dropped only because the user chose to, say cholesterol, holds no identifier).
        for (index, name) in header.enumerated() where policies[name] == .pseudonymize || policies[name] == .shiftDates
            || (policies[name] == .drop && CSVColumnDefaults.policy(for: name) == .drop) {
            let nameColumn = CSVColumnDefaults.words(name).contains("name")
            for row in rows where !CSVScrubber.isMissing(row[index]) {
                switch policies[name]! {
                case .shiftDates: identifiers.addDate(row[index].filter { $0 != "-" })
                default: if nameColumn { identifiers.addName(row[index]) } else { identifiers.addID(row[index]) }
                }
            }
        }
        var text = CSVRecords.format(result.header, delimiter: delimiter) + "\n"
        for row in result.rows { text += CSVRecords.format(row, delimiter: delimiter) + "\n" }
        let temporary = try temporaryPath(".csv")
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw MedPipeError.io(temporary, "cannot write: \(error.localizedDescription)")
        }
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
