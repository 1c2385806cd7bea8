import MedPipeCore

extension Classifier {
    /// The scores of a batch `[N, ...]` in evaluation mode, refused when one is not a finite number (weights that
    /// overflow on these inputs): a NaN made every probability NaN, and the predicted class the first.
    /// - Throws: `.malformed` naming `model`, the model's file.
    public mutating func scores(_ input: Activation, model: String) throws -> Activation {
        let logits = forward(input, training: false)
        try requireFiniteOutputs(logits, model: model)
        return logits
    }

    /// The scores of `input` `[N, ...]` as ``scores(_:model:)`` gives them, run `batch` samples at a time, so that the
    /// memory of the layers' outputs is that of one batch, whatever N (`predict --npy` of 20,000 digits took 6 GB).
    public mutating func scores(_ input: Activation, batchesOf batch: Int, model: String) throws -> Activation {
        let count = input.shape.first ?? 0, sample = Array(input.shape.dropFirst()), size = sample.reduce(1, *)
        guard count > batch else { return try scores(input, model: model) }
        var data: [Float] = [], classes = 0
        for start in stride(from: 0, to: count, by: batch) {
            let end = min(start + batch, count)
            let logits = try scores(Activation(shape: [end - start] + sample, data: Array(input.data[(start * size)..<(end * size)])), model: model)
            classes = logits.shape.last ?? 0
            data += logits.data
        }
        return Activation(shape: [count, classes], data: data)
    }
}

/// Fails unless every score of `logits` `[N, K]` is finite, naming `model` (the model's file) and how many samples gave another.
public func requireFiniteOutputs(_ logits: Activation, model: String) throws {
    guard logits.data.contains(where: { !$0.isFinite }) else { return }
    let k = max(logits.shape.last ?? 1, 1), n = logits.data.count / k
    let bad = (0..<n).count { row in logits.data[(row * k)..<((row + 1) * k)].contains { !$0.isFinite } }
    throw MedPipeError.malformed(model, "its outputs are not finite numbers (NaN or infinite) for \(bad) of \(n) samples: its weights overflow on these inputs, so its predictions mean nothing")
}
