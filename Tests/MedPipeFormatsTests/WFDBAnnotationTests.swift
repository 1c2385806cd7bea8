import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport

@Suite("WFDB annotations against wfdb-python rdann", .enabled(if: SharedData.isAvailable))
struct WFDBAnnotationTests {
    @Test("every field of every annotation", arguments: WFDBReference.annotationKeys)
    func annotations(key: String) throws {
        let expected = WFDBReference.shared.annotations.first { "\($0.record).\($0.extension)" == key }!
        let result = try WFDBAnnotationReader().read(SharedData.path("wfdb/" + key))
        let a = result.annotations
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        try #require(a.count == expected.sample.count)
        for i in a.indices {
            let want = Annotation(sample: expected.sample[i], symbol: expected.symbol[i], subtype: expected.subtype[i],
                                  channel: expected.chan[i], num: expected.num[i], aux: expected.aux[i])
            #expect(a[i] == want, "annotation \(i)")
            if a[i] != want { break }
        }
    }

    @Test("time resolution note gives the annotation frequency (03700181.gqrsh at 500 Hz)")
    func timeResolution() throws {
        #expect(try WFDBAnnotationReader().read(SharedData.path("wfdb/03700181.gqrsh")).frequency == 500)
        #expect(try WFDBAnnotationReader().read(SharedData.path("wfdb/100.atr")).frequency == nil)
    }

    /// A record whose `.atr` was cut short between two words was read without a word: `convert` trained, and `predict`
    /// predicted, on the beats annotated before the cut only (46 of record 100's 2,274 annotations for a cut at byte 100).
    @Test("an annotation file cut between two words is read with a warning", arguments: [100, 101])
    func cutBetweenWords(length: Int) throws {
        let folder = try WFDBTemp.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["100.hea", "100.dat", "100.atr"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/" + name), toPath: folder + "/" + name) }
        let whole = try WFDBReader().read(folder + "/100.hea")
        #expect(!whole.warnings.contains { $0.contains("end marker") }, "\(whole.warnings)")
        let bytes = try FileBytes.read(SharedData.path("wfdb/100.atr"))
        try FileManager.default.removeItem(atPath: folder + "/100.atr")
        _ = try WFDBTemp.write("100.atr", Array(bytes.prefix(length)), in: folder)
        let cut = try WFDBReader().read(folder + "/100.hea")
        #expect(cut.annotations.count > 0 && cut.annotations.count < whole.annotations.count)
        #expect(cut.warnings.contains("\(folder)/100.atr: does not end with the end marker (a zero word) after its \(cut.annotations.count) annotation(s): the file was cut short at byte \(length), and what it annotated after that is missing"),
                "\(cut.warnings)")
    }

    @Test("a truncated annotation file is a clear error")
    func truncated() throws {
        let bytes = try FileBytes.read(SharedData.path("wfdb/100.atr"))
        // Cut inside the AUX string of the first annotation (the rhythm label "(N").
        let path = try WFDBTemp.write("cut.atr", Array(bytes.prefix(5)))
        #expect(throws: MedPipeError.self) { try WFDBAnnotationReader().read(path) }
    }
}
