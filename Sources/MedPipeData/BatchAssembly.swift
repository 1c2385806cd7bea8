import MedPipeCore

/// Changes one training sample in place (data augmentation): given the sample, the epoch and the
/// sample's position in that epoch's order, from which it draws its randomness.
public typealias SampleAugmenter = @Sendable (_ sample: UnsafeMutableBufferPointer<Float>, _ epoch: Int, _ position: Int) -> Void

/// What the batch sources share: checking a split's labels and plan, and augmenting a batch.
enum BatchAssembly {
    /// Throws unless every label is a class and every plan index a sample.
    static func check(_ split: DataSplit, labels: [Int], plan: [Int]?, classes: Int) throws {
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw MedPipeError.invalidArgument("\(split.rawValue) split", "label \(bad) outside 0..<\(classes)")
        }
        if let bad = plan?.first(where: { !labels.indices.contains($0) }) {
            throw MedPipeError.invalidArgument("\(split.rawValue) split", "plan index \(bad) outside 0..<\(labels.count)")
        }
    }

    /// Applies `augment` to each of the samples back to back in `inputs`, the first being at `first` in
    /// the epoch's order, on the layers' worker threads.
    static func augment(_ inputs: inout [Float], sampleSize: Int, with augment: SampleAugmenter, epoch: Int, first: Int) {
        let count = sampleSize > 0 ? inputs.count / sampleSize : 0
        inputs.withUnsafeMutableBufferPointer { all in
            guard let base = all.baseAddress else { return }
            Parallel.forRanges(count) { range in
                for k in range { augment(UnsafeMutableBufferPointer(start: base + k * sampleSize, count: sampleSize), epoch, first + k) }
            }
        }
    }
}
