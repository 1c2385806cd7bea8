import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Signal filters against scipy")
struct SignalFilterTests {
    let reference: [String: Any]
    let input: [Double]
    let fs: Double

    init() throws {
        reference = try Reference.load("stages_filter.json")
        input = Reference.doubles(reference["input"])
        fs = Reference.double(reference["fs"])
    }

    var signal: Sample {
        Sample(tensor: Tensor(shape: [input.count, 1], values: input), geometry: .temporal(frequency: fs),
               source: SourceReference(record: "100"))
    }

    @Test("butter transfer functions equal scipy.signal.butter(output='ba')")
    func transferFunctions() throws {
        for case let entry as [String: Any] in reference["filters"] as! [Any] {
            let kind = Butterworth.Kind(rawValue: entry["kind"] as! String)!
            let order = (entry["order"] as! NSNumber).intValue
            let sections = try Butterworth.design(order: order, cutoffs: Reference.doubles(entry["cutoffs"]), kind: kind, sampleRate: fs)
            let (b, a) = Butterworth.transferFunction(sections)
            #expect(relativeError(b, Reference.doubles(entry["b"])) < 1e-9, "b of \(kind) order \(order)")
            #expect(relativeError(a, Reference.doubles(entry["a"])) < 1e-9, "a of \(kind) order \(order)")
            #expect(sections.count == (kind == .bandpass ? order : (order + 1) / 2))
        }
    }

    @Test("zero-phase filtering equals scipy.signal.sosfiltfilt on MIT-BIH 100 to 1e-6")
    func sosfiltfilt() throws {
        for case let entry as [String: Any] in reference["filters"] as! [Any] {
            let order = (entry["order"] as! NSNumber).intValue
            let cutoffs = Reference.doubles(entry["cutoffs"])
            let stage: AnyStage = switch entry["kind"] as! String {
            case "bandpass": .bandPass(try BandPass(low: cutoffs[0], high: cutoffs[1], order: order))
            case "highpass": .highPass(try HighPass(cutoff: cutoffs[0], order: order))
            default: .lowPass(try LowPass(cutoff: cutoffs[0], order: order))
            }
            let out = try stage.run(signal, fitted: nil).samples
            #expect(out.count == 1 && out[0].tensor.dtype == .float32 && out[0].tensor.shape == [input.count, 1])
            let error = relativeError(out[0].tensor.doubleValues(), Reference.doubles(entry["output"]))
            #expect(error < 1e-6, "\(stage.canonicalDescription): relative error \(error)")
        }
    }

    @Test("a signal shorter than scipy's padlen is a clear error")
    func tooShort() throws {
        let short = Sample(tensor: Tensor(shape: [10, 1], values: [Float](repeating: 1, count: 10)),
                           geometry: .temporal(frequency: 360), source: SourceReference(record: "short"))
        // Named as the stage's other errors: the stage, then the sample (it was `bandpass: short`, without the stage's name).
        let error = try #require(throws: MedPipeError.self) { try BandPass(low: 0.5, high: 40).apply(short) }
        #expect(error.subject == "bandpass" && error.message.hasPrefix("short: a signal of 10 samples is too short for this filter"), "\(error)")
        #expect(throws: MedPipeError.self) { try BandPass(low: 0.5, high: 200).apply(signal) }  // above Nyquist
    }

    /// A record sampled too slowly for a filter's cutoff (a multi-frequency record read at its frame rate, 62.47 Hz, for a
    /// model's 0.5–40 Hz band-pass) is told as such by the stage, naming the record's rate: it was the filter design's
    /// "butterworth: cutoffs [0.5, 40.0] Hz must be increasing and strictly between 0 and the Nyquist frequency".
    @Test func aSignalSampledTooSlowlyForTheCutoffIsToldSo() throws {
        let slow = Sample(tensor: Tensor(shape: [1000, 1], values: [Float](repeating: 1, count: 1000)),
                          geometry: .temporal(frequency: 62.5), source: SourceReference(record: "mixedsignals.hea"))
        #expect(throws: MedPipeError.invalidArgument("bandpass", "mixedsignals.hea: the signal is sampled at 62.5 Hz, too slowly for a cutoff at 40.0 Hz, which must lie below half the sampling frequency (31.25 Hz)")) {
            try BandPass(low: 0.5, high: 40).apply(slow)
        }
        #expect(throws: MedPipeError.invalidArgument("lowpass", "mixedsignals.hea: the signal is sampled at 62.5 Hz, too slowly for a cutoff at 31.25 Hz, which must lie below half the sampling frequency (31.25 Hz)")) {
            try LowPass(cutoff: 31.25).apply(slow)
        }
    }

    @Test("linear resampling to 250 Hz equals np.interp")
    func resample() throws {
        let entry = reference["resample"] as! [String: Any]
        let out = try SignalResample(frequency: 250).apply(signal)[0]
        let want = Reference.doubles(entry["output"])
        #expect(out.tensor.shape == [want.count, 1])
        #expect(out.geometry == .temporal(frequency: 250))
        #expect(relativeError(out.tensor.doubleValues(), want) < 1e-6)
    }

    @Test("per-lead z-score equals numpy (population std)")
    func leadZScore() throws {
        let both = Reference.doubles(reference["both_leads"])
        let sample = Sample(tensor: Tensor(shape: [both.count / 2, 2], values: both), geometry: .temporal(frequency: fs),
                            source: SourceReference(record: "100"))
        let out = try LeadZScore().apply(sample)[0]
        #expect(relativeError(out.tensor.doubleValues(), Reference.doubles(reference["lead_zscore"])) < 1e-6)
    }
}
