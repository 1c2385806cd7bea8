import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

/// AAMI classes against wfdb-python's symbol table, and the rhythm (RR) features of DS1 records against
/// values computed with wfdb-python (tools/reference/ecg.py).
@Suite("AAMI classes and RR features")
struct RRFeatureTests {
    @Test("every symbol of wfdb's label table: a beat exactly when wfdb's is_qrs says so (not flutter waves), and its AAMI class")
    func aamiAgainstTheSymbolTable() throws {
        let reference = try Reference.load("ecg_symbols.json")
        let notBeats = Set(reference["not_beats"] as! [String])
        let rows = reference["symbols"] as! [[String: Any]]
        #expect(rows.count > 30, "wfdb's table has about 40 symbols, got \(rows.count)")
        for row in rows {
            let symbol = row["symbol"] as! String, isQRS = (row["is_qrs"] as! NSNumber).boolValue
            #expect(AAMIClass(symbol: symbol)?.rawValue == row["aami"] as? String, "\(symbol): \(row["description"]!)")
            #expect(AAMIClass.beatSymbols.contains(symbol) == (isQRS && !notBeats.contains(symbol)), "\(symbol): \(row["description"]!)")
        }
    }

    @Test("RR features of DS1 records 209 and 207 equal wfdb-python's, as constant channels after the leads", arguments: [0, 1])
    func rrFeaturesMatchWFDB(record: Int) throws {
        let reference = (try Reference.load("ecg_rr.json")["records"] as! [[String: Any]])[record]
        let samples = Reference.ints(reference["samples"]), symbols = reference["symbols"] as! [String]
        let length = (reference["length"] as! NSNumber).intValue, frequency = Reference.double(reference["fs"])
        let want = (reference["features"] as! [[Any]]).map(Reference.doubles)
        // One lead holding the sample index, so a window's content proves where it was cut.
        let signal = Sample(tensor: Tensor(shape: [length, 1], values: (0..<length).map { Int16(truncatingIfNeeded: $0) }),
                            geometry: .temporal(frequency: frequency), source: SourceReference(record: "r"),
                            annotations: zip(samples, symbols).map { Annotation(sample: $0, symbol: $1) })
        let output = try BeatSegmentation(before: 90, after: 110, labels: .symbol, rr: true).run(signal)
        #expect(output.samples.count + (output.dropped["window leaves the record"] ?? 0) == want.count)
        #expect(output.samples.count > want.count - 4)
        for beat in output.samples {
            let index = try #require(beat.source.index)
            #expect(beat.tensor.shape == [200, 6] && beat.tensor.dtype == .float32)
            #expect(beat.metadata[BeatSegmentation.rrChannelsKey] == .int(5))
            let values = beat.tensor.floatValues()
            guard case .int(let peak)? = beat.metadata["r_peak"] else { Issue.record("no r_peak"); return }
            #expect(values[90 * 6] == Float(Int16(truncatingIfNeeded: peak)))
            let (pre, post, local, average) = (want[index][0], want[index][1], want[index][2], want[index][3])
            let expected = [pre / average, post / average, local / average, pre / local, post / local]
            for row in [0, 199] {
                let got = (1...5).map { Double(values[row * 6 + $0]) }
                #expect(relativeError(got, expected) < 1e-6, "beat \(index) row \(row): \(got) against \(expected)")
            }
        }
    }

    @Test("lead-zscore normalizes the leads of a beat and keeps its RR channels")
    func leadZScoreKeepsRRChannels() throws {
        let annotations = [100, 400, 650, 1000].map { Annotation(sample: $0, symbol: "N") }
        let signal = Sample(tensor: Tensor(shape: [1200, 1], values: (0..<1200).map { Float($0 % 97) }),
                            geometry: .temporal(frequency: 100), source: SourceReference(record: "r"), annotations: annotations)
        let beats = try BeatSegmentation(before: 50, after: 50, rr: true).apply(signal)
        try #require(beats.count == 4)
        let beat = beats[1]
        let z = try #require(try LeadZScore().apply(beat).first).tensor.floatValues()
        let lead = stride(from: 0, to: z.count, by: 6).map { Double(z[$0]) }
        let mean = lead.reduce(0, +) / 100
        #expect(abs(mean) < 1e-5)
        let variance: Double = lead.map { (v: Double) -> Double in (v - mean) * (v - mean) }.reduce(0, +) / 100
        #expect(abs(variance - 1) < 1e-4)
        #expect(Array(z[1..<6]) == Array(beat.tensor.floatValues()[1..<6]))
        // The beat at 400: pre 3 s, post 2.5 s, local (3 + 2.5 + 3.5) / 3 = 3 s, record average 3 s.
        let ratios: [Double] = [1, 2.5 / 3, 1, 1, 2.5 / 3]
        #expect(Array(z[1..<6]) == ratios.map { Float($0) })
    }

    @Test("template: each beat carries the record's median beat after its lead, before the RR ratios")
    func templateIsTheMedianBeat() throws {
        // Beats at 100, 200, 300 share one shape; the beat at 400 is different (a "V" of another shape).
        var values = (0..<500).map { Float($0 % 100) }
        for i in 398..<403 { values[i] = 1000 }
        let signal = Sample(tensor: Tensor(shape: [500, 1], values: values), geometry: .temporal(frequency: 100),
                            source: SourceReference(record: "r"),
                            annotations: [100, 200, 300, 400].map { Annotation(sample: $0, symbol: "N") })
        let beats = try BeatSegmentation(before: 2, after: 3, rr: true, template: true).apply(signal)
        try #require(beats.count == 4)
        let last = beats[3].tensor.floatValues()
        #expect(beats[3].tensor.shape == [5, 7])
        #expect(stride(from: 0, to: 35, by: 7).map { last[$0] } == [1000, 1000, 1000, 1000, 1000])
        #expect(stride(from: 1, to: 35, by: 7).map { last[$0] } == [98, 99, 0, 1, 2], "the median of the four windows is the common shape")
        #expect(last[2] == 1 && beats[3].metadata[BeatSegmentation.rrChannelsKey] == .int(5))
        #expect(try BeatSegmentation(template: true).canonicalDescription.contains("template=true"))
    }
}
