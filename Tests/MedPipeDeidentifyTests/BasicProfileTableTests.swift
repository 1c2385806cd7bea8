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
