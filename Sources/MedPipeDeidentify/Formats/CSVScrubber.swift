import MedPipeCore

/// What to do with one CSV column.
public enum ColumnPolicy: String, Sendable, Codable, CaseIterable {
    /// Remove the column.
    case drop
    /// Replace each value by its keyed token (`P-…`, domain patient).
    case pseudonymize
    /// Move dates by the row's patient date shift (needs a patient column).
    case shiftDates
    /// Ages into 5-year bands (`60-64`), over 89 as `90+`.
    case generalizeAge
    /// Keep unchanged.
    case keep
}

/// Applies a policy per column to rows of strings.
///
/// Missing values (empty, `?`, `NA`, `NaN`) stay as they are. A date that cannot be parsed
/// (`YYYY-MM-DD`, `YYYYMMDD`, `DD/MM/YYYY`, with an optional `T`/space time suffix) and an age that is
/// not a number become empty rather than leak; `unparsed` counts them per column.
public struct CSVScrubber: Sendable {
    public var policies: [String: ColumnPolicy]
    /// The policy of a column not named in `policies`.
    public var defaultPolicy: ColumnPolicy
    /// The column whose value identifies the patient, for `shiftDates` (its original value; the
    /// column itself should be pseudonymized or dropped).
    public var patientColumn: String?
    public let pseudonymizer: Pseudonymizer

    public init(policies: [String: ColumnPolicy], defaultPolicy: ColumnPolicy = .keep, patientColumn: String? = nil, pseudonymizer: Pseudonymizer) {
        self.policies = policies
        self.defaultPolicy = defaultPolicy
        self.patientColumn = patientColumn
        self.pseudonymizer = pseudonymizer
    }

    public struct Result: Sendable {
        public var header: [String]
        public var rows: [[String]]
        public var touched: [TouchedAttribute]
        /// Values emptied because they could not be parsed, per column.
        public var unparsed: [String: Int]
    }

    public func scrub(header: [String], rows: [[String]], subject: String = "table") throws -> Result {
        var table = try self.rows(header: header, subject: subject)
        let output = try rows.enumerated().map { number, row in try table.scrub(row, number: number + 1) }
        return Result(header: table.header, rows: output, touched: table.touched, unparsed: table.unparsed)
    }

    /// The rows of one table, scrubbed one at a time as ``scrub(header:rows:subject:)`` scrubs them: a table read
    /// as it is split is never whole in memory.
    public struct Rows: Sendable {
        /// The columns written (those not dropped).
        public let header: [String]
        public let touched: [TouchedAttribute]
        /// Values emptied because they could not be parsed, per column, in the rows scrubbed so far.
        public private(set) var unparsed: [String: Int] = [:]
        private let columns: [String], policies: [ColumnPolicy], kept: [Int], patientIndex: Int?
        private let pseudonymizer: Pseudonymizer, subject: String

        fileprivate init(columns: [String], policies: [ColumnPolicy], patientIndex: Int?, pseudonymizer: Pseudonymizer, subject: String) {
            kept = columns.indices.filter { policies[$0] != .drop }
            header = kept.map { columns[$0] }
            touched = columns.indices.compactMap { index -> TouchedAttribute? in
                policies[index] == .keep ? nil : TouchedAttribute(keyword: columns[index], action: policies[index].rawValue)
            }
            (self.columns, self.policies, self.patientIndex, self.pseudonymizer, self.subject) = (columns, policies, patientIndex, pseudonymizer, subject)
        }

        /// Row `number` (from 1, after the header) with each kept column's policy applied.
        public mutating func scrub(_ row: [String], number: Int) throws -> [String] {
            guard row.count == columns.count else {
                throw MedPipeError.malformed(subject, "row \(number) has \(row.count) cells, expected \(columns.count)")
            }
            let shift = patientIndex.map { pseudonymizer.dateShift(patientID: row[$0]) }
            var out: [String] = []
            out.reserveCapacity(kept.count)
            for index in kept {
                let value = row[index]
                if CSVScrubber.isMissing(value) { out.append(value); continue }
                switch policies[index] {
                case .keep, .drop: out.append(value)
                case .pseudonymize: out.append(pseudonymizer.token(value, domain: .patient))
                case .shiftDates:
                    if let moved = CSVScrubber.shiftDate(value, by: shift!) { out.append(moved) } else {
                        out.append("")
                        unparsed[columns[index], default: 0] += 1
                    }
                case .generalizeAge:
                    if let band = CSVScrubber.ageBand(value) { out.append(band) } else {
                        out.append("")
                        unparsed[columns[index], default: 0] += 1
                    }
                }
            }
            return out
        }
    }

    /// A table of columns `header` to scrub row by row.
    /// - Throws: `.invalidArgument` naming `subject` when a policy names a column the header lacks, or dates are shifted
    ///   without a patient column.
    public func rows(header: [String], subject: String = "table") throws -> Rows {
        for name in policies.keys where !header.contains(name) {
            throw MedPipeError.invalidArgument(subject, "policy names column '\(name)', which the table does not have")
        }
        let columnPolicies = header.map { policies[$0] ?? defaultPolicy }
        var patientIndex: Int?
        if columnPolicies.contains(.shiftDates) {
            guard let patientColumn, let index = header.firstIndex(of: patientColumn) else {
                throw MedPipeError.invalidArgument(subject, "shifting dates needs a patient column to take each patient's shift from")
            }
            patientIndex = index
        }
        return Rows(columns: header, policies: columnPolicies, patientIndex: patientIndex, pseudonymizer: pseudonymizer, subject: subject)
    }

    static func isMissing(_ value: String) -> Bool {
        let text = value.trimmingSpaces
        return text.isEmpty || text == "?" || text.uppercased() == "NA" || text.uppercased() == "NAN"
    }

    /// `60-64` for 60...64, `90+` above 89; nil for a value that is not a non-negative number.
    public static func ageBand(_ value: String) -> String? {
        guard let age = Double(value.trimmingSpaces), age.isFinite, age >= 0 else { return nil }
        if age > 89 { return "90+" }
        let low = Int(age) / 5 * 5
        return "\(low)-\(low + 4)"
    }

    /// A date in `YYYY-MM-DD`, `YYYYMMDD` or `DD/MM/YYYY` (time suffix kept) moved by `days`, same spelling.
    public static func shiftDate(_ value: String, by days: Int) -> String? {
        let text = value.trimmingSpaces
        let datePart = text.prefix { $0 != "T" && $0 != " " }
        let rest = text.dropFirst(datePart.count)
        if datePart.count == 10, datePart.dropFirst(4).first == "-", datePart.dropFirst(7).first == "-" {
            let digits = datePart.filter { $0 != "-" }
            guard digits.count == 8, let moved = CivilDate(dicom: Substring(digits))?.shifted(by: days) else { return nil }
            return pad(moved.year, 4) + "-" + pad(moved.month, 2) + "-" + pad(moved.day, 2) + rest
        }
        if datePart.count == 8, let moved = CivilDate(dicom: datePart)?.shifted(by: days) {
            return moved.dicom + rest
        }
        if datePart.count == 10, let moved = WFDBHeaderScrubber.shiftWFDBDate(String(datePart), by: days) {
            return moved + rest
        }
        return nil
    }
}
