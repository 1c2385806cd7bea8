import MedPipeCore
import Testing
@testable import MedPipeTrain

/// The vectorized 2 (×2) pooling against a plain scan in PyTorch's order, on widths that exercise the
/// eight-wide chunks, the overlapping last chunk and the narrow-row path, with ties and NaNs.
@Suite struct MaxPoolTests {
    /// Output and winning input index of each window, scanning rows then columns; a later value wins if it
    /// is larger or NaN (PyTorch's rule).
    private func scan(_ x: [Float], planes: Int, h: Int, w: Int, kH: Int) -> (values: [Float], winners: [Int]) {
        let outH = kH == 2 ? h / 2 : 1, outW = w / 2
        var values: [Float] = [], winners: [Int] = []
        for p in 0..<planes { for r in 0..<outH { for c in 0..<outW {
            var best = -Float.infinity, at = -1
            for a in 0..<kH { for b in 0..<2 {
                let i = p * h * w + (r * kH + a) * w + 2 * c + b
                if at < 0 || x[i] > best || x[i].isNaN { best = x[i]; at = i }
            }}
            values.append(best); winners.append(at)
        }}}
        return (values, winners)
    }

    @Test(arguments: [(2, 10, 27), (2, 6, 16), (2, 4, 14), (2, 5, 7), (1, 1, 45)])
    func matchesAPlainScan(kH: Int, h: Int, w: Int) {
        let planes = 3
        var rng = SeededGenerator(seed: UInt64(w))
        // Values from a small set make ties common; a few NaNs, one of them in a window with another NaN.
        var x = (0..<(planes * h * w)).map { _ in Float(Int(rng.nextUnitFloat() * 4)) }
        for i in stride(from: 5, to: x.count, by: 37) { x[i] = .nan }
        x[0] = .nan; x[1] = .nan
        let shape = kH == 2 ? [1, planes, h, w] : [1, planes, w]
        var pool = MaxPool(rank: kH == 2 ? 2 : 1, kernel: 2, stride: 2)
        var a = Activation(shape: shape, data: x)
        pool.forward(&a, training: true)
        let expected = scan(x, planes: planes, h: h, w: w, kH: kH)
        #expect(a.data.count == expected.values.count)
        #expect(zip(a.data, expected.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })

        // Backward routes each output's gradient (its position + 1) to the winning input.
        var gradient = Activation(shape: a.shape, data: (0..<a.data.count).map { Float($0 + 1) })
        pool.backward(&gradient, needsInputGradient: true)
        var routed = [Float](repeating: 0, count: x.count)
        for (o, i) in expected.winners.enumerated() { routed[i] += Float(o + 1) }
        #expect(gradient.data == routed)
    }
}
