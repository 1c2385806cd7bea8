import Foundation
import MedPipeCore
import Testing
import TestSupport
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

    @Test func shearMovesColumnsByTheRowOffsetAndComesBeforeTheRotation() {
        func warp(_ values: [Float], angle: Double, shear: Double) -> [Float] {
            var x = values, scratch = [Float](repeating: 0, count: 25)
            x.withUnsafeMutableBufferPointer { xs in
                scratch.withUnsafeMutableBufferPointer { AffineWarp.apply(xs, shape: [1, 5, 5], angle: angle, zoom: 1, shear: shear, shift: (0, 0), scratch: $0) }
            }
            return x
        }
        // Shear 45°: the point (row r, column c) about the centre (2, 2) goes to (r, c + (r − 2)), so output
        // (i, j) takes source column j − (i − 2), clamped to the border.
        let sheared = warp(image, angle: 0, shear: .pi / 4)
        #expect(sheared == grid { r, c in 5 * r + min(max(c - (r - 2), 0), 4) })
        // The forward matrix is rotation · shear: shearing first, then turning a quarter, is the same warp.
        let both = warp(image, angle: .pi / 2, shear: .pi / 4), composed = warp(sheared, angle: .pi / 2, shear: 0)
        #expect(zip(both, composed).allSatisfy { (a: Float, b: Float) -> Bool in abs(a - b) < 1e-4 }, "\(both) vs \(composed)")
        // Through the transform, shear is drawn within ±shear degrees: at most 45° here, so rows keep their values' row.
        let drawn = applied(.affine(degrees: 0, scales: [1, 1], shear: 45, translate: [0, 0], prob: 1), image, shape: [1, 5, 5])
        #expect(drawn != image)
        #expect((0..<25).allSatisfy { (i: Int) -> Bool in Int(drawn[i].rounded(.down)) / 5 == i / 5 })
    }

    /// A random volume `[2, 5, 5, 5]` (values in [0, 1)) and its value at channel c, voxel (i, j, l).
    private let cube: [Float] = {
        var generator = SeededGenerator(seed: 11)
        return (0..<250).map { _ in Float(generator.unit()) }
    }()
    private func voxel(_ c: Int, _ i: Int, _ j: Int, _ l: Int) -> Float { cube[((c * 5 + i) * 5 + j) * 5 + l] }
    /// The 2 × 5 × 5 × 5 volume whose voxel (c, i, j, l) is `value(c, i, j, l)`.
    private func volume(_ value: (Int, Int, Int, Int) -> Float) -> [Float] {
        (0..<250).map { (k: Int) -> Float in value(k / 125, k / 25 % 5, k / 5 % 5, k % 5) }
    }

    private func warpVolume(_ values: [Float], shape: [Int] = [2, 5, 5, 5], angles: (Double, Double, Double) = (0, 0, 0), zoom: Double = 1,
                            shear: Double = 0, shift: (Double, Double, Double) = (0, 0, 0)) -> [Float] {
        var x = values, scratch = values
        x.withUnsafeMutableBufferPointer { xs in
            scratch.withUnsafeMutableBufferPointer { VolumeWarp.affine(xs, shape: shape, angles: angles, zoom: zoom, shear: shear, shift: shift, scratch: $0) }
        }
        return x
    }

    private func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { (x: Float, y: Float) -> Bool in abs(x - y) <= tolerance }
    }

    @Test func volumeAffineIsExactForIdentityQuarterTurnsAndShifts() {
        #expect(warpVolume(cube) == cube)
        // A quarter turn in the plane of axes (a, b) turns a towards b: output (u, v) takes source (v, 4 − u)
        // in that plane, the third axis and the channel untouched.
        let aboutDepth = warpVolume(cube, angles: (.pi / 2, 0, 0))
        #expect(close(aboutDepth, volume { c, i, j, l in voxel(c, i, l, 4 - j) }))
        let aboutRows = warpVolume(cube, angles: (0, .pi / 2, 0))
        #expect(close(aboutRows, volume { c, i, j, l in voxel(c, l, j, 4 - i) }))
        let aboutColumns = warpVolume(cube, angles: (0, 0, .pi / 2))
        #expect(close(aboutColumns, volume { c, i, j, l in voxel(c, j, 4 - i, l) }))
        // Whole-voxel shifts move the content, the border repeating into the gap.
        let shifted = warpVolume(cube, shift: (1, -2, 0))
        #expect(shifted == volume { c, i, j, l in voxel(c, max(i - 1, 0), min(j + 2, 4), l) })
        // A zoom keeps the centre voxel.
        #expect(abs(warpVolume(cube, zoom: 1.4)[62] - cube[62]) < 1e-6)
    }

    @Test func volumeAffineAboutTheDepthAxisWarpsEachSliceAsTheImageWarpDoes() {
        let shape = [1, 3, 7, 9]
        var generator = SeededGenerator(seed: 5)
        let values = (0..<189).map { _ in Float(generator.unit()) }
        // The zoom is isotropic, so it also moves the outer slices along depth: only the centre slice keeps its plane.
        for zoom in [1, 1.2] {
            let warped = warpVolume(values, shape: shape, angles: (0.4, 0, 0), zoom: zoom, shear: 0.3, shift: (0, 0.7, -1.3))
            for slice in zoom == 1 ? [0, 1, 2] : [1] {
                var x = Array(values[(slice * 63)..<((slice + 1) * 63)]), scratch = x
                x.withUnsafeMutableBufferPointer { xs in
                    scratch.withUnsafeMutableBufferPointer { AffineWarp.apply(xs, shape: [1, 7, 9], angle: 0.4, zoom: zoom, shear: 0.3, shift: (0.7, -1.3), scratch: $0) }
                }
                #expect(close(Array(warped[(slice * 63)..<((slice + 1) * 63)]), x), "zoom \(zoom), slice \(slice)")
            }
        }
    }

    @Test(.enabled(if: ReferencePython.available("scipy", "numpy"), "needs python3 with scipy and numpy (tools/setup --python)"))
    func volumeAffineMatchesScipyAffineTransform() throws {
        // scipy.ndimage.affine_transform(order=1, mode="nearest") with the inverse of the forward matrix that
        // numpy builds from the same angles, zoom, shear and shift: trilinear, border repeated.
        let shape = [2, 6, 7, 8]
        var generator = SeededGenerator(seed: 9)
        let values = (0..<shape.reduce(1, *)).map { _ in Float(generator.unit()) }
        let (angles, zoom, shear, shift) = ((0.3, -0.5, 0.7), 1.15, 0.2, (0.6, -1.1, 0.4))
        let warped = warpVolume(values, shape: shape, angles: angles, zoom: zoom, shear: shear, shift: shift)
        let script = """
        import json, sys, numpy as np
        from scipy.ndimage import affine_transform
        shape, (a, b, c), zoom, shear = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
        shift, x = np.array(json.loads(sys.argv[5])), np.array(json.loads(sys.argv[6]), dtype=np.float64).reshape(shape)
        def turn(p, q, t):  # turns axis p towards axis q
            r = np.eye(3); r[p, p] = r[q, q] = np.cos(t); r[p, q] = -np.sin(t); r[q, p] = np.sin(t); return r
        s = np.eye(3); s[2, 1] = np.tan(shear)
        forward = turn(1, 2, a) @ turn(0, 2, b) @ turn(0, 1, c) @ (zoom * s)
        inverse = np.linalg.inv(forward)
        centre = (np.array(shape[1:]) - 1) / 2
        offset = centre - inverse @ (centre + shift)
        y = np.stack([affine_transform(v, inverse, offset=offset, order=1, mode="nearest") for v in x])
        print(json.dumps({"y": y.ravel().tolist()}))
        """
        let python = try ReferencePython.json(script, ["\(shape)", "[\(angles.0), \(angles.1), \(angles.2)]", "\(zoom)", "\(shear)",
                                                      "[\(shift.0), \(shift.1), \(shift.2)]", "\(values.map(Double.init))"])
        let reference = try #require(python["y"] as? [Double], "no values from scipy: \(python)")
        #expect(reference.count == warped.count)
        let difference = zip(warped, reference).map { (a: Float, b: Double) -> Double in abs(Double(a) - b) }.max() ?? .infinity
        #expect(difference < 1e-5, "max difference from scipy: \(difference)")
    }

    @Test func randomVolumeWarpsAreIdentityWithoutParametersAndStayInRangeWithThem() {
        let shape = [2, 5, 5, 5]
        #expect(applied(.affine(degrees: 0, scales: [1, 1], translate: [0, 0, 0], prob: 1), cube, shape: shape) == cube)
        #expect(applied(.elastic(spacing: 2, magnitude: [0, 0], prob: 1), cube, shape: shape) == cube)
        let low = cube.min()!, high = cube.max()!
        for seed in 0..<5 as Range<UInt64> {
            for transform in [RandomTransform.affine(degrees: 30, scales: [0.8, 1.2], shear: 10, translate: [0.2, 0.2, 0.2], prob: 1),
                              .elastic(spacing: 2, magnitude: [1, 2], prob: 1)] {
                // Both channels hold the same values, so they must come out the same: one draw per sample.
                let y = applied(transform, Array(cube[0..<125]) + Array(cube[0..<125]), shape: shape, seed: seed)
                #expect(!close(Array(y[0..<125]), Array(cube[0..<125]), 0.01), "seed \(seed): \(transform.name) changed nothing")
                #expect(Array(y[0..<125]) == Array(y[125...]), "seed \(seed): \(transform.name) moved the channels apart")
                // Trilinear resampling with the border repeated never leaves the original range.
                #expect(y.allSatisfy { (v: Float) -> Bool in v >= low - 1e-5 && v <= high + 1e-5 })
            }
        }
        // On a ramp along the columns (value = column) the output minus the column is the field's column
        // displacement away from the border: smooth between neighbouring columns, as in 2D.
        let ramp = (0..<4096).map { (k: Int) -> Float in Float(k % 16) }
        let moved = applied(.elastic(spacing: 4, magnitude: [1, 1], prob: 1), ramp, shape: [1, 16, 16, 16], seed: 3)
        var steepest: Float = 0
        for k in 0..<4096 where k % 16 < 15 && (0.5...14.5).contains(moved[k]) && (0.5...14.5).contains(moved[k + 1]) {
            steepest = max(steepest, abs((moved[k + 1] - ramp[k + 1]) - (moved[k] - ramp[k])))
        }
        #expect(steepest > 0 && steepest < 0.5, "largest change of the displacement between neighbours: \(steepest)")
    }

    /// A smooth 1 × 64 × 64 test image.
    private let smooth: [Float] = (0..<4096).map { (i: Int) -> Float in Float(sin(Double(i / 64) / 10) + cos(Double(i % 64) / 14)) }

    @Test func elasticIsTheIdentityWithoutMagnitudeAndKeepsTheMeanWithIt() {
        #expect(applied(.elastic(spacing: 8, magnitude: [0, 0], prob: 1), smooth, shape: [1, 64, 64]) == smooth)
        let mean = smooth.reduce(0, +) / 4096, low = smooth.min()!, high = smooth.max()!
        for seed in 0..<10 as Range<UInt64> {
            let y = applied(.elastic(spacing: 8, magnitude: [1, 2], prob: 1), smooth, shape: [1, 64, 64], seed: seed)
            let change = zip(y, smooth).map { (a: Float, b: Float) -> Float in abs(a - b) }.max()!
            #expect(change > 0.01, "seed \(seed): elastic changed nothing")
            #expect(abs(y.reduce(0, +) / 4096 - mean) < 0.05, "seed \(seed): the mean moved")
            // Bilinear resampling with the border repeated never leaves the original range.
            #expect(y.allSatisfy { (v: Float) -> Bool in v >= low - 1e-5 && v <= high + 1e-5 })
        }
        // On a ramp (value = column) the output minus the column is the field's column displacement away from
        // the border: smooth, neighbours differing far less than independent per-pixel draws of N(0, 1) would.
        let ramp = (0..<1024).map { (i: Int) -> Float in Float(i % 32) }
        let moved = applied(.elastic(spacing: 8, magnitude: [1, 1], prob: 1), ramp, shape: [1, 32, 32], seed: 3)
        var steepest: Float = 0
        for i in 0..<1024 where i % 32 < 31 && (0.5...30.5).contains(moved[i]) && (0.5...30.5).contains(moved[i + 1]) {
            steepest = max(steepest, abs((moved[i + 1] - ramp[i + 1]) - (moved[i] - ramp[i])))
        }
        #expect(steepest > 0 && steepest < 0.5, "largest change of the displacement between neighbours: \(steepest)")
        // Two channels get the same field.
        let two = applied(.elastic(spacing: 6, magnitude: [2, 2], prob: 1), smooth + smooth, shape: [2, 64, 64])
        #expect(Array(two[0..<4096]) == Array(two[4096...]))
    }

    @Test func blurOfAPointIsANormalizedGaussianWithVarianceSigmaSquared() {
        for sigma in [0.8, 3.0] {
            var x = [Float](repeating: 0, count: 41 * 41)
            x[20 * 41 + 20] = 1
            let y = applied(.blur(sigma: [sigma, sigma], prob: 1), x, shape: [1, 41, 41])
            let total = y.reduce(0.0) { (sum: Double, v: Float) -> Double in sum + Double(v) }
            var rows = 0.0, columns = 0.0
            for (i, v) in y.enumerated() {
                rows += Double((i / 41 - 20) * (i / 41 - 20)) * Double(v)
                columns += Double((i % 41 - 20) * (i % 41 - 20)) * Double(v)
            }
            #expect(abs(total - 1) < 1e-5)
            #expect(abs(rows / (sigma * sigma) - 1) < 0.01 && abs(columns / (sigma * sigma) - 1) < 0.01, "σ \(sigma): \(rows), \(columns)")
            let reach: Int = Int(4 * sigma + 0.5), pastTheKernel: Int = 20 * 41 + 20 + reach + 1
            #expect(y[pastTheKernel] == 0, "the kernel ends at 4 σ")
        }
    }

    @Test(.enabled(if: ReferencePython.available("scipy", "numpy"), "needs python3 with scipy and numpy (tools/setup --python)"))
    func blurMatchesScipyGaussianFilter() throws {
        for (shape, sigma) in [([2, 9, 13], 1.3), ([1, 5, 6, 7], 0.7), ([3, 40], 2.5)] {
            var generator = SeededGenerator(seed: 7)
            let x = (0..<shape.reduce(1, *)).map { _ in Float(generator.unit()) }
            var y = x, scratch = x
            y.withUnsafeMutableBufferPointer { ys in scratch.withUnsafeMutableBufferPointer { GaussianBlur.apply(ys, shape: shape, sigma: sigma, scratch: $0) } }
            let script = """
            import json, sys, numpy as np
            from scipy.ndimage import gaussian_filter
            shape, sigma, x = json.loads(sys.argv[1]), float(sys.argv[2]), np.array(json.loads(sys.argv[3]), dtype=np.float64)
            y = gaussian_filter(x.reshape(shape), sigma=[0] + [sigma] * (len(shape) - 1), mode="nearest", truncate=4.0)
            print(json.dumps({"y": y.ravel().tolist()}))
            """
            let python = try ReferencePython.json(script, ["\(shape)", "\(sigma)", "\(x.map(Double.init))"])
            guard let reference = python["y"] as? [Double] else { Issue.record("no values from scipy: \(python)"); continue }
            #expect(reference.count == y.count)
            let difference = zip(y, reference).map { (a: Float, b: Double) -> Double in abs(Double(a) - b) }.max() ?? .infinity
            #expect(difference < 1e-6, "shape \(shape), σ \(sigma): max difference \(difference)")
        }
    }

    @Test func cropPadShiftsByAWholeOffsetAndFillsTheGap() {
        let values = grid { r, c in 1 + 5 * r + c }  // no zeros, so the zero fill shows
        func shifted(_ sr: Int, _ sc: Int, edge: Bool) -> [Float] {
            (0..<25).map { (i: Int) -> Float in
                let r = i / 5 - sr, c = i % 5 - sc
                if edge { return values[min(max(r, 0), 4) * 5 + min(max(c, 0), 4)] }
                return (0..<5).contains(r) && (0..<5).contains(c) ? values[r * 5 + c] : 0
            }
        }
        for mode in PaddingMode.allCases {
            var seen = Set<[Int]>()
            for seed in 0..<40 as Range<UInt64> {
                let y = applied(.cropPad(padding: 2, mode: mode, prob: 1), values + values.map { $0 + 100 }, shape: [2, 5, 5], seed: seed)
                let shifts = (-2...2).flatMap { sr in (-2...2).map { [sr, $0] } }.filter { shifted($0[0], $0[1], edge: mode == .edge) == Array(y[0..<25]) }
                #expect(!shifts.isEmpty, "\(mode), seed \(seed): not a shift of at most 2 with \(mode) fill: \(y)")
                #expect(zip(y[0..<25], y[25...]).allSatisfy { (a: Float, b: Float) -> Bool in b == (mode == .constant && a == 0 ? 0 : a + 100) }, "both channels move together")
                seen.formUnion(shifts)
            }
            #expect(seen.count > 10, "\(mode): only shifts \(seen)")
        }
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
        #expect(throws: Error.self) { try RandomTransform.elastic(spacing: 8, magnitude: [0, 1], prob: 1).validate(for: [1, 500], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.elastic(spacing: 8, magnitude: [0, 1], prob: 1).validate(for: [1, 8, 8, 8], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.elastic(spacing: 8, magnitude: [0, 1], prob: 1).validate(for: [1, 8, 8, 8, 8], subject: "t") }
        // Volumes take three translate shares, images two; all zero (rotate) fits both.
        #expect(throws: Never.self) { try RandomTransform.affine(degrees: 10, scales: [1, 1], translate: [0.1, 0.1, 0.1], prob: 1).validate(for: [1, 8, 8, 8], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.affine(degrees: 10, scales: [1, 1], translate: [0, 0], prob: 1).validate(for: [1, 8, 8, 8], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.affine(degrees: 10, scales: [1, 1], translate: [0.1, 0.1], prob: 1).validate(for: [1, 8, 8, 8], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.affine(degrees: 10, scales: [1, 1], translate: [0.1, 0.1, 0.1], prob: 1).validate(for: [1, 8, 8], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.cropPad(padding: 2, mode: .edge, prob: 1).validate(for: [1, 500], subject: "t") }
        #expect(throws: Error.self) { try RandomTransform.blur(sigma: [1, 1], prob: 1).validate(for: [500], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.blur(sigma: [1, 1], prob: 1).validate(for: [1, 500], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.cropPad(padding: 2, mode: .constant, prob: 1).validate(for: [1, 8, 8, 8], subject: "t") }
        #expect(throws: Never.self) { try RandomTransform.flip(axes: [0, 1], prob: 1).validate(for: [3, 28, 28], subject: "t") }
    }
}
