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

    /// Filters `count` values read from `input` every `stride` elements; writes the result the same way.
    public func filter(count n: Int, input: (Int) -> Double, output: (Int, Double) -> Void, subject: String) throws {
        let edge = padLength
        guard n > edge else {
            throw MedPipeError.invalidArgument(subject, "a signal of \(n) samples is too short for this filter: it needs more than \(edge) (scipy's padlen)")
        }
        var ext = [Double](repeating: 0, count: n + 2 * edge)
        let first = input(0), last = input(n - 1)
        for i in 0..<edge { ext[i] = 2 * first - input(edge - i) }
        for i in 0..<n { ext[edge + i] = input(i) }
        for i in 0..<edge { ext[edge + n + i] = 2 * last - input(n - 2 - i) }
        let zi = stepStates
        ext.withUnsafeMutableBufferPointer { buffer in
            cascade(buffer, states: zi, reverse: false)
            cascade(buffer, states: zi, reverse: true)
        }
        for i in 0..<n { output(i, ext[edge + i]) }
    }

    /// Runs every section over the buffer in place (transposed direct form II), in one direction.
    private func cascade(_ x: UnsafeMutableBufferPointer<Double>, states zi: [(Double, Double)], reverse: Bool) {
        let count = x.count
        let start = reverse ? count - 1 : 0, step = reverse ? -1 : 1
        let x0 = x[start]
        for (s, section) in sections.enumerated() {
            let b0 = section.b[0], b1 = section.b[1], b2 = section.b[2]
            let a1 = section.a[1], a2 = section.a[2]
            // The section's steady state is scaled by the cascade's first input (scipy: zi * x[0]).
            var z0 = zi[s].0 * x0, z1 = zi[s].1 * x0
            var i = start
            for _ in 0..<count {
                let v = x[i]
                let y = b0 * v + z0
                z0 = b1 * v - a1 * y + z1
                z1 = b2 * v - a2 * y
                x[i] = y
                i += step
            }
        }
    }
}
