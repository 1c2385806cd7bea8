import Foundation
import MedPipeCore
import MedPipeTrain

/// `medpipe-bench conv --channels C --out O --size S [--padding P] [--batch 64] [--threads 2] [--repeat 20]`:
/// times one training batch of a 2D 3 × 3, stride-1 convolution (forward, weight gradient and input gradient,
/// each worker's samples in the layer's runs) through oneDNN's direct kernels and through Winograd's algorithm
/// (oneDNN's kernels on AVX-512, MedPipe's ``WinogradConvolution`` elsewhere), and prints the medians with the
/// kernels training takes for the shape. Used by tools/bench/conv.
enum ConvolutionBenchmark {
    static let usage = "conv --channels C --out O --size S [--padding P] [--batch B] [--threads T] [--repeat R]"

    static func run(_ arguments: [String]) throws {
        let options = Benchmarks.options(arguments, usage: usage)
        guard let c = options["channels"].flatMap(Int.init), let o = options["out"].flatMap(Int.init),
              let size = options["size"].flatMap(Int.init) else { Benchmarks.fail(usage: usage) }
        let padding = Int(options["padding"] ?? "0") ?? 0
        let batch = Int(options["batch"] ?? "64") ?? 64
        let threads = Int(options["threads"] ?? "2") ?? 2
        let repeats = Int(options["repeat"] ?? "20") ?? 20
        guard let g = ConvGeometry(rank: 2, sample: [c, size, size], kernel: 3, stride: 1, padding: padding) else { Benchmarks.fail(usage: usage) }
        BLAS.setThreads(threads)
        var rng = SeededGenerator(seed: 1)
        let x = (0..<(batch * g.inputSize)).map { _ in rng.nextUnitFloat() - 0.5 }
        let w = (0..<(o * g.rows)).map { _ in rng.nextUnitFloat() - 0.5 }, b = [Float](repeating: 0.1, count: o)
        let dy = (0..<(batch * o * g.positions)).map { _ in rng.nextUnitFloat() - 0.5 }
        var y = [Float](repeating: 0, count: dy.count), dx = x, dw = [Float](repeating: 0, count: threads * (w.count + o))
        var line = "Conv2d \(c)→\(o) \(size)×\(size) p\(padding) → \(g.outH)×\(g.outW), batch \(batch), \(threads) threads:"
        var winogradRuns = false
        for winograd in [false, true] {
            let primitives = ConvolutionPrimitives(rank: 2, outChannels: o, geometry: g, winograd: winograd)
            let runs = ConvolutionPrimitives.shares(of: batch)
            // oneDNN's Winograd kernels are AVX-512's: elsewhere training runs MedPipe's own.
            if winograd, !primitives.hasWinograd {
                let median = medpipeWinograd(g, outChannels: o, x: x, w: w, b: b, dy: dy, y: &y, dx: &dx, threads: threads, repeats: repeats)
                line += String(format: " winograd %.2f ms (MedPipe's F(4×4, 3×3))", median * 1e3)
                winogradRuns = true
                continue
            }
            guard [ConvolutionPrimitives.Kind.forward, .backwardData, .backwardWeights].allSatisfy({ primitives.usable($0, batches: runs) }) else {
                line += " \(winograd ? "winograd" : "direct") unavailable"
                continue
            }
            winogradRuns = winogradRuns || winograd
            var times: [Double] = []
            for _ in 0..<(repeats + 1) {
                let start = Date()
                x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in b.withUnsafeBufferPointer { bb in
                dy.withUnsafeBufferPointer { dyb in y.withUnsafeMutableBufferPointer { yb in dx.withUnsafeMutableBufferPointer { dxb in
                dw.withUnsafeMutableBufferPointer { dwb in
                    Parallel.forWorkers(batch) { worker, samples in
                        for run in ConvolutionPrimitives.runs(samples) {
                            let xs = xb.baseAddress! + run.lowerBound * g.inputSize, dys = dyb.baseAddress! + run.lowerBound * o * g.positions
                            primitives.forward(batch: run.count, x: xs, w: wb.baseAddress!, b: bb.baseAddress!, y: yb.baseAddress! + run.lowerBound * o * g.positions)
                            let dwWorker = dwb.baseAddress! + worker * (w.count + o)
                            primitives.backwardWeights(batch: run.count, x: xs, dy: dys, dw: dwWorker, db: dwWorker + w.count)
                            primitives.backwardData(batch: run.count, w: wb.baseAddress!, dy: dys, dx: dxb.baseAddress! + run.lowerBound * g.inputSize)
                        }
                    }
                }}}}}}}
                times.append(Date().timeIntervalSince(start))
            }
            let median = times.dropFirst().sorted()[repeats / 2]
            line += String(format: " %@ %.2f ms (%@ forward)", winograd ? "winograd" : "direct", median * 1e3,
                           primitives.implementation(.forward, batch: ConvolutionPrimitives.samplesPerRun) ?? "?")
        }
        let chosen = ConvolutionPrimitives.winogradPays(rank: 2, outChannels: o, geometry: g)
        print(line + "; training takes " + (chosen && winogradRuns ? "winograd" : chosen ? "direct (it asks for winograd)" : "direct"))
    }

    /// The median time of one training batch through ``WinogradConvolution`` as the layer runs it: forward over the
    /// batch, then backward.
    static func medpipeWinograd(_ g: ConvGeometry, outChannels o: Int, x: [Float], w: [Float], b: [Float], dy: [Float],
                                y: inout [Float], dx: inout [Float], threads: Int, repeats: Int) -> Double {
        let batch = x.count / g.inputSize
        let wino = WinogradConvolution(outChannels: o, geometry: g)
        var u = [Float](repeating: 0, count: wino.transformedWeightCount), dw = w, db = b, dy = dy
        var partials = [Float](repeating: 0, count: wino.partialCount(samples: batch))
        var scratch = [Float](repeating: 0, count: wino.scratchCount(samples: batch))
        var times: [Double] = []
        for _ in 0..<(repeats + 1) {
            let start = Date()
            x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in b.withUnsafeBufferPointer { bb in
            dy.withUnsafeMutableBufferPointer { dyb in y.withUnsafeMutableBufferPointer { yb in dx.withUnsafeMutableBufferPointer { dxb in
            dw.withUnsafeMutableBufferPointer { dwb in db.withUnsafeMutableBufferPointer { dbb in u.withUnsafeMutableBufferPointer { ub in
            partials.withUnsafeMutableBufferPointer { pb in scratch.withUnsafeMutableBufferPointer { sb in
                wino.forward(samples: batch, x: xb.baseAddress!, w: wb.baseAddress!, b: bb.baseAddress!, u: ub.baseAddress!,
                             y: yb.baseAddress!, rectifying: false, scratch: sb.baseAddress!)
                wino.backward(samples: batch, x: xb.baseAddress!, dy: dyb.baseAddress!, rectified: nil, u: ub.baseAddress!,
                              dw: dwb.baseAddress!, db: dbb.baseAddress!, dx: dxb.baseAddress!, partials: pb.baseAddress!, scratch: sb.baseAddress!)
            }}}}}}}}}}}
            times.append(Date().timeIntervalSince(start))
        }
        return times.dropFirst().sorted()[repeats / 2]
    }
}
