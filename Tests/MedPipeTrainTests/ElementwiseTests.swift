import MedPipeCore
import Testing
@testable import MedPipeTrain

/// The sixteen-lane reductions against double-precision sums, on lengths around the lane count.
@Suite struct ElementwiseTests {
    @Test(arguments: [0, 1, 15, 16, 17, 33, 196, 576])
    func reductionsMatchDoublePrecision(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) + 1)
        let a = (0..<count).map { _ in rng.nextUnitFloat() * 2 - 1 }
        let b = (0..<count).map { _ in rng.nextUnitFloat() * 2 - 1 }
        let c: Float = 0.25
        let sum = a.reduce(0.0) { $0 + Double($1) }
        let squares = a.reduce(0.0) { $0 + Double($1 - c) * Double($1 - c) }
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let base = pa.baseAddress ?? UnsafePointer(bitPattern: 16)!, other = pb.baseAddress ?? UnsafePointer(bitPattern: 16)!
                #expect(abs(Double(Elementwise.sum(base, count: count)) - sum) < 1e-4)
                #expect(abs(Double(Elementwise.sumOfSquares(base, around: c, count: count)) - squares) < 1e-4)
                let (s, d) = Elementwise.sumAndDot(base, other, count: count)
                #expect(abs(Double(s) - sum) < 1e-4 && abs(Double(d) - dot) < 1e-4)
            }
        }
    }
}
