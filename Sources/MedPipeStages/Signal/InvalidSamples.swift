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

    /// Which rows of a signal `(samples[, channels])` hold an invalid sample, asked of whole ranges of rows at once.
    struct Rows {
        /// `counts[j]`: how many of the first `j` rows hold one.
        private let counts: [Int]

        /// The rows of `signal`, or nil when it holds no invalid sample (an integer signal never does).
        init?(of signal: Tensor) {
            guard signal.dtype.isFloatingPoint, signal.nonFiniteCount > 0 else { return nil }
            let width = signal.shape.count == 2 ? signal.shape[1] : 1
            var counts = [0]
            counts.reserveCapacity(signal.shape[0] + 1)
            signal.asFloat32().withUnsafeBufferPointer(as: Float.self) { x in
                for i in 0..<signal.shape[0] {
                    counts.append(counts.last! + ((0..<width).contains { !x[i * width + $0].isFinite } ? 1 : 0))
                }
            }
            self.counts = counts
        }

        /// Whether a row of `rows` holds an invalid sample.
        func any(in rows: Range<Int>) -> Bool { counts[rows.upperBound] > counts[rows.lowerBound] }
    }
}
