/// Digital-to-physical conversion as wfdb-python's `dac`: `(d - baseline) / gain` in float64,
/// NaN where `d` equals the channel format's invalid-sample sentinel.
enum WFDBPhysical {
    /// Converts `signals` (row-major, `channels` columns) using per-column gains and baselines;
    /// returns float64 little-endian bytes, ready to be a ``Tensor``'s storage.
    static func convert(_ signals: WFDBDigitalSignals, gains: [Double], baselines: [Int]) -> [UInt8] {
        let columns = signals.channels
        let count = signals.frames * columns
        // Every element is written below, so the storage starts uninitialized.
        var out = [UInt8](unsafeUninitializedCapacity: count * 8) { _, initialized in initialized = count * 8 }
        let sentinels = signals.invalidSamples
        out.withUnsafeMutableBytes { raw in
            let p = raw.bindMemory(to: Double.self)
            signals.withValues { d in
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
