import MedPipeCore

/// Finds the R peaks of one ECG lead, for records without beat annotations.
///
/// The detection follows Pan and Tompkins (1985), offline and zero-phase: the lead is band-passed at
/// 5–15 Hz (where QRS energy lies), differentiated, squared and integrated over a centred 150 ms window.
/// The window's local maxima, at least 200 ms apart, are candidates. A candidate above an adaptive
/// threshold (a quarter of the way from the running noise-peak level to the running QRS-peak level) is
/// a QRS complex, unless it comes within 360 ms of the previous one with less than half its steepest
/// slope (a T wave). When no QRS complex has come for 1.66 average RR intervals, the largest candidate
/// in the gap above half the threshold is taken (search-back).
///
/// Each QRS complex is then placed on its R peak as annotators place it: the sample, within 75 ms of the
/// energy peak, farthest from the window's median in the lead band-passed at 1–40 Hz.
///
/// Invalid samples (NaN, as a WFDB reader gives for a lead that is off) are held at the last valid value,
/// so that they neither spread through the filters nor hide the rest of the record.
///
/// On MIT-BIH lead MLII, matched to the reference beats within 150 ms (ANSI/AAMI EC57), it finds more of
/// them, with fewer false detections, than wfdb-python's XQRS (`Tests/Reference/ecg_qrs.json`).
public enum QRSDetector {
    /// The lowest sampling frequency detected: the 1–40 Hz band of the placement needs a Nyquist
    /// frequency above 40 Hz.
    public static let minimumFrequency = 81.0
    /// The highest: windows are counted in samples, and no ECG is sampled faster.
    public static let maximumFrequency = 1_000_000.0

    /// The R-peak samples of `lead`, sampled at `frequency` Hz, in increasing order. `subject` names the
    /// signal in errors (too low a frequency, too short a signal for the filters).
    public static func peaks(_ lead: [Double], frequency fs: Double, subject: String) throws -> [Int] {
        guard fs.isFinite, fs >= minimumFrequency, fs <= maximumFrequency else {
            throw MedPipeError.invalidArgument(subject, "R-peak detection needs a sampling frequency between \(Int(minimumFrequency)) Hz and \(Int(maximumFrequency)) Hz, the signal has \(fs) Hz")
        }
        let lead = heldValid(lead)
        let qrsBand = try filtered(lead, band: [5, 15], frequency: fs, subject: subject)
        let slope = derivative(qrsBand, frequency: fs)
        let energy = movingAverage(slope.map { $0 * $0 }, width: samples(0.15, fs))
        let complexes = detect(energy: energy, slope: slope, frequency: fs)
        let display = try filtered(lead, band: [1, 40], frequency: fs, subject: subject)
        return place(complexes, in: display, halfWidth: samples(0.075, fs))
    }

    /// The lead with each non-finite sample replaced by the last finite one (by the first finite one
    /// before it; zeros when none is finite).
    static func heldValid(_ lead: [Double]) -> [Double] {
        var held = lead.first(where: \.isFinite) ?? 0
        return lead.map { value in
            if value.isFinite { held = value }
            return held
        }
    }

    /// `seconds` at `fs`, rounded, at least 1 sample.
    static func samples(_ seconds: Double, _ fs: Double) -> Int { max(1, Int((seconds * fs).rounded())) }

    /// The lead through a zero-phase order-2 Butterworth band-pass.
    static func filtered(_ lead: [Double], band: [Double], frequency: Double, subject: String) throws -> [Double] {
        let filter = ZeroPhaseFilter(sections: try Butterworth.design(order: 2, cutoffs: band, kind: .bandpass, sampleRate: frequency))
        var output = [Float](repeating: 0, count: lead.count)
        try lead.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer { out in
                try filter.filter(x, samples: lead.count, channels: 1, into: out, subject: "R-peak detection: \(subject)")
            }
        }
        return output.map(Double.init)
    }

    /// The five-point centred derivative (per second); zero at the two samples of each end.
    static func derivative(_ x: [Double], frequency: Double) -> [Double] {
        var d = [Double](repeating: 0, count: x.count)
        guard x.count >= 5 else { return d }
        for i in 2..<(x.count - 2) {
            d[i] = (2 * x[i + 2] + x[i + 1] - x[i - 1] - 2 * x[i - 2]) * frequency / 8
        }
        return d
    }

    /// The mean of `width` samples centred on each sample (the window clipped at the ends, divided by
    /// `width` throughout).
    static func movingAverage(_ x: [Double], width: Int) -> [Double] {
        var prefix = [Double](repeating: 0, count: x.count + 1)
        for i in x.indices { prefix[i + 1] = prefix[i] + x[i] }
        let half = width / 2
        return x.indices.map { i in
            let low = max(0, i - half), high = min(x.count, i - half + width)
            return (prefix[high] - prefix[low]) / Double(width)
        }
    }

    /// Local maxima of `y`, scanned in order: a maximum within `distance` of the last one kept replaces
    /// it when higher.
    static func candidates(_ y: [Double], distance: Int) -> [Int] {
        var kept: [Int] = []
        guard y.count >= 3 else { return kept }
        for i in 1..<(y.count - 1) where y[i] > y[i - 1] && y[i] >= y[i + 1] {
            if let last = kept.last, i - last < distance {
                if y[i] > y[last] { kept[kept.count - 1] = i }
            } else {
                kept.append(i)
            }
        }
        return kept
    }

    /// The QRS complexes among the energy's candidates (positions of energy peaks), by the adaptive
    /// thresholds, the T-wave test and the search-back.
    static func detect(energy: [Double], slope: [Double], frequency fs: Double) -> [Int] {
        let window = samples(0.15, fs), refractory = samples(0.2, fs), tWave = samples(0.36, fs)
        let candidates = candidates(energy, distance: refractory)
        let learning = energy.prefix(samples(2, fs))
        guard let learningMax = learning.max(), learningMax > 0 else { return [] }
        var signalLevel = learningMax / 3
        var noiseLevel = learning.reduce(0, +) / Double(learning.count) / 2
        var threshold: Double { noiseLevel + 0.25 * (signalLevel - noiseLevel) }
        func steepestSlope(_ p: Int) -> Double {
            let low = max(0, p - window), high = min(slope.count, p + window / 2 + 1)
            return slope[low..<high].lazy.map(abs).max() ?? 0
        }
        var complexes: [Int] = [], slopes: [Double] = [], intervals: [Int] = []
        func accept(_ p: Int) {
            if let last = complexes.last { intervals.append(p - last) }
            complexes.append(p)
            slopes.append(steepestSlope(p))
        }
        var firstUnaccepted = 0  // candidates before this index are at or before the last complex
        for (index, p) in candidates.enumerated() {
            let value = energy[p]
            // Search-back: a complex missed in a gap of more than 1.66 average RR intervals.
            if let last = complexes.last, !intervals.isEmpty {
                let recent = intervals.suffix(8)
                let average = Double(recent.reduce(0, +)) / Double(recent.count)
                if Double(p - last) > 1.66 * average {
                    let missed = candidates[firstUnaccepted..<index]
                        .filter { $0 >= last + tWave && energy[$0] > threshold / 2 }
                        .max { energy[$0] < energy[$1] }
                    if let missed {
                        accept(missed)
                        signalLevel = 0.25 * energy[missed] + 0.75 * signalLevel
                    }
                }
            }
            guard value > threshold else {
                noiseLevel = 0.125 * value + 0.875 * noiseLevel
                continue
            }
            if let last = complexes.last, p - last < tWave,
               p - last < refractory || steepestSlope(p) < 0.5 * slopes[slopes.count - 1] {
                noiseLevel = 0.125 * value + 0.875 * noiseLevel
                continue
            }
            accept(p)
            signalLevel = 0.125 * value + 0.875 * signalLevel
            firstUnaccepted = index + 1
        }
        return complexes
    }

    /// Each complex moved to the sample within `halfWidth` farthest from the window's median of `x`;
    /// complexes that land on one sample are kept once.
    static func place(_ complexes: [Int], in x: [Double], halfWidth: Int) -> [Int] {
        var peaks: [Int] = []
        for p in complexes {
            let low = max(0, p - halfWidth), high = min(x.count, p + halfWidth + 1)
            guard low < high else { continue }
            let window = x[low..<high]
            let median = window.sorted()[window.count / 2]
            let peak = window.indices.max { abs(x[$0] - median) < abs(x[$1] - median) }!
            if peak != peaks.last { peaks.append(peak) }
        }
        return peaks.sorted()
    }
}
