import MedPipeCore

/// Forward-backward filtering with second-order sections, as `scipy.signal.sosfiltfilt` does with
/// its defaults: odd extension of `3·ntaps` samples at each end (`ntaps = 2·sections + 1`, less
/// the number of first-order sections), each pass started from the steady state of a step
/// (`sosfilt_zi`) scaled by the first sample it sees, the extension trimmed at the end.
/// Computed in double precision.
public struct ZeroPhaseFilter: Sendable, Equatable {
    public var sections: [SecondOrderSection]

    public init(sections: [SecondOrderSection]) { self.sections = sections }

    /// The padding at each end (scipy's default `padlen`).
    public var padLength: Int {
        let firstOrder = min(sections.filter { $0.b[2] == 0 }.count, sections.filter { $0.a[2] == 0 }.count)
        return 3 * (2 * sections.count + 1 - firstOrder)
    }

    /// Steady-state section states for a unit step (scipy's `sosfilt_zi`).
    var stepStates: [(Double, Double)] {
        var scale = 1.0
        return sections.map { s in
            let b = s.b, a = s.a
            let gain = (b[0] + b[1] + b[2]) / (a[0] + a[1] + a[2])
            let z1 = b[2] - a[2] * gain
            let z0 = b[1] - a[1] * gain + z1
            defer { scale *= gain }
            return (scale * z0, scale * z1)
        }
    }

    /// Filters every channel of an interleaved signal `(n, channels)` of doubles into float32 `output`,
    /// two channels at a time (SIMD lanes), all sections cascaded per sample. Invalid samples (not finite)
    /// stay NaN, filtered across as ``InvalidSamples`` says.
    public func filter(_ x: UnsafeBufferPointer<Double>, samples n: Int, channels: Int,
                       into output: UnsafeMutableBufferPointer<Float>, subject: String) throws {
        if let bridged = InvalidSamples.bridged(x, samples: n, channels: channels) {
            try bridged.withUnsafeBufferPointer { try filter($0, samples: n, channels: channels, into: output, subject: subject) }
            for i in 0..<(n * channels) where !x[i].isFinite { output[i] = .nan }
            return
        }
        let edge = padLength
        guard n > edge else {
            throw MedPipeError.invalidArgument(subject, "a signal of \(n) samples is too short for this filter: it needs more than \(edge) (scipy's padlen)")
        }
        let zi = stepStates.map { (SIMD2<Double>(repeating: $0.0), SIMD2<Double>(repeating: $0.1)) }
        let coefficients = sections.map { s in
            (b0: SIMD2(repeating: s.b[0]), b1: SIMD2(repeating: s.b[1]), b2: SIMD2(repeating: s.b[2]),
             a1: SIMD2(repeating: s.a[1]), a2: SIMD2(repeating: s.a[2]))
        }
        var ext = [SIMD2<Double>](repeating: .zero, count: n + 2 * edge)
        for c in stride(from: 0, to: channels, by: 2) {
            let c1 = min(c + 1, channels - 1)  // an odd last channel fills both lanes
            @inline(__always) func at(_ i: Int) -> SIMD2<Double> { SIMD2(x[i * channels + c], x[i * channels + c1]) }
            let first = at(0), last = at(n - 1)
            for i in 0..<edge { ext[i] = 2 * first - at(edge - i) }
            for i in 0..<n { ext[edge + i] = at(i) }
            for i in 0..<edge { ext[edge + n + i] = 2 * last - at(n - 2 - i) }
            ext.withUnsafeMutableBufferPointer { buffer in
                Self.cascade(buffer, coefficients, zi, reverse: false)
                Self.cascade(buffer, coefficients, zi, reverse: true)
            }
            for i in 0..<n {
                output[i * channels + c] = Float(ext[edge + i][0])
                if c + 1 < channels { output[i * channels + c + 1] = Float(ext[edge + i][1]) }
            }
        }
    }

    typealias Coefficients = (b0: SIMD2<Double>, b1: SIMD2<Double>, b2: SIMD2<Double>, a1: SIMD2<Double>, a2: SIMD2<Double>)

    /// Runs the cascade over the buffer in place (transposed direct form II), in one direction.
    /// Each section's state starts at its steady state scaled by the first input (scipy: zi · x[0]).
    private static func cascade(_ x: UnsafeMutableBufferPointer<SIMD2<Double>>, _ k: [Coefficients],
                                _ zi: [(SIMD2<Double>, SIMD2<Double>)], reverse: Bool) {
        let count = x.count, sections = k.count
        let x0 = x[reverse ? count - 1 : 0]
        var z0 = zi.map { $0.0 * x0 }, z1 = zi.map { $0.1 * x0 }
        z0.withUnsafeMutableBufferPointer { z0 in
            z1.withUnsafeMutableBufferPointer { z1 in
                k.withUnsafeBufferPointer { k in
                    for step in 0..<count {
                        let i = reverse ? count - 1 - step : step
                        var v = x[i]
                        for s in 0..<sections {
                            let y = k[s].b0 * v + z0[s]
                            z0[s] = k[s].b1 * v - k[s].a1 * y + z1[s]
                            z1[s] = k[s].b2 * v - k[s].a2 * y
                            v = y
                        }
                        x[i] = v
                    }
                }
            }
        }
    }
}
