/// Digital-to-physical conversion as wfdb-python's `dac`: `(d - baseline) / gain` in float64,
/// NaN where `d` equals the channel format's invalid-sample sentinel.
enum WFDBPhysical {
    /// Converts `signals` (row-major, `channels` columns) using per-column gains and baselines.
    static func convert(_ signals: WFDBDigitalSignals, gains: [Double], baselines: [Int]) -> [Double] {
        let columns = signals.channels
        var out = [Double](repeating: 0, count: signals.values.count)
        let sentinels = signals.invalidSamples
        out.withUnsafeMutableBufferPointer { p in
            signals.values.withUnsafeBufferPointer { d in
                for c in 0..<columns {
                    let gain = gains[c], baseline = Double(baselines[c])
                    let hasSentinel = sentinels[c] != nil
                    let sentinel = sentinels[c] ?? 0
                    var i = c
                    while i < d.count {
                        let v = d[i]
                        p[i] = hasSentinel && v == sentinel ? .nan : (Double(v) - baseline) / gain
                        i += columns
                    }
                }
            }
        }
        return out
    }
}
