/// Digital-to-physical conversion as wfdb-python's `dac`: `(d - baseline) / gain` in float64,
/// NaN where `d` equals the channel format's invalid-sample sentinel.
struct WFDBPhysical {
    /// Per column: the gain, baseline and invalid-sample sentinel.
    let gains: [Double], baselines: [Int], sentinels: [Int32?]

    /// The conversion of `signals`, whose formats' sentinels are `sentinels`.
    init(_ signals: [WFDBHeader.Signal], sentinels: [Int32?]) {
        (gains, baselines, self.sentinels) = (signals.map(\.gain), signals.map(\.baseline), sentinels)
    }

    /// The digital values themselves as float64, NaN where a value is its column's sentinel
    /// (``ReadOptions/markInvalidSamples``).
    init(markingInvalid sentinels: [Int32?]) {
        (gains, baselines, self.sentinels) = (sentinels.map { _ in 1 }, sentinels.map { _ in 0 }, sentinels)
    }

    /// Whether some value of `d` (rows of one column per channel) is its column's sentinel.
    func anyInvalid(_ d: UnsafeBufferPointer<Int32>) -> Bool {
        let columns = sentinels.count
        for c in 0..<columns {
            guard let sentinel = sentinels[c] else { continue }
            var i = c
            while i < d.count {
                if d[i] == sentinel { return true }
                i += columns
            }
        }
        return false
    }

    /// Converts `signals` (row-major, one column per channel); returns float64 little-endian bytes, ready to be a
    /// ``Tensor``'s storage.
    func convert(_ signals: WFDBDigitalSignals) -> [UInt8] {
        let count = signals.frames * signals.channels
        // Every element is written, so the storage starts uninitialized.
        var out = [UInt8](unsafeUninitializedCapacity: count * 8) { _, initialized in initialized = count * 8 }
        out.withUnsafeMutableBytes { raw in
            signals.withValues { convert($0, into: raw.bindMemory(to: Double.self).baseAddress!) }
        }
        return out
    }

    /// Converts whole rows of digital values `d` (one column per channel) into `out`, `d.count` values.
    func convert(_ d: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Double>) {
        let columns = gains.count
        for c in 0..<columns {
            let gain = gains[c], baseline = Double(baselines[c])
            let hasSentinel = sentinels[c] != nil
            let sentinel = sentinels[c] ?? 0
            var i = c
            while i < d.count {
                let v = d[i]
                out[i] = hasSentinel && v == sentinel ? .nan : (Double(v) - baseline) / gain
                i += columns
            }
        }
    }
}
