import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

/// MedPipe's F(4×4, 3×3) Winograd convolution against the convolution's definition in double precision: output,
/// input gradient and weight gradient, for output sides that are and are not multiples of 4 (tiles over the edge),
/// planes narrow enough for two rows of tiles per group (odd and even counts of rows) and wide enough for one or
/// two groups per row, padding 0 to 2, and weight gradients summed over runs of samples of unequal length.
struct WinogradConvolutionTests {
    typealias Case = ConvolutionPrimitivesTests.Case

    static let cases: [Case] = [
        Case(rank: 2, batch: 3, inChannels: 32, outChannels: 64, kernel: 3, stride: 1, padding: 0, spatial: [12, 10]),  // mnist-cnn's second, smaller
        Case(rank: 2, batch: 4, inChannels: 5, outChannels: 7, kernel: 3, stride: 1, padding: 1, spatial: [7, 9]),       // odd outputs
        Case(rank: 2, batch: 2, inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 2, spatial: [5, 4]),       // more padding than kernel/2
        Case(rank: 2, batch: 3, inChannels: 2, outChannels: 3, kernel: 3, stride: 1, padding: 0, spatial: [3, 3]),       // one output
        Case(rank: 2, batch: 2, inChannels: 3, outChannels: 2, kernel: 3, stride: 1, padding: 0, spatial: [14, 10]),     // 3 rows of tiles in groups of 2: the last
                                                                                                                          // group's missing row overlaps the input
        Case(rank: 2, batch: 3, inChannels: 4, outChannels: 5, kernel: 3, stride: 1, padding: 0, spatial: [11, 22]),     // 5 tiles across: a row per group
        Case(rank: 2, batch: 2, inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 1, spatial: [5, 38]),      // 10 tiles across: two groups
    ]

    @Test(arguments: cases)
    func forwardAndBackwardMatchTheDefinition(_ c: Case) throws {
        let g = try #require(ConvGeometry(rank: 2, sample: [c.inChannels] + c.spatial, kernel: 3, stride: 1, padding: c.padding))
        #expect(WinogradConvolution.applies(rank: 2, geometry: g))
        let wino = WinogradConvolution(outChannels: c.outChannels, geometry: g)
        var rng = SeededGenerator(seed: 29)
        let x = (0..<(c.batch * g.inputSize)).map { _ in rng.nextUnitFloat() - 0.5 }
        let w = (0..<(c.outChannels * g.rows)).map { _ in rng.nextUnitFloat() - 0.5 }
        let b = (0..<c.outChannels).map { _ in rng.nextUnitFloat() - 0.5 }
        let dy = (0..<(c.batch * c.outChannels * g.positions)).map { _ in rng.nextUnitFloat() - 0.5 }
        let expected = ConvolutionPrimitivesTests.definition(c, x: x, w: w, b: b, dy: dy)

        // Runs of 2, 1 … samples: the transformed weights' gradient is written by the first and added to by the rest.
        let runs = [0..<min(2, c.batch)] + (min(2, c.batch)..<c.batch).map { $0..<($0 + 1) }
        var u = [Float](repeating: .nan, count: wino.transformedWeightCount), du = u
        var scratch = [Float](repeating: .nan, count: wino.scratchCount(batch: 2))
        var y = [Float](repeating: .nan, count: dy.count), dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: .nan, count: w.count)
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in b.withUnsafeBufferPointer { bb in dy.withUnsafeBufferPointer { dyb in
        u.withUnsafeMutableBufferPointer { ub in du.withUnsafeMutableBufferPointer { dub in scratch.withUnsafeMutableBufferPointer { sb in
        y.withUnsafeMutableBufferPointer { yb in dx.withUnsafeMutableBufferPointer { dxb in dw.withUnsafeMutableBufferPointer { dwb in
            wino.transformWeights(wb.baseAddress!, into: ub.baseAddress!)
            for run in runs {
                let xs = xb.baseAddress! + run.lowerBound * g.inputSize, outputs = run.lowerBound * c.outChannels * g.positions
                wino.forward(batch: run.count, x: xs, u: ub.baseAddress!, b: bb.baseAddress!, y: yb.baseAddress! + outputs, scratch: sb.baseAddress!)
                wino.backward(batch: run.count, x: xs, dy: dyb.baseAddress! + outputs, u: ub.baseAddress!, du: dub.baseAddress!,
                              accumulating: run.lowerBound > 0, dx: dxb.baseAddress! + run.lowerBound * g.inputSize, scratch: sb.baseAddress!)
            }
            wino.weightGradient(dub.baseAddress!, into: dwb.baseAddress!)
        }}}}}}}}}}
        #expect(ConvolutionPrimitivesTests.worstRelative(y, expected.y) < 1e-5, "output")
        #expect(ConvolutionPrimitivesTests.worstRelative(dx, expected.dx) < 1e-5, "input gradient")
        #expect(ConvolutionPrimitivesTests.worstRelative(dw, expected.dw) < 1e-5, "weight gradient")
    }

    /// Only 2D 3 × 3 stride-1 convolutions are computed this way.
    @Test func appliesToTwoDimensionalThreeByThreeStrideOne() throws {
        func applies(rank: Int, kernel: Int, stride: Int, sample: [Int]) throws -> Bool {
            let g = try #require(ConvGeometry(rank: rank, sample: sample, kernel: kernel, stride: stride, padding: 1))
            return WinogradConvolution.applies(rank: rank, geometry: g)
        }
        #expect(try applies(rank: 2, kernel: 3, stride: 1, sample: [4, 9, 9]))
        #expect(try !applies(rank: 2, kernel: 3, stride: 2, sample: [4, 9, 9]))
        #expect(try !applies(rank: 2, kernel: 5, stride: 1, sample: [4, 9, 9]))
        #expect(try !applies(rank: 1, kernel: 3, stride: 1, sample: [4, 9]))
        #expect(try !applies(rank: 3, kernel: 3, stride: 1, sample: [4, 5, 5, 5]))
    }
}
