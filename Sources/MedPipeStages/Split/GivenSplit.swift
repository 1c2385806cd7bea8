import MedPipeCore

/// A split given by the data: MedMNIST's own train/val/test arrays or a per-sample split column.
public enum GivenSplit {
    /// Parses one split name per sample (`train`, `val`/`validation`, `test`, …).
    /// - Throws: `.invalidArgument` naming the sample and the unknown value.
    public static func assign(_ values: [String]) throws -> SplitAssignment {
        SplitAssignment(splits: try values.enumerated().map { i, value in
            guard let split = SplitName(parsing: value) else {
                throw MedPipeError.invalidArgument("split", "sample \(i): unknown split '\(value)' (expected train, val or test)")
            }
            return split
        })
    }

    /// Reads each sample's split from metadata key `key` (e.g. `split`).
    public static func assign(_ samples: [Sample], key: String = "split") throws -> SplitAssignment {
        try assign(samples.enumerated().map { i, sample in
            guard let value = sample.metadata[key] else {
                throw MedPipeError.invalidArgument("split", "\(sample.source) (sample \(i)): no '\(key)' to take the split from")
            }
            return value.description
        })
    }
}
