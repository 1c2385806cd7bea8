import MedPipeCore
import MedPipeFormats

/// How a WFDB header is de-identified.
public struct WFDBScrubPolicy: Sendable, Hashable {
    /// Keep the text of `#` comment lines (with age and sex removed unless `retainPatientCharacteristics`), as DICOM's
    /// Clean Descriptors option keeps descriptions; when false, comments are dropped but for what
    /// `retainPatientCharacteristics` keeps.
    public var keepComments: Bool
    /// Keep the age and sex of comments (ages over 89 become `90+`), as DICOM's Retain Patient Characteristics option
    /// keeps Patient's Age and Sex: without `keepComments`, only them (free text, like DICOM's Patient Comments, goes).
    public var retainPatientCharacteristics: Bool
    /// Days to move the base date (the patient's `Pseudonymizer.dateShift`); nil removes the base
    /// date and base time.
    public var dateShift: Int?

    public init(keepComments: Bool = false, retainPatientCharacteristics: Bool = false, dateShift: Int? = nil) {
        self.keepComments = keepComments
        self.retainPatientCharacteristics = retainPatientCharacteristics
        self.dateShift = dateShift
    }
}

/// De-identifies WFDB header text (`.hea`): the record name and the signal file names made from it
/// become the record's pseudonym, segment names of a multi-segment record their own pseudonyms, the
/// base date is shifted or removed (with the base time), a signal description that is not a plain signal name
/// (``WFDBSignalName``) becomes a neutral one (`sig0`), units not written with known unit symbols (``WFDBSignalUnits``)
/// become `NU`, comments are dropped or filtered. A comment's
/// `key: value` fields whose key names an identifying value (`name:`, `<MRN>:`, `Patient ID:`) are removed
/// from kept comments, and their values, kept or dropped, are identifying values for the residual scan.
public enum WFDBHeaderScrubber {
    /// The cleaned header, the new record name, what changed, and the identifying values its comments held.
    public static func scrub(_ header: String, pseudonymizer: Pseudonymizer, policy: WFDBScrubPolicy, subject: String = "header") throws
        -> (header: String, recordName: String, touched: [TouchedAttribute], identifiers: IdentifierSet)
    {
        var output: [String] = []
        var touched: [TouchedAttribute] = []
        var identifiers = IdentifierSet()
        var recordName: String?
        var newName = ""
        var multiSegment = false
        var droppedComments = 0
        var signalIndex = 0
        // "\r\n" is one Character in Swift: split on either ending.
        for line in header.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.hasPrefix("#") {
                for field in identifyingFields(String(line)) { collect(field.value, key: field.key, into: &identifiers) }
                let kept = policy.keepComments ? filterComment(String(line), policy: policy, touched: &touched)
                    : policy.retainPatientCharacteristics ? characteristics(String(line)) : nil
                if let kept {
                    output.append(kept)
                } else {
                    droppedComments += 1
                }
                continue
            }
            if content.isEmpty { output.append(String(line)); continue }
            var fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let name = recordName else {
                // Record line: name[/segments] signals [frequency [samples [time [date]]]]
                let parts = fields[0].split(separator: "/", maxSplits: 1)
                recordName = String(parts[0])
                newName = pseudonymizer.token(String(parts[0]), domain: .record)
                multiSegment = parts.count == 2
                fields[0] = newName + (multiSegment ? "/" + parts[1] : "")
                touched.append(TouchedAttribute(keyword: "record name", action: "pseudonym"))
                if fields.count >= 5 {
                    if policy.dateShift == nil {
                        touched.append(TouchedAttribute(keyword: "base time", action: "remove"))
                        if fields.count >= 6 { touched.append(TouchedAttribute(keyword: "base date", action: "remove")) }
                        fields.removeSubrange(4...)
                    } else if fields.count >= 6, let days = policy.dateShift {
                        guard let shifted = shiftWFDBDate(fields[5], by: days) else {
                            throw MedPipeError.malformed(subject, "base date '\(fields[5])' is not DD/MM/YYYY")
                        }
                        fields[5] = shifted
                        touched.append(TouchedAttribute(keyword: "base date", action: "shift"))
                    }
                }
                output.append(fields.joined(separator: " "))
                continue
            }
            if multiSegment {
                // Segment line: name samples ("~" is a null segment).
                if fields[0] != "~" {
                    fields[0] = pseudonymizer.token(fields[0], domain: .record)
                    touched.append(TouchedAttribute(keyword: "segment name", action: "pseudonym"))
                }
            } else {
                if fields[0].hasPrefix(name) {
                    // Signal line whose file is named after the record (name.dat, name_x.dat).
                    fields[0] = newName + fields[0].dropFirst(name.count)
                    touched.append(TouchedAttribute(keyword: "signal file name", action: "pseudonym"))
                }
                // The description, after eight fields, is free text: only a plain signal name is kept.
                if fields.count > 8, !WFDBSignalName.isPlain(fields[8...].joined(separator: " ")) {
                    fields.replaceSubrange(8..., with: [WFDBSignalName.neutral(signalIndex)])
                    touched.append(TouchedAttribute(keyword: "signal description", action: "replace by a neutral name"))
                }
                // The units, after the gain field's first '/', take any text too: only known unit symbols are kept.
                if fields.count > 2, let slash = fields[2].firstIndex(of: "/"), !WFDBSignalUnits.isPlain(String(fields[2][fields[2].index(after: slash)...])) {
                    fields[2] = fields[2][...slash] + LeadUnits.normalized
                    touched.append(TouchedAttribute(keyword: "signal units", action: "replace by \(LeadUnits.normalized)"))
                }
                signalIndex += 1
            }
            output.append(fields.joined(separator: " "))
        }
        guard recordName != nil else { throw MedPipeError.malformed(subject, "no record line") }
        if droppedComments > 0 { touched.append(TouchedAttribute(keyword: "comments (\(droppedComments) lines)", action: "remove")) }
        return (output.joined(separator: "\n"), newName, touched, identifiers)
    }

    /// `DD/MM/YYYY` moved by `days`.
    static func shiftWFDBDate(_ text: String, by days: Int) -> String? {
        let parts = text.split(separator: "/")
        guard parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]),
              let date = CivilDate(year: y, month: m, day: d)?.shifted(by: days) else { return nil }
        return pad(date.day, 2) + "/" + pad(date.month, 2) + "/" + pad(date.year, 4)
    }

    /// A kept comment without its identifying fields (``identifyingFields(_:)``) and its age and sex fields (PhysioNet
    /// `<age>: 25  <sex>: M` or `Age: 25`), or nil when nothing is left.
    private static func filterComment(_ line: String, policy: WFDBScrubPolicy, touched: inout [TouchedAttribute]) -> String? {
        var text = ""
        var from = line.startIndex
        for field in identifyingFields(line) {
            text += line[from..<field.range.lowerBound]
            from = field.range.upperBound
            touched.append(TouchedAttribute(keyword: "comment <\(field.key)>", action: "remove"))
        }
        text += line[from...]
        for key in ["age", "sex"] {
            guard let range = fieldRange(key, in: text) else { continue }
            if policy.retainPatientCharacteristics {
                if key == "age" { text = generalizeAgeField(text, range) }
                continue
            }
            text.removeSubrange(range)
            touched.append(TouchedAttribute(keyword: "comment <\(key)>", action: "remove"))
        }
        let rest = text.drop { $0 == "#" || $0 == " " }
        return rest.isEmpty ? nil : text
    }

    /// The age and sex a comment line gives, and nothing else, or nil when it gives neither: MIT-BIH's leading
    /// `# 69 M` (the numbers after it, the record's reference numbers, go), or PhysioNet's keyed fields (`<age>: 25
    /// <sex>: M`, `age: 81`, `sex: female`). Ages over 89 become `90+`.
    static func characteristics(_ line: String) -> String? {
        let words = line.drop { $0 == "#" || $0 == " " || $0 == "\t" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.count >= 2, words[0] == "?" || Int(words[0]).map({ (0...150).contains($0) }) == true,
           ["M", "F", "?"].contains(words[1].uppercased()) {
            return "# \(Int(words[0]).map { $0 > 89 ? "90+" : String($0) } ?? "?") \(words[1])"
        }
        let fields = ["age", "sex"].compactMap { key -> String? in
            guard let range = fieldRange(key, in: line) else { return nil }
            let field = String(line[range])
            return generalizeAgeField(field, field.startIndex..<field.endIndex).trimmingSpaces
        }
        return fields.isEmpty ? nil : "# " + fields.joined(separator: "  ")
    }

    /// The `key: value` fields of a comment line whose key says the value identifies a person (the words of CSV column
    /// names that do, ``CSVColumnNames/looksIdentifying(_:)``: `name`, `id`, `mrn`, `dob`, `address`, ...), in order:
    /// each with the range of the whole field, from its key to the next key or the end of the line. A key is `<words>:`
    /// or the word before a colon, beginning with a letter (a time of day, `10:31`, is no key).
    static func identifyingFields(_ line: String) -> [(range: Range<String.Index>, key: String, value: String)] {
        var keys: [(start: String.Index, key: String, valueStart: String.Index)] = []
        for colon in line.indices where line[colon] == ":" {
            let before = line[..<colon]
            let start: String.Index, key: Substring
            if before.last == ">", let open = before.lastIndex(of: "<") {
                start = open
                key = before[before.index(after: open)..<before.index(before: before.endIndex)]
            } else {
                start = before.lastIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.map { before.index(after: $0) } ?? before.startIndex
                key = before[start...]
            }
            guard key.first?.isLetter == true, keys.last.map({ $0.valueStart <= start }) ?? true else { continue }
            keys.append((start, String(key), line.index(after: colon)))
        }
        return keys.indices.compactMap { index in
            let field = keys[index]
            guard CSVColumnNames.looksIdentifying(field.key) else { return nil }
            let end = index + 1 < keys.count ? keys[index + 1].start : line.endIndex
            return (field.start..<end, field.key, line[field.valueStart..<end].trimmingSpaces)
        }
    }

    /// Adds the value of an identifying comment field to `identifiers`, as the kind its key names.
    private static func collect(_ value: String, key: String, into identifiers: inout IdentifierSet) {
        let words = CSVColumnNames.words(key)
        if words.contains(where: { $0.hasSuffix("name") }) { identifiers.addName(value) }
        else if words.contains("address") { identifiers.addAddress(value) }
        else if words.contains("phone") || words.contains("telephone") { identifiers.addPhone(value) }
        else { identifiers.addID(value) }
    }

    /// The range of `<key>: value` (up to the next `<`) or `key: value` (up to the end of the value's
    /// first word).
    private static func fieldRange(_ key: String, in text: String) -> Range<String.Index>? {
        let lower = text.lowercased()
        let bracketed = lower.range(of: "<\(key)>:")
        guard let start = bracketed ?? lower.range(of: "\(key):") else { return nil }
        let from = text.index(text.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: start.lowerBound))
        let afterKey = text.index(from, offsetBy: lower.distance(from: start.lowerBound, to: start.upperBound))
        if bracketed != nil { return from..<(text[afterKey...].firstIndex(of: "<") ?? text.endIndex) }
        let value = text[afterKey...].firstIndex { $0 != " " } ?? text.endIndex
        let end = text[value...].firstIndex { $0 == " " || $0 == "\t" } ?? text.endIndex
        return from..<end
    }

    private static func generalizeAgeField(_ text: String, _ range: Range<String.Index>) -> String {
        let field = text[range]
        guard let colon = field.firstIndex(of: ":"), let age = Int(field[field.index(after: colon)...].trimmingSpaces), age > 89 else { return text }
        var copy = text
        copy.replaceSubrange(range, with: field[...colon] + " 90+" + (field.hasPrefix("<") ? "  " : ""))
        return copy
    }
}
