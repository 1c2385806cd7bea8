import Testing
import MedPipeCore
@testable import MedPipeStages

/// A signal of three leads in mV, mmHg and Ohm, digital values with their ADC scale.
private func digitalSignal() -> Sample {
    let values = (0..<300).map { (i: Int) -> Int32 in Int32(i % 7 * 10 + i % 3) }
    return Sample(tensor: Tensor(shape: [100, 3], values: values), geometry: .temporal(frequency: 100),
                  source: SourceReference(record: "r"),
                  metadata: ["signalNames": .strings(["MLII", "ABP", "Resp"]), SignalUnits.key: .strings(["mV", "mmHg", "Ohm"]),
                             SignalUnits.gainsKey: .doubles([200, 12.84, 4093]), SignalUnits.baselinesKey: .doubles([1024, -1605, 2])])
}

@Suite struct SignalUnitsTests {
    /// The units and ADC scale follow the leads chosen, in their order.
    @Test func leadsSelectTheirUnits() throws {
        let out = try #require(try SelectLeads(names: ["Resp", "MLII"]).run(digitalSignal()).samples.first)
        #expect(out.metadata[SignalUnits.key] == .strings(["Ohm", "mV"]))
        #expect(out.metadata[SignalUnits.gainsKey] == .doubles([4093, 200]))
        #expect(out.metadata[SignalUnits.baselinesKey] == .doubles([2, 1024]))
    }

    /// Every normalization makes the leads dimensionless (`NU`) and drops the ADC scale.
    @Test func normalizedLeadsAreDimensionless() throws {
        let stages: [any Stage] = [LeadZScore(), ZScore(), MinMax(), try CTWindow(center: 40, width: 80)]
        for stage in stages {
            let out = try #require(try stage.run(digitalSignal()).samples.first)
            #expect(out.metadata[SignalUnits.key] == .strings(["NU", "NU", "NU"]), "\(type(of: stage).name)")
            #expect(out.metadata[SignalUnits.gainsKey] == nil && out.metadata[SignalUnits.baselinesKey] == nil)
        }
        let fitted = try DatasetZScore().fit([digitalSignal()])
        let out = try DatasetZScore().apply(digitalSignal(), fitted: fitted)
        #expect(out.metadata[SignalUnits.key] == .strings(["NU", "NU", "NU"]))
    }

    /// Filters keep the units and gains; those that pass nothing at 0 Hz remove the digital offset.
    @Test func filtersKeepTheUnitsAndHighPassesRemoveTheOffset() throws {
        let low = try #require(try LowPass(cutoff: 10).run(digitalSignal()).samples.first)
        #expect(low.metadata == digitalSignal().metadata)
        let stages: [any Stage] = [try HighPass(cutoff: 1), try BandPass(low: 1, high: 10)]
        for stage in stages {
            let out = try #require(try stage.run(digitalSignal()).samples.first)
            #expect(out.metadata[SignalUnits.key] == .strings(["mV", "mmHg", "Ohm"]))
            #expect(out.metadata[SignalUnits.gainsKey] == .doubles([200, 12.84, 4093]))
            #expect(out.metadata[SignalUnits.baselinesKey] == .doubles([0, 0, 0]))
        }
    }
}

extension SignalUnitsTests {
    /// The channels a beat segmentation adds are described too: a lead's template in the lead's units and scale, the
    /// RR ratios dimensionless (they were counted with no units, and every channel of such a beat was exported as mV).
    @Test func beatChannelsAddedHaveTheirUnits() throws {
        var (record, _) = try BeatTests.record100()
        record.metadata = [SignalUnits.key: .strings(["mV", "mmHg"]), SignalUnits.gainsKey: .doubles([200, 12.84]),
                           SignalUnits.baselinesKey: .doubles([1024, -1605])]
        let beat = try #require(try BeatSegmentation(before: 90, after: 90, rr: true, template: true).run(record).samples.first)
        #expect(beat.tensor.shape == [180, 9])
        #expect(beat.metadata[SignalUnits.key] == .strings(["mV", "mmHg", "mV", "mmHg"] + Array(repeating: "NU", count: 5)))
        #expect(beat.metadata[SignalUnits.gainsKey] == .doubles([200, 12.84, 200, 12.84] + Array(repeating: 1, count: 5)))
        #expect(beat.metadata[SignalUnits.baselinesKey] == .doubles([1024, -1605, 1024, -1605] + Array(repeating: 0, count: 5)))
        let plain = try #require(try BeatSegmentation(before: 90, after: 90).run(record).samples.first)
        #expect(plain.metadata[SignalUnits.key] == .strings(["mV", "mmHg"]))
    }
}
