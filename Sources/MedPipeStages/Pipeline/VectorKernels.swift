/// Vectorized loops shared by the normalization stages: double-precision accumulation of float32
/// data with independent SIMD accumulators (so the additions do not form one long dependency chain).
enum VectorKernels {
    /// Σ x.
    static func sum(_ x: UnsafeBufferPointer<Float>) -> Double {
        let n = x.count
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        var i = 0
        if let base = x.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                a0 += SIMD4<Double>(v.lowHalf)
                a1 += SIMD4<Double>(v.highHalf)
                i += 8
            }
        }
        var total = (a0 + a1).sum()
        while i < n { total += Double(x[i]); i += 1 }
        return total
    }

    /// Σ (x − mean)².
    static func squaredDeviations(_ x: UnsafeBufferPointer<Float>, mean: Double) -> Double {
        let n = x.count
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        let m = SIMD4<Double>(repeating: mean)
        var i = 0
        if let base = x.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let d0 = SIMD4<Double>(v.lowHalf) - m, d1 = SIMD4<Double>(v.highHalf) - m
                a0 += d0 * d0
                a1 += d1 * d1
                i += 8
            }
        }
        var total = (a0 + a1).sum()
        while i < n { let d = Double(x[i]) - mean; total += d * d; i += 1 }
        return total
    }

    /// out = (x − mean) · scale, computed in double and rounded to float32.
    static func affine(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<Float>, mean: Double, scale: Double) {
        let n = x.count
        let m = SIMD4<Double>(repeating: mean), s = SIMD4<Double>(repeating: scale)
        var i = 0
        if let base = x.baseAddress, let target = out.baseAddress {
            let raw = UnsafeRawPointer(base), destination = UnsafeMutableRawPointer(target)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let lo = SIMD4<Float>((SIMD4<Double>(v.lowHalf) - m) * s)
                let hi = SIMD4<Float>((SIMD4<Double>(v.highHalf) - m) * s)
                destination.storeBytes(of: SIMD8<Float>(lowHalf: lo, highHalf: hi), toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
        }
        while i < n { out[i] = Float((Double(x[i]) - mean) * scale); i += 1 }
    }

    /// Σ x and the number of elements over the elements whose `selector` is non-zero (x itself for
    /// a non-zero region, a mask otherwise); `selector` has as many elements as `x`.
    static func maskedSum(_ x: UnsafeBufferPointer<Float>, selector: UnsafeBufferPointer<Float>) -> (sum: Double, count: Int) {
        let n = x.count
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        var counts = SIMD8<Int32>()
        var i = 0
        if let base = x.baseAddress, let keys = selector.baseAddress {
            let raw = UnsafeRawPointer(base), keyRaw = UnsafeRawPointer(keys)
            while i + 8 <= n {
                let keep = keyRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) .!= 0
                let v = SIMD8<Float>().replacing(with: raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), where: keep)
                a0 += SIMD4<Double>(v.lowHalf)
                a1 += SIMD4<Double>(v.highHalf)
                counts &+= SIMD8<Int32>().replacing(with: 1, where: keep)
                i += 8
            }
        }
        var total = (a0 + a1).sum()
        var count = (0..<8).reduce(0) { $0 + Int(counts[$1]) }
        while i < n {
            if selector[i] != 0 { total += Double(x[i]); count += 1 }
            i += 1
        }
        return (total, count)
    }

    /// Σ (x − mean)² over the elements whose `selector` is non-zero.
    static func maskedSquaredDeviations(_ x: UnsafeBufferPointer<Float>, selector: UnsafeBufferPointer<Float>, mean: Double) -> Double {
        let n = x.count
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        let m = SIMD4<Double>(repeating: mean)
        var i = 0
        if let base = x.baseAddress, let keys = selector.baseAddress {
            let raw = UnsafeRawPointer(base), keyRaw = UnsafeRawPointer(keys)
            while i + 8 <= n {
                let key = keyRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let d0 = SIMD4<Double>().replacing(with: SIMD4<Double>(v.lowHalf) - m, where: SIMD4<Double>(key.lowHalf) .!= 0)
                let d1 = SIMD4<Double>().replacing(with: SIMD4<Double>(v.highHalf) - m, where: SIMD4<Double>(key.highHalf) .!= 0)
                a0 += d0 * d0
                a1 += d1 * d1
                i += 8
            }
        }
        var total = (a0 + a1).sum()
        while i < n {
            if selector[i] != 0 { let d = Double(x[i]) - mean; total += d * d }
            i += 1
        }
        return total
    }

    /// out = (x − mean) · scale where `selector` is non-zero, 0 elsewhere; computed in double and rounded to float32.
    static func maskedAffine(_ x: UnsafeBufferPointer<Float>, selector: UnsafeBufferPointer<Float>,
                             _ out: UnsafeMutableBufferPointer<Float>, mean: Double, scale: Double) {
        let n = x.count
        let m = SIMD4<Double>(repeating: mean), s = SIMD4<Double>(repeating: scale)
        var i = 0
        if let base = x.baseAddress, let keys = selector.baseAddress, let target = out.baseAddress {
            let raw = UnsafeRawPointer(base), keyRaw = UnsafeRawPointer(keys), destination = UnsafeMutableRawPointer(target)
            while i + 8 <= n {
                let keep = keyRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) .!= 0
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let lo = SIMD4<Float>((SIMD4<Double>(v.lowHalf) - m) * s)
                let hi = SIMD4<Float>((SIMD4<Double>(v.highHalf) - m) * s)
                let value = SIMD8<Float>().replacing(with: SIMD8<Float>(lowHalf: lo, highHalf: hi), where: keep)
                destination.storeBytes(of: value, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
        }
        while i < n { out[i] = selector[i] != 0 ? Float((Double(x[i]) - mean) * scale) : 0; i += 1 }
    }
}
