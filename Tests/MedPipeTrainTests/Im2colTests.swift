import MedPipeCore
import Testing
@testable import MedPipeTrain

/// The column matrix and its adjoint (col2im) against their definition, `cols[(c, a, b, e), (z, y, x)] = x[c, z·s − p + a, y·s − p + b, x·s − p + e]`
/// (zero outside the sample), for the shifted "same size" path and the general one.
@Suite struct Im2colTests {
    @Test(arguments: [
        (1, [2, 37], 15, 1, 7),      // ecg-cnn's Conv1d: same size, shifted rows
        (2, [3, 7, 9], 3, 1, 1),     // medmnist-cnn's Conv2d: same size
        (2, [2, 6, 5], 5, 1, 2),     // same size, wider kernel
        (2, [2, 6, 5], 3, 1, 0),     // valid convolution: general path
        (2, [1, 7, 8], 3, 2, 1),     // strided: general path
        (3, [1, 4, 5, 3], 3, 1, 1),  // 3D: general path
    ])
    func matchesTheDefinition(rank: Int, sample: [Int], kernel: Int, stride: Int, padding: Int) throws {
        let g = try #require(ConvGeometry(rank: rank, sample: sample, kernel: kernel, stride: stride, padding: padding))
        #expect(g.isSameSizeShift == (rank < 3 && stride == 1 && 2 * padding == kernel - 1))
        var rng = SeededGenerator(seed: 11)
        let x = (0..<g.inputSize).map { _ in rng.nextUnitFloat() + 0.5 }   // never zero: a wrong zero shows
        let p = g.positions, ld = p + 3                                    // a leading dimension wider than a row
        var cols = [Float](repeating: .nan, count: g.rows * ld)
        cols.withUnsafeMutableBufferPointer { c in g.im2col(x, c.baseAddress!, ld: ld) }
        var mismatches = 0
        var row = 0
        for c in 0..<g.channels { for a in 0..<g.kD { for b in 0..<g.kH { for e in 0..<g.kW {
            for z in 0..<g.outD { for y in 0..<g.outH { for w in 0..<g.outW {
                let iz = z * g.sD - g.pD + a, iy = y * g.sH - g.pH + b, ix = w * g.sW - g.pW + e
                let inside = (0..<g.inD).contains(iz) && (0..<g.inH).contains(iy) && (0..<g.inW).contains(ix)
                let expected = inside ? x[c * g.plane + (iz * g.inH + iy) * g.inW + ix] : 0
                if cols[row * ld + (z * g.outH + y) * g.outW + w] != expected { mismatches += 1 }
            }}}
            row += 1
        }}}}
        #expect(mismatches == 0)

        // col2im adds each column value back where it was read from (padding positions are dropped).
        var gradient = (0..<(g.rows * ld)).map { _ in rng.nextUnitFloat() }
        var expected = [Double](repeating: 0, count: g.inputSize)
        row = 0
        for c in 0..<g.channels { for a in 0..<g.kD { for b in 0..<g.kH { for e in 0..<g.kW {
            for z in 0..<g.outD { for y in 0..<g.outH { for w in 0..<g.outW {
                let iz = z * g.sD - g.pD + a, iy = y * g.sH - g.pH + b, ix = w * g.sW - g.pW + e
                guard (0..<g.inD).contains(iz) && (0..<g.inH).contains(iy) && (0..<g.inW).contains(ix) else { continue }
                expected[c * g.plane + (iz * g.inH + iy) * g.inW + ix] += Double(gradient[row * ld + (z * g.outH + y) * g.outW + w])
            }}}
            row += 1
        }}}}
        var dx = [Float](repeating: 0, count: g.inputSize)
        gradient.withUnsafeMutableBufferPointer { c in dx.withUnsafeMutableBufferPointer { d in g.col2imAdd(c.baseAddress!, ld: ld, d.baseAddress!) } }
        #expect(zip(dx, expected).allSatisfy { abs(Double($0) - $1) < 1e-4 })
    }
}
