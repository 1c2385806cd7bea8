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
    /// The values are read from the file straight into ``values`` (``NPYReader/float32Rows(_:limit:)``), the first `limit` rows only.
    /// - Throws: ``MedPipeError`` naming the file: another dtype or shape, no sample, or the first sample holding a value that is not finite.
    init(npy path: String, for checkpoint: Checkpoint, limit: Int? = nil) throws {
        let (dtype, fileShape, all): (DType, [Int], [Float]?)
        if let rows = try NPYReader().float32Rows(path, limit: limit ?? .max) {
            (dtype, fileShape, all) = (.float32, rows.shape, rows.values)
        } else {
            let tensor = try NPYReader().read(path).tensor
            (dtype, fileShape, all) = (tensor.dtype, tensor.shape, tensor.dtype == .float32 ? tensor.values(as: Float.self) : nil)
        }
        let expected = "float32 shaped (N, \(checkpoint.inputShape.map(String.init).joined(separator: ", ")))"
        guard dtype == .float32, let all, fileShape.count == checkpoint.inputShape.count + 1, Array(fileShape.dropFirst()) == checkpoint.inputShape else {
            throw MedPipeError.invalidArgument(path, "must be \(expected) for this model; it is \(dtype.rawValue) \(fileShape)")
        }
        guard fileShape[0] > 0 else { throw MedPipeError.invalidArgument(path, "holds no sample (shape \(fileShape)): nothing to run the model on") }
        let size = max(checkpoint.inputShape.reduce(1, *), 1), count = min(fileShape[0], max(limit ?? .max, 0))
        let values = all.count == count * size ? all : Array(all.prefix(count * size))
        if let bad = NonFiniteSamples(in: values, sampleSize: size) {
            throw MedPipeError.invalidArgument(path, bad.described(first: "index \(bad.first) of the array"))
        }
        shape = [count] + checkpoint.inputShape
        self.values = values
    }
}
