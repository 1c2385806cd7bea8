import Foundation
import MedPipeFormats
import Testing
import TestSupport

@Suite("WFDB signal descriptions that may leave de-identification")
struct WFDBSignalNameTests {
    /// Every signal description of the shared records (MIT-BIH, PTB, MIMIC, wfdb-python's samples) is a plain name:
    /// making descriptions safe changes none of them.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func everyRealDescriptionIsKept() throws {
        let folder = SharedData.path("wfdb")
        let walker = try #require(FileManager.default.enumerator(atPath: folder))
        var descriptions: [String] = []
        while let entry = walker.nextObject() as? String {
            guard entry.hasSuffix(".hea") else { continue }
            descriptions += try WFDBHeader.read(folder + "/" + entry).signals.map(\.description)
        }
        #expect(descriptions.count > 100 && descriptions.contains("ECG lead II") && descriptions.contains("Resp. Imp."))
        for description in descriptions { #expect(WFDBSignalName.isPlain(description), "\(description)") }
        #expect(WFDBSignalName.safe(descriptions) == descriptions)
    }

    /// A name, a record number, a date or long text becomes `sig` and the signal's index; lead names stay.
    @Test func anythingButASignalNameBecomesNeutral() {
        let hostile = ["Quimbly Zyxwert", "MLII Zyxwert", "MRN 778899", "778899", "V1 12/03/1950", "12", "ECG lead II of Mr Doe",
                       "Doe^John", "ECG ü", "ECG lead II ECG lead II ECG lead II", "II\u{0}Zyx", "V1;rm"]
        for description in hostile { #expect(!WFDBSignalName.isPlain(description), "\(description)") }
        #expect(WFDBSignalName.safe(["MLII", "Quimbly Zyxwert", "V5", "MRN 778899", ""]) == ["MLII", "sig1", "V5", "sig3", ""])
        for plain in ["MLII", "V1", "ECG lead II", "ABP", "aVR", "MCL1", "Fp2", "SpO2", "sig 2, fmt 524", "ECG_3", "col 1"] {
            #expect(WFDBSignalName.isPlain(plain), "\(plain)")
        }
    }
}
