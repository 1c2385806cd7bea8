import Foundation
import Testing
@testable import MedPipeDeidentify
import MedPipeFormats

@Suite("De-identification report")
struct ReportTests {
    @Test func jsonRoundTripsAndHoldsNoIdentifier() throws {
        var identifiers = IdentifierSet()
        identifiers.addName("Castellano^Mariana")
        identifiers.addID("MRN-7781234")
        identifiers.addUID("1.2.840.113619.2.55.3.2831178.77")
        let key = try ProjectKey(bytes: Array(repeating: 7, count: 32))
        let pseudonymizer = Pseudonymizer(key: key)
        var touched: [TouchedAttribute] = []
        for (tag, vr) in [(DICOMTag(0x0010, 0x0010), "PN"), (DICOMTag(0x0010, 0x0020), "LO"), (DICOMTag(0x0020, 0x000D), "UI"),
                          (DICOMTag(0x0019, 0x1010), "LO")] {
            let action = ActionResolver.action(for: tag, vr: vr, options: [.retainLongitudinalModifiedDates])
            touched.append(TouchedAttribute(tag: tag, keyword: ActionResolver.keyword(for: tag) ?? "private", action: action.name))
        }
        let source = pseudonymizer.token("/data/Castellano_Mariana/IM0001.dcm", domain: .source)
        let report = DeidentificationReport(
            options: [.retainLongitudinalModifiedDates, .retainPatientCharacteristics], keyFingerprint: key.fingerprint,
            files: [FileReport(source: source, output: "\(source).dcm", format: "dicom", attributes: touched)],
            withheld: [WithheldFile(source: pseudonymizer.token("us.dcm", domain: .source), reason: "burned-in annotation (US without Burned In Annotation)")],
            residual: ResidualScanResult(scanned: 2, identifiers: identifiers.count, hits: []))
        let data = try report.json()
        let json = try #require(String(data: data, encoding: .utf8))
        #expect(ResidualScanner(identifiers: identifiers).scan(json, location: "report").isEmpty)
        #expect(json.contains("\"(0010,0010)\"") && json.contains("\"pseudonymID\"") && json.contains("\"retainLongitudinalModifiedDates\""))
        #expect(json.contains("\"passed\" : true") && json.contains("\"profileEdition\" : \"2026d\""))
        let decoded = try JSONDecoder().decode(DeidentificationReport.self, from: data)
        #expect(decoded.files == report.files && decoded.withheld == report.withheld && decoded.residual == report.residual)
        #expect(decoded.options == report.options && decoded.keyFingerprint == key.fingerprint)
        #expect(decoded.files[0].attributes.map(\.action) == ["empty", "pseudonymID", "pseudonymUID", "remove"])
    }

    /// The report's JSON reads back as the same report (every field, absent optionals, empty and
    /// non-empty arrays, strings that need escaping), with sorted keys and unescaped slashes.
    @Test func jsonRoundTrips() throws {
        let report = DeidentificationReport(
            options: [.retainUIDs, .retainLongitudinalModifiedDates], keyFingerprint: "0123abcd",
            files: [FileReport(source: "P-one", output: "P-x/1.2.3.dcm", format: "dicom",
                               attributes: [TouchedAttribute(tag: DICOMTag(0x0010, 0x0010), keyword: "PatientName", action: "empty"),
                                            TouchedAttribute(keyword: "private attributes (3, creators included)", action: "remove")]),
                    FileReport(source: "P-two", output: nil, format: "csv", attributes: [])],
            withheld: [WithheldFile(source: "P-three", reason: "quote \" backslash \\ slash / tab \t newline \n cr \r \u{8}\u{C}\u{1}\u{1F}\u{7F} é 😀")],
            residual: ResidualScanResult(scanned: 12, identifiers: 3,
                                         hits: [ResidualHit(location: "P-x/1.2.3.dcm (0008,1030)", offset: 4, kind: .name, length: 7)]))
        var failed = report
        failed.failures = 2
        for candidate in [report, failed, DeidentificationReport(options: [], keyFingerprint: "")] {
            let data = try candidate.json()
            let decoded = try JSONDecoder().decode(DeidentificationReport.self, from: data)
            #expect(decoded.files == candidate.files && decoded.withheld == candidate.withheld)
            #expect(decoded.residual == candidate.residual && decoded.failures == candidate.failures)
            #expect(decoded.options == candidate.options && decoded.keyFingerprint == candidate.keyFingerprint)
            let text = String(decoding: data, as: UTF8.self)
            let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
            #expect(keys == ["failures", "files", "keyFingerprint", "options", "profileEdition", "residual", "withheld"])
            #expect(!text.contains("\\/"))
        }
    }

    /// The files, encoded one at a time and set into the rest of the report, give the bytes `JSONEncoder` gives
    /// for the whole report in one piece (files with and without attributes or output, a newline in a text).
    @Test func jsonIsTheEncodersBytesForTheWholeReport() throws {
        let files = (0..<3).map { i in
            FileReport(source: "P-\(i)", output: i == 1 ? nil : "P-x/\(i).dcm", format: i == 2 ? "csv" : "dicom",
                       attributes: i == 1 ? [] : [TouchedAttribute(tag: DICOMTag(0x0010, 0x0010), keyword: "PatientName", action: "empty"),
                                                  TouchedAttribute(keyword: "line\nbreak", action: "remove")])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for count in 0...files.count {
            var report = DeidentificationReport(options: [.retainUIDs], keyFingerprint: "0123abcd", files: Array(files.prefix(count)),
                                                withheld: [WithheldFile(source: "P-w", reason: "skipped")],
                                                residual: ResidualScanResult(scanned: 4, identifiers: 2, hits: []))
            report.failures = count
            #expect(try report.json() == encoder.encode(report))
        }
    }
}
