import MedPipeCore

/// How the signal stages read a sample's tensor: `(samples)` or `(samples, channels)`, that is `frames` rows of
/// `channels` values each (a 1D tensor is one channel).
struct SignalLayout {
    let frames: Int
    let channels: Int

    /// The layout of `sample`'s tensor.
    /// - Parameters:
    ///   - stage: the stage whose errors these are.
    ///   - channelAxis: only `(samples, channels)` will do (a stage that picks channels).
    ///   - nonEmpty: at least one sample.
    /// - Throws: ``MedPipeError`` naming `stage` and the sample, for any other shape.
    init(of sample: Sample, stage: String, channelAxis: Bool = false, nonEmpty: Bool = false) throws {
        let shape = sample.tensor.shape
        guard (channelAxis ? 2...2 : 1...2).contains(shape.count), !nonEmpty || shape[0] > 0 else {
            throw MedPipeError.invalidArgument(stage, "\(sample.source): needs a \(nonEmpty ? "non-empty " : "")signal (samples, channels), got shape \(shape)")
        }
        frames = shape[0]
        channels = shape.count == 2 ? shape[1] : 1
    }

    /// The bytes of one frame (a row of `channels` values) of `sample`'s tensor.
    func rowBytes(of sample: Sample) -> Int { channels * sample.tensor.dtype.size }

    /// The sampling frequency of `sample`, a signal with `.temporal` geometry.
    /// - Throws: ``MedPipeError`` naming `stage` and the sample when it has none (or not a positive one).
    static func frequency(of sample: Sample, stage: String) throws -> Double {
        guard case .temporal(let frequency) = sample.geometry, frequency > 0 else {
            throw MedPipeError.invalidArgument(stage, "\(sample.source): needs a signal with a sampling frequency, the sample has none")
        }
        return frequency
    }
}
