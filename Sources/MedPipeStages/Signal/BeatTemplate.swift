/// A record's typical heartbeat: at every sample of the beat window and on every lead, the median over
/// all the record's beat windows. Most beats of a record are its patient's normal beats, so the
/// median is their shape; a beat seen beside it is seen relative to its own patient, which is what
/// carries over to patients a model never saw. No label is used.
enum BeatTemplate {
    /// The median window `(length, leads)`, row-major, of the windows starting at `starts` in a
    /// row-major signal `(samples, leads)`; every window must fit in the signal. Invalid samples
    /// (``InvalidSamples``) are left out of each median (0 where every window has one).
    static func median(signal: UnsafeBufferPointer<Float>, leads: Int, starts: [Int], length: Int) -> [Float] {
        var template = [Float](repeating: 0, count: length * leads)
        guard !starts.isEmpty else { return template }
        var column: [Float] = []
        column.reserveCapacity(starts.count)
        for i in 0..<length {
            for c in 0..<leads {
                column.removeAll(keepingCapacity: true)
                for start in starts where signal[(start + i) * leads + c].isFinite { column.append(signal[(start + i) * leads + c]) }
                guard !column.isEmpty else { continue }
                column.sort()
                let m = column.count / 2
                template[i * leads + c] = column.count % 2 == 1 ? column[m] : (column[m - 1] + column[m]) / 2
            }
        }
        return template
    }
}
