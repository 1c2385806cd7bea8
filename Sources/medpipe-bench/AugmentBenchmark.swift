import Foundation
import MedPipeCore
import MedPipeData
import MedPipePipeline
import MedPipeTrain

/// `medpipe-bench augment --augment RECIPE|FILE.yaml [--model medmnist-cnn] [--samples 798] [--batch 32] [--threads 2] [--runs 5]`:
/// the throughput cost of data augmentation: training epochs of a built-in model on the same synthetic data,
/// alternately without and with the transforms (applied by the batch source on the worker threads), and the
/// median samples per second of each. Used by tools/bench/augment.
enum AugmentBenchmark {
    static let usage = "augment --augment RECIPE|FILE.yaml [--model NAME] [--samples N] [--batch B] [--threads T] [--runs R]"

    static func run(_ arguments: [String]) throws {
        let options = Benchmarks.options(arguments, usage: usage)
        guard let path = options["augment"], let builtin = BuiltinModel(rawValue: options["model"] ?? "medmnist-cnn") else {
            Benchmarks.fail(usage: usage)
        }
        let samples = Int(options["samples"] ?? "798") ?? 798, batch = Int(options["batch"] ?? "32") ?? 32
        let threads = Int(options["threads"] ?? "2") ?? 2, runs = Int(options["runs"] ?? "5") ?? 5
        BLAS.setThreads(threads)
        let input = builtin.defaultInputShape, classes = builtin.defaultClassCount
        let augmentation = try AugmentSpec.load(path)
        try augmentation.validate(for: input, subject: path)
        var rng = SeededGenerator(seed: 1)
        let data = (0..<(samples * input.reduce(1, *))).map { _ in rng.nextUnitFloat() }
        let split = InMemoryBatchSource.Split(inputs: data, labels: (0..<samples).map { $0 % classes })
        let names = (0..<classes).map(String.init)
        let plain = try InMemoryBatchSource(sampleShape: input, classNames: names, splits: [.train: split])
        let augmented = try InMemoryBatchSource(sampleShape: input, classNames: names, splits: [.train: split], augment: { sample, epoch, position in
            augmentation.apply(sample, shape: input, seed: 1, epoch: epoch, position: position)
        })
        let config = TrainingConfiguration(epochs: 1, batchSize: batch, seed: 1, optimizer: Adam(), threads: threads)
        let model = try builtin.make(seed: 1)
        func rate(_ source: InMemoryBatchSource) throws -> Double {
            let start = Date()
            _ = try Trainer(config).train(model, on: source)
            return Double(samples) / Date().timeIntervalSince(start)
        }
        _ = try rate(plain)
        var without: [Double] = [], with: [Double] = []
        for _ in 0..<runs {
            without.append(try rate(plain))
            with.append(try rate(augmented))
        }
        // The transforms alone, on one thread: every sample of one epoch, five times.
        var copy = data
        let size = input.reduce(1, *)
        let start = Date()
        for epoch in 0..<5 {
            copy.withUnsafeMutableBufferPointer { all in
                for i in 0..<samples {
                    augmentation.apply(UnsafeMutableBufferPointer(rebasing: all[(i * size)..<((i + 1) * size)]), shape: input, seed: 1, epoch: epoch, position: i)
                }
            }
        }
        let perSample = Date().timeIntervalSince(start) / Double(5 * samples)
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let (a, b) = (median(without), median(with))
        print(String(format: "%@, %d samples, batch %d, %d threads, %d runs each: without augmentation %.0f samples/s, with %.0f (%@: %@), cost %.1f%%; the transforms alone %.1f µs per sample on one thread",
                     builtin.rawValue, samples, batch, threads, runs, a, b, path, augmentation.transforms.map(\.name).joined(separator: ", "), (1 - b / a) * 100, perSample * 1e6))
    }
}
