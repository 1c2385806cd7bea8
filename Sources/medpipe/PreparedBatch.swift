import MedPipeCore
import MedPipeFormats
import MedPipeTrain

/// A batch of inputs already prepared for a model (`predict --npy`, `gradcam --npy`): float32, shaped
/// `(N,) + the model's input shape`, every value finite (a NaN or infinity would give outputs that mean nothing).
struct PreparedBatch {
    /// `(N,) + the model's input shape`.
    let shape: [Int]
    /// Row-major values, one sample after the other.
    let values: [Float]

    /// Reads and checks the `.npy` at `path` for `checkpoint`: its first `limit` samples, or all of them.
    /// - Throws: ``MedPipeError`` naming the file: another dtype or shape, no sample, or the first sample holding a value that is not finite.
    init(npy path: String, for checkpoint: Checkpoint, limit: Int? = nil) throws {
        let tensor = try NPYReader().read(path).tensor
        let expected = "float32 shaped (N, \(checkpoint.inputShape.map(String.init).joined(separator: ", ")))"
        guard tensor.dtype == .float32, tensor.shape.count == checkpoint.inputShape.count + 1,
              Array(tensor.shape.dropFirst()) == checkpoint.inputShape else {
            throw MedPipeError.invalidArgument(path, "must be \(expected) for this model; it is \(tensor.dtype.rawValue) \(tensor.shape)")
        }
        guard tensor.shape[0] > 0 else { throw MedPipeError.invalidArgument(path, "holds no sample (shape \(tensor.shape)): nothing to run the model on") }
        let size = max(checkpoint.inputShape.reduce(1, *), 1), count = min(tensor.shape[0], max(limit ?? .max, 0))
        let values = Array(tensor.values(as: Float.self).prefix(count * size))
        if let bad = NonFiniteSamples(in: values, sampleSize: size) {
            throw MedPipeError.invalidArgument(path, bad.described(first: "index \(bad.first) of the array"))
        }
        shape = [count] + checkpoint.inputShape
        self.values = values
    }
}
