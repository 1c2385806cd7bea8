/// Group keys for a split by time blocks: each record's samples (in their order within the record)
/// are cut into `blocks` contiguous blocks of nearly equal size, and each block becomes a group.
///
/// This is the honest fallback when one patient holds all the data (MIT-BIH record 100): it is a
/// split *within* the patient — neighbouring beats stay together so a split never interleaves
/// them — not a patient-level split, and reports should say so.
public enum TimeBlocks {
    /// One group key per sample: `"<group> block <b>"`.
    public static func groups(_ samples: [Sample], blocks: Int) -> [String] {
        precondition(blocks >= 1, "at least one block")
        var byRecord: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() { byRecord[s.group ?? s.source.record, default: []].append(i) }
        var keys = [String](repeating: "", count: samples.count)
        for (record, indices) in byRecord {
            let ordered = indices.sorted { (samples[$0].source.index ?? $0, $0) < (samples[$1].source.index ?? $1, $1) }
            for (position, i) in ordered.enumerated() {
                // position × blocks / count, in full width: `blocks` comes from a recipe and may be any size.
                let block = ordered.count.dividingFullWidth(position.multipliedFullWidth(by: blocks)).quotient
                keys[i] = "\(record) block \(block)"
            }
        }
        return keys
    }
}
