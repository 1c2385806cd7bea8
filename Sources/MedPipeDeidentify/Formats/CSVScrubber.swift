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
        let kept = header.indices.filter { columnPolicies[$0] != .drop }
        var unparsed: [String: Int] = [:]
        var output: [[String]] = []
        output.reserveCapacity(rows.count)
        for (number, row) in rows.enumerated() {
            guard row.count == header.count else {
                throw MedPipeError.malformed(subject, "row \(number + 1) has \(row.count) cells, expected \(header.count)")
            }
            let shift = patientIndex.map { pseudonymizer.dateShift(patientID: row[$0]) }
            var out: [String] = []
            out.reserveCapacity(kept.count)
            for index in kept {
                let value = row[index]
                if Self.isMissing(value) { out.append(value); continue }
                switch columnPolicies[index] {
                case .keep, .drop: out.append(value)
                case .pseudonymize: out.append(pseudonymizer.token(value, domain: .patient))
                case .shiftDates:
                    if let moved = Self.shiftDate(value, by: shift!) { out.append(moved) } else {
                        out.append("")
                        unparsed[header[index], default: 0] += 1
                    }
                case .generalizeAge:
                    if let band = Self.ageBand(value) { out.append(band) } else {
                        out.append("")
                        unparsed[header[index], default: 0] += 1
                    }
                }
            }
            output.append(out)
        }
        let touched = header.indices.compactMap { index -> TouchedAttribute? in
            let policy = columnPolicies[index]
            return policy == .keep ? nil : TouchedAttribute(keyword: header[index], action: policy.rawValue)
        }
        return Result(header: kept.map { header[$0] }, rows: output, touched: touched, unparsed: unparsed)
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
