import MedPipeCache
import MedPipeCore
import MedPipeStages

/// A check of a whole cache at the end of `convert`: its signals' values on several scales (``SignalScale``).
enum MixedScales {
    /// Signals whose values stand for other voltages in one cache (other units, or digital values of other ADC gains
    /// or baselines) and that no stage normalized before the cache: a fitted statistic and a model take one number
    /// for one voltage.
    static func warnings(_ entries: [CacheEntry]) -> [String] {
        var counts: [SignalScale: Int] = [:]
        for entry in entries {
            if let scale = SignalScale(metadata: entry.metadata) { counts[scale, default: 0] += 1 }
        }
        guard counts.count > 1 else { return [] }
        // The most common first, then by name: the same words whatever the entries' order.
        let order = counts.keys.sorted { (counts[$0]!, $1.description) > (counts[$1]!, $0.description) }
        let list = order.prefix(3).map { "\($0): \(counts[$0]!)" }.joined(separator: "; ") + (order.count > 3 ? "; ..." : "")
        return ["its signals' values are on \(order.count) scales (\(list) samples), so one number stands for other voltages in each: normalize every record (`lead-zscore`) before any fitted stage, or convert records of one scale"]
    }
}
