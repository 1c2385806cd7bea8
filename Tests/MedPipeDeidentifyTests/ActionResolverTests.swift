import Testing
@testable import MedPipeDeidentify
import MedPipeFormats

@Suite("Action resolution")
struct ActionResolverTests {
    func action(_ group: UInt16, _ element: UInt16, _ vr: String, _ options: DeidentificationOptions = []) -> ResolvedAction {
        ActionResolver.action(for: DICOMTag(group, element), vr: vr, options: options)
    }

    @Test func basicProfileAlone() {
        #expect(action(0x0010, 0x0010, "PN") == .empty)  // PatientName Z
        #expect(action(0x0010, 0x0020, "LO") == .pseudonymID)  // PatientID Z/D → keyed token
        #expect(action(0x0010, 0x0030, "DA") == .empty)
        #expect(action(0x0010, 0x1010, "AS") == .remove)  // PatientAge X
        #expect(action(0x0020, 0x000D, "UI") == .pseudonymUID)
        #expect(action(0x0002, 0x0003, "UI") == .pseudonymUID)  // Media Storage SOP Instance UID
        #expect(action(0x0008, 0x0080, "LO") == .dummy("ANONYMIZED"))  // InstitutionName X/Z/D → D: valid for Type 1, 2 and 3
        #expect(action(0x0008, 0x0023, "DA") == .dummy("19000101"))  // ContentDate Z/D → D (Type 1 in many IODs)
        #expect(action(0x0008, 0x1110, "SQ") == .clean)  // ReferencedStudySequence X/Z: items kept, profile applied inside
        #expect(action(0x0008, 0x9123, "UI") == .pseudonymUID)  // Creator-Version UID: not in the table, a UID all the same
        #expect(action(0x0008, 0x0016, "UI") == .keep)  // SOP Class UID names a kind of object
        #expect(action(0x0008, 0x9123, "UI", [.retainUIDs]) == .keep)
        #expect(action(0x0008, 0x0021, "DA") == .dummy("19000101"))  // SeriesDate X/D → D
        #expect(action(0x0040, 0xA123, "PN") == .dummy("ANONYMOUS"))  // PersonName D
        #expect(action(0x006A, 0x0003, "UI") == .pseudonymUID)  // Annotation Group UID: D on a UI
        #expect(action(0x0008, 0x1030, "LO") == .remove)  // StudyDescription X
        #expect(action(0x0008, 0x1140, "SQ") == .clean)  // ReferencedImageSequence X/Z/U*: recurse
        #expect(action(0x0040, 0xA730, "SQ") == .clean)  // ContentSequence D: recurse
        #expect(action(0x0040, 0x0513, "SQ") == .empty)  // Issuer of the Container Identifier Sequence Z
        #expect(action(0x6000, 0x3000, "OW") == .remove)
    }

    @Test func optionsOverrideTheBasicProfile() {
        #expect(action(0x0008, 0x0080, "LO", [.retainInstitutionIdentity]) == .keep)
        #expect(action(0x0018, 0x1000, "LO", [.retainDeviceIdentity]) == .keep)
        #expect(action(0x0010, 0x0040, "CS", [.retainPatientCharacteristics]) == .keep)
        #expect(action(0x0008, 0x0020, "DA", [.retainLongitudinalModifiedDates]) == .clean)
        #expect(action(0x0008, 0x0020, "DA", [.retainLongitudinalFullDates]) == .keep)
        #expect(action(0x0008, 0x1030, "LO", [.cleanDescriptors]) == .clean)
        #expect(action(0x0020, 0x000D, "UI", [.retainUIDs]) == .keep)
        #expect(action(0x0010, 0x0010, "PN", [.retainPatientCharacteristics, .retainUIDs]) == .empty)
        // Several options on one row: the most protective wins (modified over full dates, C over K).
        #expect(action(0x300C, 0x0127, "DT", [.retainDeviceIdentity, .retainLongitudinalModifiedDates]) == .clean)
        #expect(action(0x0008, 0x0020, "DA", [.retainLongitudinalFullDates, .retainLongitudinalModifiedDates]) == .clean)
        // Options that do not name the row leave it alone.
        #expect(action(0x0010, 0x0030, "DA", [.retainLongitudinalFullDates, .retainPatientCharacteristics]) == .empty)
    }

    @Test func privateAttributesAreRemoved() {
        #expect(action(0x0009, 0x0010, "LO") == .remove)  // private creator
        #expect(action(0x0019, 0x10A2, "SL") == .remove)
        #expect(action(0x0029, 0x1010, "OB", [.retainSafePrivate]) == .remove)  // safe list is empty
        #expect(ActionResolver.safePrivateAttributes.isEmpty)
    }

    @Test func unlistedAttributesKeepUnlessFreeText() {
        #expect(action(0x0028, 0x0010, "US") == .keep)  // Rows
        #expect(action(0x0008, 0x0060, "CS") == .keep)  // Modality
        #expect(action(0x7FE0, 0x0010, "OW") == .keep)  // Pixel Data
        #expect(action(0x0008, 0x0070, "LO") == .keep)  // Manufacturer: safe list
        #expect(action(0x0008, 0x0104, "LO") == .keep)  // CodeMeaning: safe list
        #expect(action(0x0040, 0xA160, "UT") == .remove)  // Text Value: free text, unlisted
        #expect(action(0x0018, 0x0015, "CS") == .keep)  // Body Part Examined
        #expect(action(0x0002, 0x0016, "AE") == .remove)  // Source Application Entity Title
        #expect(action(0x0011, 0x0010, "LO") == .remove)
        #expect(ActionResolver.keyword(for: DICOMTag(0x0010, 0x0010)) == "PatientName")
        #expect(ActionResolver.keyword(for: DICOMTag(0x0008, 0x0070)) == "Manufacturer")
        #expect(ActionResolver.keyword(for: DICOMTag(0x0019, 0x1000)) == nil)
    }

    @Test func optionNamesParse() {
        #expect(DeidentificationOptions.option(named: "retain-uids") == .retainUIDs)
        #expect(DeidentificationOptions.option(named: "modified-dates") == .retainLongitudinalModifiedDates)
        #expect(DeidentificationOptions.option(named: "retainPatientCharacteristics") == .retainPatientCharacteristics)
        #expect(DeidentificationOptions.option(named: "descriptors") == .cleanDescriptors)
        #expect(DeidentificationOptions.option(named: "nonsense") == nil)
        #expect(ProfileOption.retainSafePrivate.code == "113111")
        #expect(ProfileOption.retainLongitudinalModifiedDates.code == "113107")
    }
}
