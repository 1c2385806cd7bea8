import MedPipeData

/// A batch of float32 values in PyTorch's layout: `[N, C, L]`, `[N, C, H, W]`, `[N, C, D, H, W]` or `[N, F]`,
/// row-major with the batch axis first. Layers read and write activations and their gradients in this form.
public struct Activation: Sendable, Equatable {
    /// Extent of each axis, batch first.
    public var shape: [Int]
    /// `shape.product` values, row-major.
    public var data: [Float]

    /// Wraps `data`; its count must fill `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(data.count == shape.reduce(1, *), "\(data.count) values do not fill shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// An activation of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of samples (the first axis).
    public var batchSize: Int { shape[0] }
    /// Shape of one sample (every axis after the first).
    public var sampleShape: [Int] { Array(shape.dropFirst()) }
    /// Values per sample.
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }
}

extension LabeledBatch {
    /// The inputs as an activation.
    public var activation: Activation { Activation(shape: shape, data: inputs) }
}

extension Array where Element == Float {
    /// An array of `count` floats whose contents `body` must fully write (no zero fill first).
    @inlinable
    static func uninitialized(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { body(buffer.baseAddress!) }
            initialized = count
        }
    }
}
