import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// Writes signals `(samples, channels)` as WFDB records: `NAME.hea` and a format 16 `NAME.dat`.
///
/// Each channel gets its own ADC gain and baseline, `digital = round(value × gain + baseline)`:
/// integer data within ±32767 keep gain 1 and baseline 0 (exact); other data spread their range
/// over ±32000 levels, so a value comes back within `0.5 / gain`. The gain is recorded with six
/// significant digits and the digital values are computed with the recorded gain. NaN becomes
/// WFDB's invalid sample (−32768). The record name is the sample's pseudonymous file stem; the
/// header has the sampling frequency from the geometry, no base date or time and no comments.
/// Signal names and units come from the cache's `signalNames` / `units` when it carries them (``SignalUnits``: a
/// record's units, `NU` once normalized; `mV` when the cache has none); a name that is not a plain signal name (a cache
/// written before convert checked them) is written as a neutral name (``WFDBSignalName``), units not written with known
/// unit symbols as `NU` (``WFDBSignalUnits``). Digital values (a record's ADC values, which `convert` reads) carrying their
/// ADC scale (`gains`, `baselines`) are written as the physical values `(value − baseline) / gain` they stand for.
public struct WFDBExportWriter: SampleWriter {
    /// The largest digital magnitude the scaling uses (format 16 holds ±32767; −32768 is invalid).
    public static let digitalRange = 32000.0

    public init() {}

    /// The gain and baseline of one channel and the largest error of its values once written.
    public struct ChannelScale: Sendable, Equatable {
        public var gain: Double
        public var baseline: Int
        public var maximumError: Double
    }

    /// Gains, baselines and errors per channel of a written sample (for tests and the summary).
    public func scales(for tensor: Tensor) -> [ChannelScale] {
        let (samples, channels) = Self.layout(tensor.shape)
        let values = tensor.doubleValues()
        return (0..<channels).map { c in Self.scale(channel: c, values: values, samples: samples, channels: channels) }
    }

    public func write(_ sample: ExportSample, into directory: String) throws -> [String] {
        guard sample.kind == .signal, case .temporal(let frequency)? = sample.geometry else {
            throw MedPipeError.unsupported(sample.name, "WFDB export holds signals (samples, channels) with a sampling frequency, not a \(sample.kind?.description ?? "tensor") of shape \(sample.tensor.shape)")
        }
        guard frequency > 0, frequency.isFinite else {
            throw MedPipeError.invalidArgument(sample.name, "sampling frequency \(frequency) Hz cannot be written")
        }
        let name = sample.name
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw MedPipeError.invalidArgument(name, "a WFDB record name holds only letters, digits and underscores")
        }
        let (samples, channels) = Self.layout(sample.tensor.shape)
        let values = Self.physicalValues(sample, channels: channels)
        let scales = (0..<channels).map { Self.scale(channel: $0, values: values, samples: samples, channels: channels) }
        if let c = scales.firstIndex(where: { abs($0.baseline) > Int(Int32.max) }) {
            throw MedPipeError.unsupported(name, "channel \(c) has an offset too large for its range to be written with a 32-bit WFDB baseline")
        }
        let signalNames = Self.strings(sample.metadata["signalNames"], count: channels) ?? (0..<channels).map { "signal \($0)" }
        let units = Self.strings(sample.metadata["units"], count: channels)?.map { $0.isEmpty ? "mV" : WFDBSignalUnits.safe($0) }
            ?? Array(repeating: "mV", count: channels)

        var signal = [UInt8](repeating: 0, count: samples * channels * 2)
        var checksums = [Int](repeating: 0, count: channels), first = [Int](repeating: 0, count: channels)
        for s in 0..<samples {
            for c in 0..<channels {
                let v = values[s * channels + c]
                let digital = v.isNaN ? -32768 : Int(min(max((v * scales[c].gain + Double(scales[c].baseline)).rounded(), -32767), 32767))
                if s == 0 { first[c] = digital }
                checksums[c] &+= digital
                let bits = UInt16(bitPattern: Int16(digital))
                signal[2 * (s * channels + c)] = UInt8(bits & 0xFF)
                signal[2 * (s * channels + c) + 1] = UInt8(bits >> 8)
            }
        }
        var header = "\(name) \(channels) \(Self.number(frequency)) \(samples)\n"
        for c in 0..<channels {
            let checksum = Int(Int16(truncatingIfNeeded: checksums[c]))
            let description = WFDBSignalName.safe(signalNames[c], index: c)
            header += "\(name).dat 16 \(Self.gainText(scales[c].gain))(\(scales[c].baseline))/\(units[c]) 16 0 \(first[c]) \(checksum) 0 \(description)\n"
        }
        let headerPath = directory + "/" + name + ".hea", signalPath = directory + "/" + name + ".dat"
        try AtomicFile.write(signalPath, bytes: signal)
        try AtomicFile.write(headerPath, text: header)
        return [headerPath, signalPath]
    }

    static func layout(_ shape: [Int]) -> (samples: Int, channels: Int) {
        shape.count == 1 ? (shape[0], 1) : (shape[0], shape[1])
    }

    static func scale(channel c: Int, values: [Double], samples: Int, channels: Int) -> ChannelScale {
        var low = Double.infinity, high = -Double.infinity, integral = true
        for s in 0..<samples {
            let v = values[s * channels + c]
            guard v.isFinite else { continue }
            low = min(low, v)
            high = max(high, v)
            if integral, v.rounded() != v { integral = false }
        }
        guard low <= high else { return ChannelScale(gain: 1, baseline: 0, maximumError: 0) }
        if integral, low >= -32767, high <= 32767 { return ChannelScale(gain: 1, baseline: 0, maximumError: 0) }
        // high − low and high + low overflow for values near ±Double.greatestFiniteMagnitude: then the
        // halves are taken first.
        let span = high - low, sum = high + low
        let half = span.isFinite ? span / 2 : high / 2 - low / 2, center = sum.isFinite ? sum / 2 : high / 2 + low / 2
        // A gain beyond 10^±280 (values near the limits of Double, or spread over less than 10^-276)
        // is clamped: the record stays valid, and maximumError says what was lost.
        let gain = recordedGain(min(max(half > 0 ? digitalRange / half : digitalRange / max(abs(center), 1), 1e-280), 1e280))
        // A baseline beyond 32 bits is kept just beyond them, for `write` to refuse, not turned into a trap.
        let baseline = Int(min(max((-center * gain).rounded(), -Double(Int32.max) - 1), Double(Int32.max) + 1))
        var worst = 0.0
        for s in 0..<samples {
            let v = values[s * channels + c]
            guard v.isFinite else { continue }
            let digital = min(max((v * gain + Double(baseline)).rounded(), -32767), 32767)
            worst = max(worst, abs((digital - Double(baseline)) / gain - v))
        }
        return ChannelScale(gain: gain, baseline: baseline, maximumError: worst)
    }

    /// `gain` rounded down to six significant digits, as the header will say it.
    static func recordedGain(_ gain: Double) -> Double {
        let exponent = Int(floor(log10(gain)))
        let unit = pow(10, Double(exponent - 5))
        return Double(gainText(floor(gain / unit) * unit))!
    }

    /// A plain decimal (no exponent) with six significant digits, trailing zeros removed.
    static func gainText(_ gain: Double) -> String {
        let decimals = max(0, 5 - Int(floor(log10(gain))))
        var text = String(format: "%.\(decimals)f", gain)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private static func strings(_ value: MetadataValue?, count: Int) -> [String]? {
        guard case .strings(let items)? = value, items.count == count else { return nil }
        return items
    }

    /// The values of `sample`, digital ones converted with the ADC scale it carries (``SignalUnits/gainsKey``,
    /// ``SignalUnits/baselinesKey``) to the physical values they stand for.
    static func physicalValues(_ sample: ExportSample, channels: Int) -> [Double] {
        var values = sample.tensor.doubleValues()
        guard case .doubles(let gains)? = sample.metadata[SignalUnits.gainsKey], gains.count == channels,
              case .doubles(let baselines)? = sample.metadata[SignalUnits.baselinesKey], baselines.count == channels,
              gains.allSatisfy({ $0 != 0 && $0.isFinite }) else { return values }
        for i in values.indices { values[i] = (values[i] - baselines[i % channels]) / gains[i % channels] }
        return values
    }
}
