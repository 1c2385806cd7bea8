import MedPipeCache
import MedPipeCore
import MedPipeStages

/// A check of a whole cache at the end of `convert`: its signals sampled at several frequencies.
enum MixedFrequencies {
    /// Signals sampled at several frequencies in one cache: the same stages cut windows of other durations from each
    /// (a beat of 252 samples spans 0.7 s at 360 Hz and 1.0 s at 250 Hz), which a model cannot tell apart.
    static func warnings(_ entries: [CacheEntry]) -> [String] {
        var counts: [Double: Int] = [:]
        for entry in entries { if case .temporal(let frequency)? = entry.geometry { counts[frequency, default: 0] += 1 } }
        guard counts.count > 1 else { return [] }
        let list = counts.sorted { $0.key > $1.key }.map { "\(CanonicalParameters.format($0.key)) Hz: \($0.value)" }.joined(separator: ", ")
        return ["its signals are sampled at \(counts.count) frequencies (\(list) samples), so the same windows span other times in each: add a `resample-signal` stage before any window is cut"]
    }
}
