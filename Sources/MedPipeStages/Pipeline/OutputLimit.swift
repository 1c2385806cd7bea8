import MedPipeCore

/// The most values one sample a stage makes may hold: 2^30 (4 GiB of float32). Sizes taken from a
/// file or a recipe that ask for more — a pixdim of 1e38, a sampling frequency of 1e-300, a resize
/// to a million rows — are an error naming the sample, not an allocation.
enum OutputLimit {
    static let maximumValues = 1 << 30

    /// Fails unless a tensor of `extents` (computed in floating point, so neither a huge nor a
    /// non-finite extent can trap) holds at most ``maximumValues`` values.
    static func check(_ extents: [Double], stage: String, source: SourceReference, _ what: @autoclosure () -> String) throws {
        let values = extents.reduce(1, *)
        guard extents.allSatisfy({ $0.isFinite && $0 >= 0 }), values <= Double(maximumValues) else {
            throw MedPipeError.malformed(stage, "\(source): \(what()) would make \(extents.map { abs($0) < 1e15 ? String(Int($0)) : String($0) }.joined(separator: " × ")) values, more than the \(maximumValues) a sample may hold")
        }
    }
}
