import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

/// Convolutions through oneDNN's primitives (where oneDNN is the backend, as tools/setup installs it): the course
/// models' shapes get oneDNN's direct kernels, and a layer's output and its input, weight and bias gradients match
/// the convolution's definition in double precision, for every rank, strides whose last window leaves input
/// unused, batches split over workers into runs of unequal length, and channel counts the primitives block by 16
/// or not. Results are the same bytes from run to run.
@Suite(.serialized) struct ConvolutionPrimitivesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var rank: Int, batch: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, spatial: [Int]
        /// The kinds that must run through a primitive where oneDNN is the backend and the CPU has AVX-512.
        var direct: [ConvolutionPrimitives.Kind] = [.forward, .backwardData, .backwardWeights]
        /// Those of `direct` that must where the CPU has AVX2 but not AVX-512 (nil: all of them); oneDNN's AVX2 kernels
        /// cover fewer shapes (on a first-generation AMD EPYC: not Conv1d k15's forward, nor Conv3d's weight gradient).
        var directOnAVX2: [ConvolutionPrimitives.Kind]? = nil
        var testDescription: String { "Conv\(rank)d \(inChannels)→\(outChannels) k\(kernel) s\(stride) p\(padding) on \(batch)×\(spatial)" }
    }

    static let cases: [Case] = [
        Case(rank: 2, batch: 11, inChannels: 32, outChannels: 64, kernel: 3, stride: 1, padding: 0, spatial: [12, 10]),  // mnist-cnn's second
        // Outputs of 14 × 12 and 12 × 12: training takes Winograd's kernels (fer-cnn's second and third are of this kind).
        Case(rank: 2, batch: 9, inChannels: 32, outChannels: 64, kernel: 3, stride: 1, padding: 0, spatial: [16, 14]),
        Case(rank: 2, batch: 6, inChannels: 64, outChannels: 32, kernel: 3, stride: 1, padding: 1, spatial: [12, 12]),
        Case(rank: 2, batch: 5, inChannels: 1, outChannels: 32, kernel: 3, stride: 1, padding: 0, spatial: [9, 11]),     // mnist-cnn's first
        Case(rank: 2, batch: 6, inChannels: 16, outChannels: 16, kernel: 3, stride: 2, padding: 1, spatial: [8, 7]),     // the last window overhangs less
        // ecg-cnn's second: oneDNN computes Conv1d's weight gradient by its own im2col + GEMM, left to MedPipe's.
        Case(rank: 1, batch: 7, inChannels: 32, outChannels: 64, kernel: 15, stride: 1, padding: 7, spatial: [40], direct: [.forward, .backwardData],
             directOnAVX2: [.backwardData]),
        Case(rank: 3, batch: 3, inChannels: 16, outChannels: 32, kernel: 3, stride: 1, padding: 1, spatial: [5, 4, 6],  // cnn3d-like
             directOnAVX2: [.forward, .backwardData]),
        Case(rank: 2, batch: 3, inChannels: 3, outChannels: 5, kernel: 2, stride: 2, padding: 1, spatial: [5, 6], direct: []),  // unblocked channels
    ]

    /// This CPU's feature flags, as /proc/cpuinfo lists them.
    static let cpuFlags: Set<String> = Set((try? procFileText("/proc/cpuinfo"))?
        .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
    /// Whether this CPU has the AVX-512 subsets of oneDNN's avx512_core kernels, its Winograd kernels among them.
    static let hasAVX512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpuFlags.contains)

    /// The kinds of `c` that must have a JIT primitive on this CPU: none below AVX2, where only the definition is checked.
    static func required(_ c: Case) -> [ConvolutionPrimitives.Kind] {
        hasAVX512 ? c.direct : cpuFlags.contains("avx2") ? c.directOnAVX2 ?? c.direct : []
    }

    /// Output, input gradient, weight gradient and bias gradient by the definition, for the upstream gradient `dy`.
    static func definition(_ c: Case, x: [Float], w: [Float], b: [Float], dy: [Float]) -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
        let g = ConvGeometry(rank: c.rank, sample: [c.inChannels] + c.spatial, kernel: c.kernel, stride: c.stride, padding: c.padding)!
        let o = c.outChannels, p = g.positions, taps = g.kD * g.kH * g.kW
        var y = [Double](repeating: 0, count: c.batch * o * p), dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: o)
        for n in 0..<c.batch { for oc in 0..<o {
            for z in 0..<g.outD { for yy in 0..<g.outH { for xx in 0..<g.outW {
                let out = (n * o + oc) * p + (z * g.outH + yy) * g.outW + xx
                var sum = Double(b[oc])
                db[oc] += Double(dy[out])
                for ic in 0..<g.channels { for a in 0..<g.kD { for bb in 0..<g.kH { for e in 0..<g.kW {
                    let iz = z * g.sD - g.pD + a, iy = yy * g.sH - g.pH + bb, ix = xx * g.sW - g.pW + e
                    guard (0..<g.inD).contains(iz), (0..<g.inH).contains(iy), (0..<g.inW).contains(ix) else { continue }
                    let input = n * g.inputSize + ic * g.plane + (iz * g.inH + iy) * g.inW + ix
                    let weight = (oc * g.channels + ic) * taps + (a * g.kH + bb) * g.kW + e
                    sum += Double(w[weight]) * Double(x[input])
                    dx[input] += Double(w[weight]) * Double(dy[out])
                    dw[weight] += Double(x[input]) * Double(dy[out])
                }}}}
                y[out] = sum
            }}}
        }}
        return (y, dx, dw, db)
    }

    static func worstRelative(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(1, b.map(abs).max() ?? 1)
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    /// The layer's forward and backward on seeded inputs.
    static func run(_ c: Case, threads: Int) -> (layer: Convolution, x: [Float], dy: [Float], y: [Float], dx: [Float]) {
        withWorkerThreads(threads) { run(c) }
    }

    private static func run(_ c: Case) -> (layer: Convolution, x: [Float], dy: [Float], y: [Float], dx: [Float]) {
        var rng = SeededGenerator(seed: 17)
        var layer = Convolution(rank: c.rank, inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel,
                                stride: c.stride, padding: c.padding, rng: &rng)
        let x = (0..<(c.batch * c.inChannels * c.spatial.reduce(1, *))).map { _ in rng.nextUnitFloat() - 0.5 }
        var activation = Activation(shape: [c.batch, c.inChannels] + c.spatial, data: x)
        layer.forward(&activation, training: true)
        let dy = (0..<activation.data.count).map { _ in rng.nextUnitFloat() - 0.5 }
        var gradient = Activation(shape: activation.shape, data: dy)
        layer.backward(&gradient, needsInputGradient: true)
        return (layer, x, dy, activation.data, gradient.data)
    }

    @Test(arguments: cases)
    func layerMatchesTheDefinition(_ c: Case) throws {
        let primitives = ConvolutionPrimitives(rank: c.rank, outChannels: c.outChannels,
                                               geometry: ConvGeometry(rank: c.rank, sample: [c.inChannels] + c.spatial, kernel: c.kernel,
                                                                      stride: c.stride, padding: c.padding)!)
        let winograd = ConvolutionPrimitives.winogradPays(rank: c.rank, outChannels: c.outChannels, geometry: primitives.geometry)
        for kind in Self.required(c) where BLAS.backend == "onednn" {
            let name = primitives.implementation(kind, batch: ConvolutionPrimitives.samplesPerRun)
            #expect(name?.hasPrefix("jit") == true, "\(kind): \(name ?? "no primitive")")
            // oneDNN's Winograd kernels are AVX-512's; elsewhere training runs the direct ones.
            guard winograd, Self.hasAVX512 else { continue }
            let trained = ConvolutionPrimitives(rank: c.rank, outChannels: c.outChannels, geometry: primitives.geometry, winograd: true)
                .implementation(kind, batch: ConvolutionPrimitives.samplesPerRun)
            #expect(trained?.hasPrefix("jit_wino") == true, "\(kind) in training: \(trained ?? "no primitive")")
        }
        for threads in [1, 2] {
            let (layer, x, dy, y, dx) = Self.run(c, threads: threads)
            let expected = Self.definition(c, x: x, w: layer.weight.value, b: layer.bias.value, dy: dy)
            #expect(Self.worstRelative(y, expected.y) < 1e-5, "output, \(threads) threads")
            #expect(Self.worstRelative(dx, expected.dx) < 1e-5, "input gradient, \(threads) threads")
            #expect(Self.worstRelative(layer.weight.gradient, expected.dw) < 1e-5, "weight gradient, \(threads) threads")
            #expect(Self.worstRelative(layer.bias.gradient, expected.db) < 1e-5, "bias gradient, \(threads) threads")

            let again = Self.run(c, threads: threads)
            #expect(again.y == y && again.dx == dx && again.layer.weight.gradient == layer.weight.gradient
                    && again.layer.bias.gradient == layer.bias.gradient, "not the same bytes twice, \(threads) threads")
        }
    }

    /// Training takes Winograd's kernels for the course models' wide 3 × 3 convolutions only (oneDNN's where it has
    /// them, MedPipe's ``WinogradConvolution`` elsewhere), and evaluation never: its outputs are the direct kernels'
    /// bytes, as before training used Winograd.
    @Test func onlyTrainingTakesWinogradWhereItPays() throws {
        func choices(_ model: BuiltinModel) throws -> [Bool] {
            var shape = model.defaultInputShape
            var chosen: [Bool] = []
            for layer in try model.make(seed: 0).layers {
                if let conv = layer as? Convolution {
                    let g = try #require(ConvGeometry(rank: conv.rank, sample: shape, kernel: conv.kernel, stride: conv.stride, padding: conv.padding))
                    chosen.append(ConvolutionPrimitives.winogradPays(rank: conv.rank, outChannels: conv.outChannels, geometry: g))
                }
                shape = try layer.outputShape(for: shape)
            }
            return chosen
        }
        var rng = SeededGenerator(seed: 3)
        // mnist-cnn 1→32 at 26 × 26, then 32→64 at 24 × 24; fer-cnn adds 64→128 at 12 × 12; medmnist-cnn's third
        // is at 7 × 7; Conv1d and Conv3d have no Winograd kernels.
        #expect(try choices(.mnistCNN) == [false, true])
        #expect(try choices(.ferCNN) == [false, true, true])
        #expect(try choices(.medmnistCNN) == [false, true, false])
        #expect(try choices(.ecgCNN) == [false, false, false])
        #expect(try choices(.cnn3d) == [false, false, false])

        guard BLAS.backend == "onednn" else { return }
        let c = Self.cases[1]
        let g = try #require(ConvGeometry(rank: 2, sample: [c.inChannels] + c.spatial, kernel: 3, stride: 1, padding: c.padding))
        var layer = Convolution(rank: 2, inChannels: c.inChannels, outChannels: c.outChannels, kernel: 3, rng: &rng)
        let x = (0..<(c.batch * g.inputSize)).map { _ in rng.nextUnitFloat() - 0.5 }
        for training in [false, true] {
            var activation = Activation(shape: [c.batch, c.inChannels] + c.spatial, data: x)
            withWorkerThreads(1) { layer.forward(&activation, training: training) }
            let primitives = ConvolutionPrimitives(rank: 2, outChannels: c.outChannels, geometry: g, winograd: training)
            let own = training && !primitives.hasWinograd
            let wino = WinogradConvolution(outChannels: c.outChannels, geometry: g)
            var u = [Float](repeating: 0, count: wino.transformedWeightCount)
            var scratch = [Float](repeating: 0, count: wino.scratchCount(batch: ConvolutionPrimitives.samplesPerRun))
            let expected = [Float](unsafeUninitializedCapacity: activation.data.count) { y, count in
                x.withUnsafeBufferPointer { xb in layer.weight.value.withUnsafeBufferPointer { w in layer.bias.value.withUnsafeBufferPointer { b in
                u.withUnsafeMutableBufferPointer { ub in scratch.withUnsafeMutableBufferPointer { sb in
                    wino.transformWeights(w.baseAddress!, into: ub.baseAddress!)
                    for run in ConvolutionPrimitives.runs(0..<c.batch) {
                        let xs = xb.baseAddress! + run.lowerBound * g.inputSize, ys = y.baseAddress! + run.lowerBound * c.outChannels * g.positions
                        if own {
                            wino.forward(batch: run.count, x: xs, u: ub.baseAddress!, b: b.baseAddress!, y: ys, scratch: sb.baseAddress!)
                        } else {
                            primitives.forward(batch: run.count, x: xs, w: w.baseAddress!, b: b.baseAddress!, y: ys)
                        }
                    }
                }}}}}
                count = activation.data.count
            }
            let same = activation.data == expected
            let kernels = !training ? "direct" : own ? "MedPipe's Winograd" : "oneDNN's Winograd"
            #expect(same, "training \(training): not the \(kernels) kernels' bytes (largest difference \(zip(activation.data, expected).map { abs($0 - $1) }.max() ?? 0))")
        }
    }

    /// A parameter that requires no gradient keeps the one it has, while the other's is computed.
    @Test func onlyTheGradientsRequiredAreWritten() {
        let c = Self.cases[0]
        var rng = SeededGenerator(seed: 5)
        for frozenWeight in [true, false] {
            var layer = Convolution(rank: 2, inChannels: c.inChannels, outChannels: c.outChannels, kernel: 3, rng: &rng)
            if frozenWeight { layer.weight.requiresGradient = false } else { layer.bias.requiresGradient = false }
            let kept = frozenWeight ? layer.weight.gradient.map { _ in Float(7) } : layer.bias.gradient.map { _ in Float(7) }
            if frozenWeight { layer.weight.gradient = kept } else { layer.bias.gradient = kept }
            var x = Activation(shape: [c.batch, c.inChannels] + c.spatial, data: (0..<(c.batch * c.inChannels * 120)).map { _ in rng.nextUnitFloat() })
            layer.forward(&x, training: true)
            var gradient = Activation(shape: x.shape, data: x.data.map { _ in rng.nextUnitFloat() })
            layer.backward(&gradient, needsInputGradient: false)
            #expect((frozenWeight ? layer.weight.gradient : layer.bias.gradient) == kept)
            #expect((frozenWeight ? layer.bias.gradient : layer.weight.gradient).contains { $0 != 0 })
        }
    }
}
