import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

/// Spacings, frequencies and sizes read from files or recipes that a stage cannot use end in a
/// `MedPipeError` naming the stage and the sample, never in a trap or an unbounded allocation.
@Suite struct HostileSizeTests {
    func sample(_ shape: [Int], geometry: Geometry?) -> Sample {
        Sample(tensor: Tensor(shape: shape, values: [Float](repeating: 1, count: shape.reduce(1, *))), geometry: geometry,
               source: SourceReference(record: "hostile"))
    }

    /// True when `body` throws a MedPipeError of `stage` naming the sample `hostile`.
    func rejects(_ stage: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as MedPipeError {
            return error.subject == stage && error.message.hasPrefix("hostile")
        } catch {
            return false
        }
    }

    @Test("resample-spacing refuses NaN, infinite, zero and negative voxel sizes and outputs beyond 2^30 values")
    func resampleSpacing() throws {
        let stage = try ResampleSpacing(spacing: [1, 1, 1])
        for bad in [Double.nan, .infinity, -.infinity, 0, -2, 1e38, 1e9] {
            let geometry = Geometry.spatial(spacing: [1, 1, bad], affine: .scaling([1, 1, bad]))
            #expect(rejects(ResampleSpacing.name) { _ = try stage.run(sample([2, 3, 4], geometry: geometry)) }, "spacing \(bad)")
        }
        // 1024 × 1024 × 1024 values is the most a sample may hold; one more slice is too many.
        let atLimit = Geometry.spatial(spacing: [512, 512, 512], affine: .scaling([512, 512, 512]))
        #expect(try stage.outputExtents(SpatialLayout([2, 2, 2], stage: "t"), current: [512, 512, 512], source: SourceReference(record: "hostile")) == [1024, 1024, 1024])
        #expect(rejects(ResampleSpacing.name) { _ = try stage.run(sample([2, 2, 2, 2], geometry: atLimit)) })
    }

    @Test("resample-signal refuses a sampling frequency that makes more than 2^30 values")
    func resampleSignal() throws {
        let stage = try SignalResample(frequency: 360)
        #expect(rejects(SignalResample.name) { _ = try stage.run(sample([4, 1], geometry: .temporal(frequency: 1e-300))) })
        #expect(rejects(SignalResample.name) { _ = try stage.run(sample([1000, 2], geometry: .temporal(frequency: 1e-4))) })
        #expect(try stage.run(sample([4, 1], geometry: .temporal(frequency: 180))).samples[0].tensor.shape == [8, 1])
        // A target frequency so low that the signal keeps one sample was accepted (the run failed later, at the split);
        // below 360 / Double.greatestFiniteMagnitude the step was infinite and a one-sample signal trapped.
        #expect(rejects(SignalResample.name) { _ = try SignalResample(frequency: 1e-300).run(sample([4, 1], geometry: .temporal(frequency: 360))) })
        #expect(rejects(SignalResample.name) { _ = try SignalResample(frequency: 1e-310).run(sample([1, 1], geometry: .temporal(frequency: 360))) })
        #expect(try SignalResample(frequency: 1e-300).run(sample([1, 1], geometry: .temporal(frequency: 1e-300))).samples[0].tensor.shape == [1, 1])
    }

    @Test("resize and crop-or-pad refuse outputs beyond 2^30 values; resize refuses an empty image")
    func resizeAndCrop() throws {
        #expect(rejects(Resize.name) { _ = try Resize(rows: 1 << 20, columns: 1 << 20).run(sample([2, 2], geometry: nil)) })
        #expect(rejects(Resize.name) { _ = try Resize(rows: 4, columns: 4).run(sample([0, 3], geometry: nil)) })
        #expect(rejects(CropOrPad.name) { _ = try CropOrPad(shape: [1 << 16, 1 << 16]).run(sample([3, 2, 2], geometry: nil)) })
    }

    /// A stored pipeline (a checkpoint's `pipeline` metadata, a cache's manifest) was decoded without the stages' checks:
    /// `predict` with a checkpoint whose windows stage has length 0 trapped, and a CT window of width 0 made every input NaN.
    @Test("a stored pipeline is decoded through the stages' checks")
    func storedPipelines() throws {
        let refused = [
            #"{"ctWindow":{"_0":{"center":40,"width":0}}}"#, #"{"percentileClip":{"_0":{"lower":-50,"upper":500,"nonZeroOnly":false}}}"#,
            #"{"resampleSpacing":{"_0":{"spacing":[0,0]}}}"#, #"{"resize":{"_0":{"rows":0,"columns":28}}}"#,
            #"{"cropOrPad":{"_0":{"shape":[-3,28],"padValue":0}}}"#, #"{"slices":{"_0":{"axis":9,"skipConstant":false}}}"#,
            #"{"bandPass":{"_0":{"low":40,"high":0.5,"order":2}}}"#, #"{"highPass":{"_0":{"cutoff":0.5,"order":1000}}}"#,
            #"{"lowPass":{"_0":{"cutoff":-1,"order":4}}}"#, #"{"resampleSignal":{"_0":{"frequency":0}}}"#,
            #"{"windows":{"_0":{"length":0,"stride":0}}}"#, #"{"keepLabels":{"_0":{"labels":[]}}}"#, #"{"oneHot":{"_0":{"columns":[]}}}"#,
            #"{"replaceNonFinite":{"_0":{"value":1e308}}}"#,
        ]
        for stage in refused {
            #expect(throws: MedPipeError.self, "\(stage)") { try JSONDecoder().decode(StagePipeline.self, from: Data((#"{"stages":["# + stage + "]}").utf8)) }
        }
        let stored = StagePipeline([.ctWindow(try CTWindow(center: 40, width: 80)), .windows(try FixedWindows(length: 10, stride: 5)),
                                    .percentileClip(try PercentileClip(lower: 1, upper: 99, nonZeroOnly: true)), .highPass(try HighPass(cutoff: 0.5))])
        #expect(try JSONDecoder().decode(StagePipeline.self, from: JSONEncoder().encode(stored)) == stored)
    }

    @Test("windows and beats refuse lengths that overflow or make more than 2^30 values")
    func windowsAndBeats() throws {
        #expect(throws: MedPipeError.self) { try FixedWindows(length: 1, stride: Int.max) }
        #expect(throws: MedPipeError.self) { try BeatSegmentation(before: Int.max, after: 1) }
        #expect(rejects(FixedWindows.name) { _ = try FixedWindows(length: 1 << 20, stride: 1).run(sample([(1 << 20) + 2000, 1], geometry: nil)) })
        // Beats, like windows, hold at most 2^30 values in all: 4,096 beats of 2^19 samples, each within the limit, were 8 GiB.
        var beats = sample([1 << 20, 1], geometry: .temporal(frequency: 360))
        beats.annotations = (0..<4096).map { Annotation(sample: (1 << 18) + $0 * 64, symbol: "N") }
        #expect(rejects(BeatSegmentation.name) { _ = try BeatSegmentation(before: 1 << 18, after: 1 << 18, labels: .symbol).run(beats) })
        beats.annotations = Array(beats.annotations.prefix(2))
        #expect(try BeatSegmentation(before: 1 << 18, after: 1 << 18, labels: .symbol).run(beats).samples.count == 2)
    }

    /// Every signal stage takes `(samples)` or `(samples, channels)` the same way (``SignalLayout``): any other shape,
    /// an empty signal where a stage needs values, one axis where it picks channels, and no sampling frequency where
    /// it needs one are refused, naming the stage and the sample.
    @Test("the signal stages refuse what is not a signal, naming the stage and the sample")
    func signalLayout() throws {
        let volume = sample([4, 3, 2], geometry: .temporal(frequency: 360)), empty = sample([0, 2], geometry: .temporal(frequency: 360))
        let stages: [(String, (Sample) throws -> StageOutput, needs: String)] = [
            (FixedWindows.name, try FixedWindows(length: 2).run, "a signal"), (BeatSegmentation.name, try BeatSegmentation(labels: .symbol).run, "a signal"),
            (SelectLeads.name, try SelectLeads(leads: [0]).run, "a signal"), (LeadZScore.name, LeadZScore().run, "a non-empty signal"),
            (SignalResample.name, try SignalResample(frequency: 180).run, "a non-empty signal"), (HighPass.name, try HighPass(cutoff: 0.5).run, "a signal"),
        ]
        for (name, run, needs) in stages {
            #expect(throws: MedPipeError.invalidArgument(name, "hostile: needs \(needs) (samples, channels), got shape [4, 3, 2]")) { try run(volume) }
        }
        for (name, run) in [(LeadZScore.name, LeadZScore().run), (SignalResample.name, try SignalResample(frequency: 180).run)] {
            #expect(throws: MedPipeError.invalidArgument(name, "hostile: needs a non-empty signal (samples, channels), got shape [0, 2]")) { try run(empty) }
        }
        #expect(throws: MedPipeError.invalidArgument(SelectLeads.name, "hostile: needs a signal (samples, channels), got shape [5]")) {
            try SelectLeads(leads: [0]).run(sample([5], geometry: nil))
        }
        #expect(try FixedWindows(length: 2).run(sample([5], geometry: nil)).samples.map(\.tensor.shape) == [[2], [2]])
        for (name, run) in [(SignalResample.name, try SignalResample(frequency: 180).run), (HighPass.name, try HighPass(cutoff: 0.5).run)] {
            for geometry in [nil, Geometry.temporal(frequency: 0)] {
                #expect(throws: MedPipeError.invalidArgument(name, "hostile: needs a signal with a sampling frequency, the sample has none")) {
                    try run(sample([8, 1], geometry: geometry))
                }
            }
        }
    }

    /// 5,000 copies of lead 0 of MIT-BIH 100 (650,000 samples) made convert abort allocating 6.5 GB: a lead is kept once.
    @Test("leads refuses a lead given twice, so that a selection is never larger than the signal")
    func leadsGivenTwice() throws {
        #expect(throws: MedPipeError.invalidArgument(SelectLeads.name, "lead 0 is given twice")) { try SelectLeads(leads: [0, 1, 0]) }
        #expect(throws: MedPipeError.invalidArgument(SelectLeads.name, "lead MLII is given twice")) { try SelectLeads(names: ["MLII", "MLII"]) }
        #expect(throws: MedPipeError.self) { try JSONDecoder().decode(SelectLeads.self, from: Data(#"{"leads":[0,0],"names":[]}"#.utf8)) }
        #expect(try SelectLeads(leads: [1, 0]).run(sample([3, 2], geometry: nil)).samples[0].tensor.shape == [3, 2])
    }
}
