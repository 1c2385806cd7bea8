/// The rhythm features of one heartbeat (de Chazal et al. 2004): the RR intervals around it, in seconds,
/// and their ratios to the record's average, which tell a premature beat from a normal one whatever
/// the patient's heart rate.
///
/// With the beats (R-peaks) of a record at samples `r[0] < r[1] < … < r[n−1]` and `RR[j] = r[j] − r[j−1]`
/// (in seconds, `j ≥ 1`):
/// - `pre` = `RR[i]`, the interval before beat `i`; `post` = `RR[i+1]`, the one after it. A record's
///   first beat has no `pre` and its last no `post`: the record average stands in for them.
/// - `local` = the mean of the (up to) 10 intervals `RR[i−4] … RR[i+5]` that exist, centred on the beat.
/// - `average` = the mean of all the record's intervals, `(r[n−1] − r[0]) / (n − 1)`.
///
/// ``values`` lists what a beat window carries as extra channels, in the order of ``names``: only ratios,
/// free of the patient's heart rate — the intervals relative to the record's average, and the beat's
/// prematurity relative to its local rhythm. (Intervals in seconds let a model learn each training
/// patient's rate: in leave-records-out folds of DS1 they cut the sensitivity to S beats of a fast
/// record, 209, from 0.65 to 0.02 in a logistic regression on these features.)
public struct RRFeatures: Sendable, Equatable {
    public var pre: Double
    public var post: Double
    public var local: Double
    public var average: Double

    /// Names of ``values``, in order.
    public static let names = ["rr_pre/average", "rr_post/average", "rr_local/average", "rr_pre/local", "rr_post/local"]

    /// The features as channel values, in the order of ``names``.
    public var values: [Double] {
        [pre / average, post / average, local / average, pre / local, post / local]
    }

    /// Intervals on each side of a beat that the local average takes (4 before its own `pre`, 5 from its `post` on).
    static let localBefore = 4, localAfter = 5

    /// The features of every beat of a record, from its R-peak samples (strictly increasing) and its
    /// sampling frequency; nil when the record has fewer than two beats (no interval at all).
    public static func record(peaks: [Int], frequency: Double) -> [RRFeatures]? {
        let n = peaks.count
        guard n >= 2, frequency > 0 else { return nil }
        // rr[j] for j in 1..<n; rr[0] unused. Prefix sums make each local mean O(1).
        var rr = [Double](repeating: 0, count: n), prefix = [Double](repeating: 0, count: n)
        for j in 1..<n {
            rr[j] = Double(peaks[j] - peaks[j - 1]) / frequency
            prefix[j] = prefix[j - 1] + rr[j]
        }
        let average = prefix[n - 1] / Double(n - 1)
        return (0..<n).map { i in
            let low = max(1, i - localBefore), high = min(n - 1, i + localAfter)
            let local = (prefix[high] - prefix[low - 1]) / Double(high - low + 1)
            return RRFeatures(pre: i >= 1 ? rr[i] : average, post: i + 1 < n ? rr[i + 1] : average,
                              local: local, average: average)
        }
    }
}
