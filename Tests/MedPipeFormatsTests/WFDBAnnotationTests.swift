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

    @Test("a truncated annotation file is a clear error")
    func truncated() throws {
        let bytes = try FileBytes.read(SharedData.path("wfdb/100.atr"))
        // Cut inside the AUX string of the first annotation (the rhythm label "(N").
        let path = try WFDBTemp.write("cut.atr", Array(bytes.prefix(5)))
        #expect(throws: MedPipeError.self) { try WFDBAnnotationReader().read(path) }
    }
}
