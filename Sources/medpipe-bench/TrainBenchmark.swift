import MedPipeCore
import Foundation
import MedPipeData
import MedPipeTrain

/// `medpipe-bench train [--model mnist-cnn] [--samples 6400] [--batch 64] [--threads 2] [--json] [--profile]`:
/// times one training epoch of a built-in model on synthetic data (SGD with momentum, batch B) and the GEMM
/// backend's sgemm on this machine, on the same threads. Used by tools/bench/train.
enum TrainBenchmark {
    static let usage = "train [--model NAME] [--samples N] [--batch B] [--threads T] [--json] [--profile]"

    /// `arguments`: what follows `train`.
    static func run(_ arguments: [String]) throws {
        let options = Benchmarks.options(arguments, flags: ["json", "profile"], usage: usage)
        let name = options["model"] ?? "mnist-cnn"
        let samples = Int(options["samples"] ?? "6400") ?? 6400
        let batch = Int(options["batch"] ?? "64") ?? 64
        let threads = Int(options["threads"] ?? "2") ?? 2
        guard let builtin = BuiltinModel(rawValue: name) else { Benchmarks.fail(usage: usage) }
        BLAS.setThreads(threads)

        let input = builtin.defaultInputShape
        let classes = builtin.defaultClassCount
        var rng = SeededGenerator(seed: 1)
        let size = input.reduce(1, *)
        let data = (0..<(samples * size)).map { _ in rng.nextUnitFloat() }
        let labels = (0..<samples).map { $0 % classes }
        let source = try InMemoryBatchSource(sampleShape: input, classNames: (0..<classes).map(String.init),
                                             splits: [.train: .init(inputs: data, labels: labels)])
        let model = try builtin.make(seed: 1)
        let work = try flops(model, input: input)
        // Warm-up on a few batches, then one timed epoch.
        let warm = try InMemoryBatchSource(sampleShape: input, classNames: (0..<classes).map(String.init),
                                           splits: [.train: .init(inputs: Array(data.prefix(batch * 3 * size)), labels: Array(labels.prefix(batch * 3)))])
        let config = TrainingConfiguration(epochs: 1, batchSize: batch, seed: 1, optimizer: SGD(learningRate: 0.01, momentum: 0.9), threads: threads)
        _ = try Trainer(config).train(model, on: warm)
        let start = Date()
        _ = try Trainer(config).train(model, on: source)
        let seconds = Date().timeIntervalSince(start)
        let rate = Double(samples) / seconds
        let achieved = rate * work.training / 1e9
        let peak = sgemmGFLOPs(1024)
        if options["json"] != nil {
            print("{\"model\":\"\(name)\",\"samples\":\(samples),\"batch\":\(batch),\"threads\":\(threads),\"seconds\":\(seconds),\"samples_per_second\":\(rate),\"gflops\":\(achieved),\"sgemm_gflops\":\(peak),\"gemm\":\"\(BLAS.backend)\"}")
        } else {
            print(String(format: "medpipe %@: %d samples, batch %d, %d threads: %.2f s, %.0f samples/s, %.1f GFLOP/s (%@ sgemm 1024³: %.1f GFLOP/s)",
                         name, samples, batch, threads, seconds, rate, achieved, BLAS.backend, peak))
        }

        // --profile: seconds per layer for forward and backward over 10 training batches.
        if options["profile"] != nil {
            var layers = model.layers
            var fwd = [Double](repeating: 0, count: layers.count), bwd = fwd
            let x0 = Activation(shape: [batch] + input, data: Array(data.prefix(batch * size)))
            for _ in 0..<10 {
                var x = x0
                for i in layers.indices { let t = Date(); layers[i].forward(&x, training: true); fwd[i] += Date().timeIntervalSince(t) }
                var g = CrossEntropyLoss()(x, labels: Array(labels.prefix(batch))).gradient
                for i in layers.indices.reversed() { let t = Date(); layers[i].backward(&g, needsInputGradient: i > 0); bwd[i] += Date().timeIntervalSince(t) }
            }
            for i in layers.indices {
                print(String(format: "%2d %-18@ forward %7.2f ms  backward %7.2f ms", i, layers[i].spec.typeName, fwd[i] * 100, bwd[i] * 100))
            }
        }
    }

    /// Multiply-adds × 2 of one sample's forward pass through the convolutions and linear layers, and of
    /// training (forward + weight gradient + input gradient, no input gradient for the first layer).
    static func flops(_ model: Sequential, input: [Int]) throws -> (forward: Double, training: Double) {
        var shape = input, fwd = 0.0, train = 0.0
        for (i, layer) in model.layers.enumerated() {
            let out = try layer.outputShape(for: shape)
            var f = 0.0
            switch layer.spec {
            case let .convolution(rank, c, o, k, _, _):
                f = 2 * Double(o) * Double(c) * pow(Double(k), Double(rank)) * Double(out.dropFirst().reduce(1, *))
            case let .linear(i, o): f = 2 * Double(i) * Double(o)
            default: break
            }
            fwd += f
            train += f * (i == 0 ? 2 : 3)
            shape = out
        }
        return (fwd, train)
    }

    static func sgemmGFLOPs(_ n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<5 {
            let t = Date()
            BLAS.sgemm(transA: false, transB: false, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c, ldc: n)
            best = min(best, Date().timeIntervalSince(t))
        }
        return 2 * pow(Double(n), 3) / best / 1e9
    }
}
