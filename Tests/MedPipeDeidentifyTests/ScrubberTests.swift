import Foundation
import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeDeidentify

@Suite("Format scrubbers")
struct ScrubberTests {
    let pseudonymizer = Pseudonymizer(key: try! ProjectKey(bytes: Array(0..<32)))

    @Test(.enabled(if: SharedData.isAvailable))
    func wfdbHeaderOfTest01() throws {
        let text = try String(contentsOfFile: SharedData.path("wfdb/test01_00s.hea"), encoding: .utf8)
        let name = pseudonymizer.token("test01_00s", domain: .record)

        let dropped = try WFDBHeaderScrubber.scrub(text, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy())
        #expect(dropped.recordName == name)
        #expect(!dropped.header.contains("test01"))
        #expect(!dropped.header.contains("#"))
        #expect(dropped.header.split(separator: "\n").first == "\(name) 4 500 4000")
        #expect(dropped.header.components(separatedBy: "\(name).dat 16 100/mV").count == 5)  // four signal lines
        #expect(dropped.touched.contains(TouchedAttribute(keyword: "comments (1 lines)", action: "remove")))

        let kept = try WFDBHeaderScrubber.scrub(text, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy(keepComments: true))
        let comment = try #require(kept.header.split(separator: "\n").last)
        #expect(comment.hasPrefix("#") && comment.contains("<diagnoses>"))
        #expect(!comment.contains("<age>") && !comment.contains("<sex>") && !comment.contains("25"))

        let characteristics = try WFDBHeaderScrubber.scrub(
            text, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy(keepComments: true, retainPatientCharacteristics: true))
        #expect(characteristics.header.contains("<age>: 25") && characteristics.header.contains("<sex>: M"))
    }

    /// Retain Patient Characteristics kept every comment's free text (a line naming the patient and a phone number was
    /// written as it was): like DICOM's option, which keeps Patient's Age and Sex but not Patient Comments, it keeps only
    /// the age and sex of comments; their text is kept under Clean Descriptors (`--retain descriptors`).
    @Test func patientCharacteristicsKeepOnlyAgeAndSex() throws {
        let header = "rec 2 360 650000\nrec.dat 212 200 11 1024 995 -22131 0 MLII\n"
            + "# 69 M 1085 1629 x1\n# Johnathan Smithers, phone 555-867-5309\n# <age>: 93  <sex>: F  <diagnoses>: none\n# Aldomet, Inderal\n"
        let characteristics = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy(retainPatientCharacteristics: true))
        #expect(Array(characteristics.header.split(separator: "\n").dropFirst(2)) == ["# 69 M", "# <age>: 90+  <sex>: F"], "\(characteristics.header)")
        #expect(characteristics.touched.contains(TouchedAttribute(keyword: "comments (2 lines)", action: "remove")))
        #expect(WFDBHeaderScrubber.characteristics("# 95 f") == "# 90+ f" && WFDBHeaderScrubber.characteristics("# ? ?") == "# ? ?")
        #expect(WFDBHeaderScrubber.characteristics("# age: 81 Reason for admission: Myocardial infarction") == "# age: 81")
        #expect(WFDBHeaderScrubber.characteristics("# 1085 1629 x1") == nil && WFDBHeaderScrubber.characteristics("# Smith M") == nil)
        let described = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy(keepComments: true, retainPatientCharacteristics: true))
        #expect(described.header.contains("# Aldomet, Inderal") && described.header.contains("Johnathan"))
    }

    @Test func wfdbBaseDateShiftedOrRemoved() throws {
        let header = "rec0042 2 360 650000 10:31:02 14/03/2021\nrec0042.dat 212 200 11 1024 995 -22131 0 MLII\n# Age: 93 Sex: F\n"
        let shifted = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer,
                                                  policy: WFDBScrubPolicy(keepComments: true, retainPatientCharacteristics: true, dateShift: -365))
        let record = try #require(shifted.header.split(separator: "\n").first)
        #expect(record.hasSuffix(" 650000 10:31:02 14/03/2020"))
        #expect(shifted.header.contains("90+") && !shifted.header.contains("93"))
        let removed = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy())
        #expect(removed.header.split(separator: "\n").first == "\(removed.recordName) 2 360 650000")
        #expect(removed.touched.map(\.keyword).contains("base date"))
        let segments = "3000003/3 2 125 1000\n3000003_0001 500\n~ 200\n3000003_0003 300\n"
        let multi = try WFDBHeaderScrubber.scrub(segments, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy())
        #expect(!multi.header.contains("3000003"))
        #expect(multi.header.contains("/3 2 125 1000") && multi.header.contains("\n~ 200\n"))
        #expect(throws: MedPipeError.self) { try WFDBHeaderScrubber.scrub("# only a comment\n", pseudonymizer: pseudonymizer, policy: .init()) }
        #expect(throws: MedPipeError.self) {
            try WFDBHeaderScrubber.scrub("r 1 250 10 0:0:0 2021-01-01\n", pseudonymizer: pseudonymizer, policy: .init(dateShift: -400))
        }
    }

    @Test func identifyingCommentFieldsAreRemovedAndLookedFor() throws {
        let header = "rec 2 360 650000\nrec.dat 212 200 11 1024 995 -22131 0 MLII\n"
            + "# age: 69 sex: M name: Quimbly Zyxwert MRN: 778899\n# <diagnoses>: none at 10:31 <Patient ID>: A-4455\n# Aldomet, Inderal\n"
        let kept = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer,
                                                policy: WFDBScrubPolicy(keepComments: true, retainPatientCharacteristics: true))
        // Kept comments kept the name and the ids along with age and sex.
        for value in ["Quimbly", "Zyxwert", "778899", "A-4455"] { #expect(!kept.header.contains(value), "\(kept.header)") }
        #expect(kept.header.contains("# age: 69 sex: M") && kept.header.contains("<diagnoses>: none at 10:31") && kept.header.contains("# Aldomet, Inderal"))
        #expect(kept.touched.contains(TouchedAttribute(keyword: "comment <name>", action: "remove")))
        // Kept or dropped, their values are looked for in the outputs (a signal description repeating the name).
        let dropped = try WFDBHeaderScrubber.scrub(header, pseudonymizer: pseudonymizer, policy: WFDBScrubPolicy())
        for scrubbed in [kept, dropped] {
            let scanner = ResidualScanner(identifiers: scrubbed.identifiers)
            #expect(!scanner.scan("MLII Zyxwert", location: "").isEmpty)
            #expect(!scanner.scan("MLII 778899", location: "").isEmpty && !scanner.scan("MLII A-4455", location: "").isEmpty)
            #expect(scanner.scan("MLII V5 Aldomet none 69", location: "").isEmpty)
        }
    }

    @Test func annotationAuxStrings() {
        #expect(MITAnnotationFilter.isRhythmLabel("(N"))
        #expect(MITAnnotationFilter.isRhythmLabel("(AFIB"))
        #expect(MITAnnotationFilter.isRhythmLabel("(SBR)"))
        #expect(MITAnnotationFilter.isRhythmLabel("(B\0"))
        #expect(!MITAnnotationFilter.isRhythmLabel("(N John Smith"))
        #expect(!MITAnnotationFilter.isRhythmLabel("noise seen by Dr X"))
        #expect(!MITAnnotationFilter.isRhythmLabel("("))
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func csvPoliciesOnHeartTable() throws {
        var text = try String(contentsOfFile: SharedData.path("tabular/heart.csv"), encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0], rows = Array(lines.dropFirst())
        let scrubber = CSVScrubber(policies: ["age": .generalizeAge, "chol": .drop, "thal": .pseudonymize], pseudonymizer: pseudonymizer)
        let result = try scrubber.scrub(header: header, rows: rows, subject: "heart.csv")
        #expect(result.header == header.filter { $0 != "chol" })
        #expect(result.rows.count == rows.count)
        let ageIndex = try #require(header.firstIndex(of: "age"))
        for (before, after) in zip(rows, result.rows) {
            let age = try #require(Int(before[ageIndex]))
            let low = age / 5 * 5
            #expect(after[ageIndex] == (age > 89 ? "90+" : "\(low)-\(low + 4)"))
            #expect(after[header.firstIndex(of: "thal")! - 1].hasPrefix("P-"))  // chol dropped before thal
        }
        #expect(result.rows.first?.first == "60-64")
        #expect(result.touched.map(\.keyword).sorted() == ["age", "chol", "thal"])
        #expect(result.unparsed.isEmpty)
    }

    @Test func csvDatesAndAges() throws {
        let header = ["patient", "visit", "age", "note"]
        let rows = [["A-1", "2021-03-01", "95", "x"], ["A-1", "20210301", "?", "y"], ["B-2", "01/03/2021T10:00", "abc", "z"],
                    ["B-2", "March 1st", "44.5", "w"]]
        let scrubber = CSVScrubber(policies: ["patient": .pseudonymize, "visit": .shiftDates, "age": .generalizeAge, "note": .drop],
                                   patientColumn: "patient", pseudonymizer: pseudonymizer)
        let result = try scrubber.scrub(header: header, rows: rows)
        let a = pseudonymizer.dateShift(patientID: "A-1"), b = pseudonymizer.dateShift(patientID: "B-2")
        let march1 = try #require(CivilDate(year: 2021, month: 3, day: 1))
        let movedA = try #require(march1.shifted(by: a)), movedB = try #require(march1.shifted(by: b))
        #expect(result.header == ["patient", "visit", "age"])
        #expect(result.rows[0] == [pseudonymizer.token("A-1", domain: .patient), "\(pad(movedA.year, 4))-\(pad(movedA.month, 2))-\(pad(movedA.day, 2))", "90+"])
        #expect(result.rows[1][1] == movedA.dicom && result.rows[1][2] == "?")
        #expect(result.rows[2][1] == "\(pad(movedB.day, 2))/\(pad(movedB.month, 2))/\(pad(movedB.year, 4))T10:00")
        #expect(result.rows[2][2] == "" && result.rows[3][1] == "" && result.rows[3][2] == "40-44")
        #expect(result.unparsed == ["age": 1, "visit": 1])
        #expect(throws: MedPipeError.self) {
            try CSVScrubber(policies: ["visit": .shiftDates], pseudonymizer: pseudonymizer).scrub(header: header, rows: rows)
        }
        #expect(throws: MedPipeError.self) {
            try CSVScrubber(policies: ["missing": .drop], pseudonymizer: pseudonymizer).scrub(header: header, rows: rows)
        }
        #expect(throws: MedPipeError.self) { try scrubber.scrub(header: header, rows: [["short"]]) }
    }
}
