import Foundation
import Testing
@testable import MedPipeStages

/// Random transforms for training batches: exact geometry where it is exact, statistics where it is random,
/// and the same variant for the same seed, epoch and position.
@Suite struct AugmentTests {
    /// Applies `transform` to a copy of `values` of `shape` with a generator seeded by `seed`.
    private func applied(_ transform: RandomTransform, _ values: [Float], shape: [Int], seed: UInt64 = 1) -> [Float] {
        var out = values
        out.withUnsafeMutableBufferPointer { Augmentation([transform]).apply($0, shape: shape, seed: seed, epoch: 0, position: 0) }
        return out
    }

    private let image: [Float] = (0..<25).map(Float.init)  // [1, 5, 5], value = 5·row + column

    /// A 5 × 5 image whose pixel (row, column) is `value(row, column)`.
    private func grid(_ value: (Int, Int) -> Int) -> [Float] {
        (0..<25).map { (i: Int) -> Float in Float(value(i / 5, i % 5)) }
    }

    @Test func flipMirrorsTheChosenAxis() {
        let columns = applied(.flip(axes: [1], prob: 1), image, shape: [1, 5, 5])
        #expect(columns == grid { r, c in 5 * r + 4 - c })
        let rows = applied(.flip(axes: [0], prob: 1), image, shape: [1, 5, 5])
        #expect(rows == grid { r, c in 5 * (4 - r) + c })
        #expect(applied(.flip(axes: [0, 1], prob: 0), image, shape: [1, 5, 5]) == image)
    }

    @Test func affineIsExactForQuarterTurnsShiftsAndIdentity() {
        var scratch = [Float](repeating: 0, count: 25)
        func warp(angle: Double, zoom: Double = 1, shift: (Double, Double) = (0, 0)) -> [Float] {
            var x = image
            x.withUnsafeMutableBufferPointer { xs in
                scratch.withUnsafeMutableBufferPointer { AffineWarp.apply(xs, shape: [1, 5, 5], angle: angle, zoom: zoom, shift: shift, scratch: $0) }
            }
            return x
        }
        #expect(warp(angle: 0) == image)
        // A quarter turn about the centre is a transpose plus a flip (numpy's rot90, one way or the other).
        let turned = warp(angle: .pi / 2)
        let rot90 = grid { r, c in 5 * c + 4 - r }, rot270 = grid { r, c in 5 * (4 - c) + r }
        func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { (x: Float, y: Float) -> Bool in abs(x - y) < 1e-4 } }
        #expect(close(turned, rot90) || close(turned, rot270))
        // One row down: each row takes the one above it, the top row repeats the border.
        let down = warp(angle: 0, shift: (1, 0))
        #expect(down == grid { r, c in 5 * max(r - 1, 0) + c })
        // A zoom keeps the centre pixel.
        let zoomed: [Float] = warp(angle: 0, zoom: 1.5)
        #expect(abs(zoomed[12] - 12) < 1e-5)
    }

    @Test func gammaKeepsTheRangeAndTheOrder() {
        let x: [Float] = [-2, -1, 0, 0.5, 3]
        let y = applied(.gamma(range: [2, 2], prob: 1), x, shape: [5])
        #expect(y.first == -2 && y.last == 3)
        #expect(zip(y, y.dropFirst()).allSatisfy { $0 < $1 })
        // ((x − min)/span)^2 · span + min for x = 0: (2/5)² · 5 − 2.
        #expect(abs(y[2] - (0.16 * 5 - 2)) < 1e-5)
    }

    @Test func intensityTransformsStayInTheirRanges() {
        let x = [Float](repeating: 2, count: 10)
        for seed in 0..<50 as Range<UInt64> {
            let scaled = applied(.scaleIntensity(factors: 0.1, prob: 1), x, shape: [10], seed: seed)
            #expect(scaled.allSatisfy { (v: Float) -> Bool in v >= 1.799_999 && v <= 2.200_001 && v == scaled[0] })
            let shifted = applied(.shiftIntensity(offsets: 0.5, prob: 1), x, shape: [10], seed: seed)
            #expect(shifted.allSatisfy { (v: Float) -> Bool in v >= 1.5 && v <= 2.5 && v == shifted[0] })
            let amplitude = applied(.amplitudeScale(scales: [0.5, 0.6], prob: 1), x, shape: [1, 10], seed: seed)
            #expect(amplitude.allSatisfy { (v: Float) -> Bool in v >= 0.999_999 && v <= 1.200_001 })
        }
    }

    @Test func gaussianNoiseHasItsMeanAndDeviation() {
        let n = 200_000
        let y = applied(.gaussianNoise(mean: 0.5, std: 2, prob: 1), [Float](repeating: 0, count: n), shape: [n])
        let mean = y.reduce(0.0) { (sum: Double, v: Float) -> Double in sum + Double(v) } / Double(n)
        let sd = (y.reduce(0.0) { (sum: Double, v: Float) -> Double in sum + (Double(v) - mean) * (Double(v) - mean) } / Double(n)).squareRoot()
        #expect(abs(mean - 0.5) < 0.02 && abs(sd - 2) < 0.02, "mean \(mean), sd \(sd)")
    }

    @Test func signalTransformsShiftAndWander() {
        let x: [Float] = (0..<20).map(Float.init) + (0..<20).map { Float(100 + $0) }  // [2 leads, 20 samples]
        for seed in 0..<30 as Range<UInt64> {
            let y = applied(.timeShift(maxShift: 3, prob: 1), x, shape: [2, 20], seed: seed)
            // y[t] = x[t − s] for a shift s ∈ −3...3, the edge repeated; lead 1 moves the same way.
            let s = 10 - Int(y[10])
            #expect((-3...3).contains(s))
            let expected = (0..<40).map { (i: Int) -> Float in Float((i / 20) * 100 + min(max(i % 20 - s, 0), 19)) }
            #expect(y == expected)
            let wander = applied(.baselineWander(amplitude: 0.5, period: [8, 8], prob: 1), x, shape: [2, 20], seed: seed)
            let added = zip(wander, x).map { (a: Float, b: Float) -> Float in a - b }
            #expect(added.allSatisfy { (v: Float) -> Bool in abs(v) <= 0.500_01 })
            #expect(zip(added[0..<20], added[20..<40]).allSatisfy { (a: Float, b: Float) -> Bool in abs(a - b) < 1e-4 }, "both leads wander together")
            // Period 8: the added wave repeats every 8 samples.
            #expect((0..<12).allSatisfy { (t: Int) -> Bool in abs(added[t] - added[t + 8]) < 1e-4 })
        }
    }

    @Test func variantsAreSeededByRunEpochAndPosition() {
        let a = Augmentation([.affine(degrees: 20, scales: [0.9, 1.1], translate: [0.1, 0.1], prob: 1), .gaussianNoise(mean: 0, std: 0.1, prob: 1)])
        func variant(seed: UInt64, epoch: Int, position: Int) -> [Float] {
            var x = image
            x.withUnsafeMutableBufferPointer { a.apply($0, shape: [1, 5, 5], seed: seed, epoch: epoch, position: position) }
            return x
        }
        #expect(variant(seed: 1, epoch: 2, position: 3) == variant(seed: 1, epoch: 2, position: 3))
        #expect(variant(seed: 1, epoch: 2, position: 3) != variant(seed: 1, epoch: 3, position: 3))
        #expect(variant(seed: 1, epoch: 2, position: 3) != variant(seed: 1, epoch: 2, position: 4))
        #expect(variant(seed: 1, epoch: 2, position: 3) != variant(seed: 2, epoch: 2, position: 3))
    }

    @Test func transformsRefuseSamplesTheyDoNotFit() {
        #expect(throws: Error.self) { try RandomTransform.affine(degrees: 10, scales: [1, 1], translate: [0, 0], prob: 1).validate(for: [1, 500], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.timeShift(maxShift: 3, prob: 1).validate(for: [1, 28, 28], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.flip(axes: [2], prob: 1).validate(for: [1, 28, 28], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.flip(axes: [0, 1], prob: 1).validate(for: [3, 28, 28], subject: "t") }
    }
}
