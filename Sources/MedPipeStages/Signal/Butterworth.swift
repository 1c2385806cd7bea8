import MedPipeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One second-order section `b0 + b1 z⁻¹ + b2 z⁻² over 1 + a1 z⁻¹ + a2 z⁻²` (a first-order
/// section has `b2 = a2 = 0`).
public struct SecondOrderSection: Sendable, Equatable, Codable {
    public var b: [Double]
    public var a: [Double]
}

/// Digital Butterworth filters designed as `scipy.signal.butter(N, Wn, btype, fs=fs)` does:
/// analog prototype poles `−exp(iπ(2k − N + 1)/(2N))`, frequencies prewarped with
/// `4·tan(πW/2)` (W the cutoff over Nyquist), the lowpass-to-bandpass/highpass/lowpass
/// transform, then the bilinear transform at fs = 2 — all in zeros, poles and gain. The result is
/// returned as second-order sections (each conjugate pole pair or pair of real poles with two
/// zeros; the gain on the first), which keeps low cutoffs numerically stable.
public enum Butterworth {
    public enum Kind: String, Sendable, Codable {
        case lowpass, highpass, bandpass
    }

    /// The orders a filter may have.
    public static let orders: ClosedRange<Int> = 1...32

    /// Designs the filter. `cutoffs` in Hz: one for low/highpass, two (low, high) for bandpass.
    public static func design(order: Int, cutoffs: [Double], kind: Kind, sampleRate fs: Double) throws -> [SecondOrderSection] {
        guard orders.contains(order) else {
            throw MedPipeError.invalidArgument("butterworth", "order must be \(orders.lowerBound)...\(orders.upperBound), got \(order)")
        }
        guard cutoffs.count == (kind == .bandpass ? 2 : 1) else {
            throw MedPipeError.invalidArgument("butterworth", "\(kind.rawValue) needs \(kind == .bandpass ? 2 : 1) cutoff frequencies, got \(cutoffs)")
        }
        let nyquist = fs / 2
        guard cutoffs.allSatisfy({ $0 > 0 && $0 < nyquist }), cutoffs == cutoffs.sorted(), Set(cutoffs).count == cutoffs.count else {
            throw MedPipeError.invalidArgument("butterworth", "cutoffs \(cutoffs) Hz must be increasing and strictly between 0 and the Nyquist frequency \(nyquist) Hz")
        }
        // Analog prototype.
        let n = order
        var poles = stride(from: -n + 1, to: n, by: 2).map { m in -Complex.unit(angle: Double.pi * Double(m) / Double(2 * n)) }
        var zeros: [Complex] = []
        var gain = 1.0
        let warped = cutoffs.map { 4 * tan(Double.pi * (2 * $0 / fs) / 2) }
        switch kind {
        case .lowpass:
            poles = poles.map { $0 * warped[0] }
            gain *= pow(warped[0], Double(n))
        case .highpass:
            // z = wo / z, p = wo / p; zeros at the origin; k *= real(prod(-z) / prod(-p)).
            let product = poles.reduce(Complex(1)) { $0 * (-$1) }
            gain *= (Complex(1) / product).re
            poles = poles.map { Complex(warped[0]) / $0 }
            zeros = Array(repeating: Complex(0), count: n)
        case .bandpass:
            let bw = warped[1] - warped[0], wo = (warped[0] * warped[1]).squareRoot()
            let scaled = poles.map { $0 * (bw / 2) }
            let root = scaled.map { ($0 * $0 - Complex(wo * wo)).squareRoot }
            poles = zip(scaled, root).map { $0 + $1 } + zip(scaled, root).map { $0 - $1 }
            zeros = Array(repeating: Complex(0), count: n)
            gain *= pow(bw, Double(n))
        }
        // Bilinear transform at fs = 2 (fs2 = 4).
        let fs2 = Complex(4)
        let zNumerator = zeros.reduce(Complex(1)) { $0 * (fs2 - $1) }
        let pNumerator = poles.reduce(Complex(1)) { $0 * (fs2 - $1) }
        gain *= (zNumerator / pNumerator).re
        var digitalZeros = zeros.map { (fs2 + $0) / (fs2 - $0) }
        digitalZeros += Array(repeating: Complex(-1), count: poles.count - zeros.count)
        let digitalPoles = poles.map { (fs2 + $0) / (fs2 - $0) }
        return sections(zeros: digitalZeros.map(\.re), poles: digitalPoles, gain: gain)
    }

    /// Groups real zeros and conjugate-symmetric poles into sections. Each pole pair takes one zero
    /// at +1 and one at −1 when both kinds are present, which keeps every section well scaled.
    static func sections(zeros: [Double], poles: [Complex], gain: Double) -> [SecondOrderSection] {
        let scale = poles.map(\.magnitude).max() ?? 1
        let tolerance = 1e-10 * max(scale, 1)
        let complexUpper = poles.filter { $0.im > tolerance }.sorted { $0.re < $1.re }
        var reals = poles.filter { abs($0.im) <= tolerance }.map(\.re).sorted()
        var positive = zeros.filter { $0 >= 0 }, negative = zeros.filter { $0 < 0 }
        func takeZero(preferPositive: Bool) -> Double {
            if preferPositive, let z = positive.popLast() { return z }
            if let z = negative.popLast() { return z }
            return positive.popLast() ?? 0
        }
        var result: [SecondOrderSection] = []
        func addPair(_ sum: Double, _ product: Double) {
            let z1 = takeZero(preferPositive: true), z2 = takeZero(preferPositive: false)
            result.append(SecondOrderSection(b: [1, -(z1 + z2), z1 * z2], a: [1, -sum, product]))
        }
        for p in complexUpper { addPair(2 * p.re, p.re * p.re + p.im * p.im) }
        while reals.count >= 2 {
            let p1 = reals.removeLast(), p2 = reals.removeLast()
            addPair(p1 + p2, p1 * p2)
        }
        if let p = reals.first {
            let z = takeZero(preferPositive: true)
            result.append(SecondOrderSection(b: [1, -z, 0], a: [1, -p, 0]))
        }
        result[0].b = result[0].b.map { $0 * gain }
        return result
    }

    /// The overall transfer function `(b, a)` as polynomial coefficients (for comparison with
    /// `scipy.signal.butter(output="ba")`).
    public static func transferFunction(_ sections: [SecondOrderSection]) -> (b: [Double], a: [Double]) {
        func multiply(_ p: [Double], _ q: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: p.count + q.count - 1)
            for i in p.indices { for j in q.indices { r[i + j] += p[i] * q[j] } }
            return r
        }
        var b = [1.0], a = [1.0]
        for s in sections {
            let firstOrder = s.a[2] == 0 && s.b[2] == 0
            b = multiply(b, firstOrder ? Array(s.b.prefix(2)) : s.b)
            a = multiply(a, firstOrder ? Array(s.a.prefix(2)) : s.a)
        }
        return (b, a)
    }
}
