import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Heartbeats, windows and the AAMI mapping")
struct BeatTests {
    /// Record 100's real annotations (from wfdb-python) on a signal of its length.
    static func record100() throws -> (Sample, [String: Any]) {
        let reference = try Reference.load("stages_beats.json")
        let samples = Reference.ints(reference["samples"]), symbols = reference["symbols"] as! [String]
        let length = (reference["length"] as! NSNumber).intValue
        // Channel 0 holds the sample index, so a beat's content proves where it was cut.
        var values = [Int32](repeating: 0, count: length * 2)
        for i in 0..<length { values[2 * i] = Int32(i) }
        let sample = Sample(tensor: Tensor(shape: [length, 2], values: values), geometry: .temporal(frequency: 360),
                            group: "patient-100", source: SourceReference(record: "100"),
                            annotations: zip(samples, symbols).map { Annotation(sample: $0, symbol: $1) })
        return (sample, reference)
    }

    @Test("AAMI classes follow EC57 (de Chazal) and non-beats are not beats")
    func aami() {
        for (symbols, cls) in [("NLRej", AAMIClass.N), ("AaJS", .S), ("VE", .V), ("F", .F), ("/fQ", .Q)] {
            for s in symbols { #expect(AAMIClass(symbol: String(s)) == cls) }
        }
        for s in ["+", "~", "|", "x", "[", "]", "!", "\""] {
            #expect(AAMIClass(symbol: s) == nil)
            #expect(!AAMIClass.beatSymbols.contains(s))
        }
        #expect(AAMIClass(symbol: "r") == nil && AAMIClass.beatSymbols.contains("r"))
    }

    @Test("segmenting MIT-BIH 100 around R-peaks gives wfdb's class counts and drops edge beats")
    func segmentRecord100() throws {
        let (record, reference) = try Self.record100()
        let output = try BeatSegmentation(before: 250, after: 250).run(record)
        let counts = ClassCounts(labels: output.samples.map(\.label))
        let want = (reference["counts"] as! [String: Any]).mapValues { ($0 as! NSNumber).intValue }
        #expect(counts.counts == want)
        #expect(output.dropped["window leaves the record"] == (reference["dropped"] as! NSNumber).intValue)
        let first = try #require(output.samples.first)
        #expect(first.tensor.shape == [500, 2] && first.tensor.dtype == .int32 && first.group == "patient-100")
        guard case .int(let peak)? = first.metadata["r_peak"] else { Issue.record("no r_peak"); return }
        let channel0 = first.tensor.values(as: Int32.self)
        #expect(Int(channel0[0]) == peak - 250 && Int(channel0[2 * 250]) == peak)
        #expect(first.source.part == "beat")
    }

    /// A record without beat annotations (no `.atr` beside it, or only rhythm and noise marks) gives no beat: an error
    /// naming it, not an empty output that `convert` cached and `predict` printed as nothing, exit status 0.
    @Test func aRecordWithoutBeatAnnotationsIsAnError() throws {
        let signal = Tensor(shape: [1000, 1], values: [Float](repeating: 0, count: 1000))
        for marks in [[], [Annotation(sample: 10, symbol: "+"), Annotation(sample: 500, symbol: "~")]] {
            let record = Sample(tensor: signal, geometry: .temporal(frequency: 360), source: SourceReference(record: "119.hea"), annotations: marks)
            for stage in [try BeatSegmentation(), try BeatSegmentation(rr: true, template: true)] {
                let error = try #require(throws: MedPipeError.self) { try stage.run(record) }
                #expect(error.subject == "beats" && error.message.hasPrefix("119.hea: the record has no beat annotations"), "\(error)")
            }
        }
    }

    @Test("fixed windows with stride, incomplete tail dropped and counted")
    func windows() throws {
        let values = (0..<1000).map(Float.init)
        let sample = Sample(tensor: Tensor(shape: [1000, 1], values: values), geometry: .temporal(frequency: 100),
                            label: "x", source: SourceReference(record: "r"),
                            annotations: [Annotation(sample: 260, symbol: "N")])
        let output = try FixedWindows(length: 300, stride: 250).run(sample)
        #expect(output.samples.count == 3)  // starts 0, 250, 500; 750 would end at 1050
        #expect(output.samples.map { $0.tensor.floatValues()[0] } == [0, 250, 500])
        #expect(output.samples[0].annotations.map(\.sample) == [260] && output.samples[1].annotations.map(\.sample) == [10])
        #expect(output.dropped == ["incomplete final window": 1])
        #expect(output.samples.allSatisfy { $0.label == "x" && $0.tensor.shape == [300, 1] })
    }

    @Test("windows: a window holding an invalid sample (NaN) is dropped and counted; the others keep their positions")
    func windowsDropInvalidSamples() throws {
        var values = (0..<1000).map { Float($0) }
        values[420] = .nan  // in the windows starting at 250 (250..<550) only
        values[1] = .infinity  // in the window starting at 0
        let sample = Sample(tensor: Tensor(shape: [1000, 1], values: values), geometry: .temporal(frequency: 100),
                            label: "x", source: SourceReference(record: "r"))
        let output = try FixedWindows(length: 200, stride: 250).run(sample)
        #expect(output.samples.map { $0.tensor.floatValues()[0] } == [500, 750])
        #expect(output.samples.map(\.source.index) == [2, 3])
        #expect(output.dropped == [InvalidSamples.dropReason: 2])
    }
}
