import MedPipeCore

/// Invalid samples of a signal: values that are not finite, NaN where a WFDB record marks a lead that
/// was off (`ReadOptions.forStages`, which `convert` and `predict` read with). The stages keep them
/// from spreading:
/// - filters run over each gap on a straight line between the valid samples around it (a lead's first
///   or last valid value beyond its ends), then put NaN back where it was;
/// - `lead-zscore` computes each lead's mean and deviation over its valid samples;
/// - a record's median beat is taken over the valid values at each sample of the window;
/// - `beats` and `windows` drop a window holding one, counted under ``dropReason``;
/// - `resample-signal` gives NaN where it interpolates next to one.
public enum InvalidSamples {
    /// The count under which `beats` and `windows` report the windows they drop.
    public static let dropReason = "window holds invalid samples (NaN: a lead was off)"

    /// `x` (`(n, channels)`, row-major) with every run of non-finite values of a channel replaced by the straight
    /// line between the finite values around it (the nearest finite value beyond a channel's ends; 0 in a channel
    /// without any), or nil when every value is finite.
    static func bridged(_ x: UnsafeBufferPointer<Double>, samples n: Int, channels: Int) -> [Double]? {
        guard x.contains(where: { !$0.isFinite }) else { return nil }
        var out = Array(x)
        for c in 0..<channels {
            var lastValid: Int?
            var i = 0
            while i < n {
                guard !out[i * channels + c].isFinite else { lastValid = i; i += 1; continue }
                var end = i
                while end < n, !out[end * channels + c].isFinite { end += 1 }
                let left = lastValid.map { out[$0 * channels + c] }, right = end < n ? out[end * channels + c] : nil
                for k in i..<end {
                    switch (left, right) {
                    case let (a?, b?):
                        let t = Double(k - lastValid!) / Double(end - lastValid!)
                        out[k * channels + c] = a + t * (b - a)
                    case let (a?, nil): out[k * channels + c] = a
                    case let (nil, b?): out[k * channels + c] = b
                    case (nil, nil): out[k * channels + c] = 0
                    }
                }
                i = end
            }
        }
        return out
    }

    /// The rows of a signal `(samples[, channels])` that hold an invalid sample, or nil when it holds none
    /// (an integer signal never does).
    static func rows(of signal: Tensor) -> [Bool]? {
        guard signal.dtype.isFloatingPoint else { return nil }
        let width = signal.shape.count == 2 ? signal.shape[1] : 1
        let flags = signal.asFloat32().withUnsafeBufferPointer(as: Float.self) { x in
            (0..<signal.shape[0]).map { i in (0..<width).contains { !x[i * width + $0].isFinite } }
        }
        return flags.contains(true) ? flags : nil
    }

    /// A prefix count of `rows` (``rows(of:)``): `count[j]` rows of the first `j` hold an invalid sample, so
    /// rows `a..<b` hold one when `count[b] > count[a]`.
    static func prefixCounts(_ rows: [Bool]) -> [Int] {
        var counts = [0]
        counts.reserveCapacity(rows.count + 1)
        for flag in rows { counts.append(counts.last! + (flag ? 1 : 0)) }
        return counts
    }
}
