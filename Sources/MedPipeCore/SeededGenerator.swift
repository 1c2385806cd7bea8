/// MedPipe's one seeded random number generator: xoshiro256** whose state comes from SplitMix64 of the
/// seed. Its stream is fixed by the seed on every machine and Swift version, so splits, sampling plans,
/// initializations, dropout masks and epoch orders are reproducible (`python/medpipe_cache/order.py`
/// is the same generator in Python, bit for bit).
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    /// A generator for a named sub-stream (a layer, an epoch), independent of the others.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x2545_F491_4F6C_DD1D)
    }

    @inlinable   // inlined into the callers' loops (a dropout mask draws one value per activation)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform integer in `0..<bound` (Lemire's unbiased multiply-and-reject); 0 when `bound` is not positive.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform float in [0, 1) with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform float in [-bound, bound).
    @inline(__always)
    public mutating func uniform(bound: Float) -> Float {
        (nextUnitFloat() * 2 - 1) * bound
    }

    /// Fisher–Yates from the last element down, written out here so that splits and sampling plans do not
    /// depend on the standard library's shuffle.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }

    /// Advances the stream by `jump.count` outputs, as that many calls of `next()` would, in 256 steps.
    public mutating func advance(by jump: Jump) {
        guard jump.count >= Jump.stepsPerJump else {
            for _ in 0..<jump.count { _ = next() }
            return
        }
        // xoshiro256's state moves linearly over GF(2): Mⁿ·state = r(M)·state with r = xⁿ mod P, P the
        // characteristic polynomial of M (as xoshiro's own `jump()`, whose constants are x^(2^128) mod P).
        var a0: UInt64 = 0, a1: UInt64 = 0, a2: UInt64 = 0, a3: UInt64 = 0
        for word in jump.polynomial {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 { a0 ^= s0; a1 ^= s1; a2 ^= s2; a3 ^= s3 }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (a0, a1, a2, a3)
    }

    /// An advance of the stream by a fixed number of outputs (``advance(by:)``), computed once: a rank of a
    /// data-parallel job skips the dropout draws of the other ranks' rows with it instead of drawing them.
    public struct Jump: Sendable, Equatable {
        /// How many outputs it skips.
        public let count: Int
        /// xᶜᵒᵘⁿᵗ mod P as 256 coefficients, lowest first (empty for a short jump, which steps).
        let polynomial: [UInt64]
        /// A jump shorter than this steps through the outputs: it costs no more than the 256 steps of a long one.
        static let stepsPerJump = 256

        public init(count: Int) {
            precondition(count >= 0, "a jump of \(count) outputs")
            self.count = count
            polynomial = count < Self.stepsPerJump ? [] : Polynomial256.power(of: count)
        }
    }
}

/// Polynomials over GF(2) modulo the characteristic polynomial of xoshiro256's state transition, for ``SeededGenerator/Jump``.
enum Polynomial256 {
    /// P's coefficients of x⁰ … x²⁵⁵ (x²⁵⁶'s is 1), found once with Berlekamp–Massey from 512 bits of a state
    /// word: xoshiro256's P is primitive of degree 256, so every nonzero bit sequence of the state has P as its
    /// minimal polynomial.
    static let modulus: [UInt64] = {
        var generator = SeededGenerator(seed: 1)
        let bits = (0..<512).map { _ in UInt8(truncatingIfNeeded: generator.lowestStateBit()) }
        // Berlekamp–Massey: c is the connection polynomial, 1 + c₁x + … + c_L x^L.
        var c = [UInt8](repeating: 0, count: 513), b = c
        c[0] = 1; b[0] = 1
        var length = 0, shift = 1
        for n in 0..<bits.count {
            var discrepancy = bits[n]
            if length > 0 { for i in 1...length { discrepancy ^= c[i] & bits[n - i] } }
            if discrepancy == 0 { shift += 1; continue }
            let previous = c
            for i in 0..<(c.count - shift) { c[i + shift] ^= b[i] }
            if 2 * length <= n {
                length = n + 1 - length
                b = previous
                shift = 1
            } else {
                shift += 1
            }
        }
        precondition(length == 256, "xoshiro256's minimal polynomial has degree \(length), not 256")
        // P(x) = x²⁵⁶·c(1/x): the coefficient of xʲ is c₂₅₆₋ⱼ.
        var words = [UInt64](repeating: 0, count: 4)
        for j in 0..<256 where c[256 - j] != 0 { words[j / 64] |= 1 << UInt64(j % 64) }
        return words
    }()

    /// xⁿ mod P, by squaring and multiplying.
    static func power(of n: Int) -> [UInt64] {
        var result: [UInt64] = [1, 0, 0, 0], base: [UInt64] = [2, 0, 0, 0], n = n
        while n > 0 {
            if n & 1 != 0 { result = multiply(result, base) }
            n >>= 1
            if n > 0 { base = multiply(base, base) }
        }
        return result
    }

    /// a·b mod P (carry-less product, then reduction from the top).
    static func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var product = [UInt64](repeating: 0, count: 8)
        for i in 0..<256 where a[i / 64] & (1 << UInt64(i % 64)) != 0 { xorShifted(b, by: i, into: &product) }
        let full = modulus + [1]   // P with its x²⁵⁶ term
        for bit in stride(from: 511, through: 256, by: -1) where product[bit / 64] & (1 << UInt64(bit % 64)) != 0 {
            xorShifted(full, by: bit - 256, into: &product)
        }
        return Array(product[0..<4])
    }

    /// `product ^= value · x^shift`.
    private static func xorShifted(_ value: [UInt64], by shift: Int, into product: inout [UInt64]) {
        let words = shift / 64, bits = UInt64(shift % 64)
        for (i, word) in value.enumerated() where word != 0 {
            product[i + words] ^= word << bits
            if bits > 0, i + words + 1 < product.count { product[i + words + 1] ^= word >> (64 - bits) }
        }
    }
}

extension SeededGenerator {
    /// The lowest bit of the state's first word, then one step: a bit sequence that P annihilates.
    fileprivate mutating func lowestStateBit() -> UInt64 {
        let bit = s0 & 1
        _ = next()
        return bit
    }
}
