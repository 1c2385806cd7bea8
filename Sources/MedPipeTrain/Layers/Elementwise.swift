/// Tight elementwise loops over float buffers, sixteen lanes at a time, shared by the layers (and the
/// sum by Grad-CAM).
public enum Elementwise {
    @usableFromInline typealias V = SIMD16<Float>

    /// `x = max(x, 0)`.
    @inline(__always)
    static func relu(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { x[i] = x[i] > 0 ? x[i] : 0; i += 1 }
    }

    /// `g = y > 0 ? g : 0` (the gradient of ReLU through its output `y`).
    @inline(__always)
    static func maskByPositive(_ g: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        let rg = UnsafeMutableRawPointer(g), ry = UnsafeRawPointer(y)
        var i = 0
        while i + 16 <= n {
            let v = rg.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let m = ry.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            rg.storeBytes(of: v.replacing(with: 0, where: .!(m .> 0)), toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { g[i] = y[i] > 0 ? g[i] : 0; i += 1 }
    }

    /// `dst += src`.
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count n: Int) {
        let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 16 <= n {
            let s = rs.loadUnaligned(fromByteOffset: i * 4, as: V.self) + rd.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            rd.storeBytes(of: s, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        if i + 8 <= n {   // the short rows of col2im (24 values for a 3×3 kernel on 26 columns) end here
            let s = rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + rd.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rd.storeBytes(of: s, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dst[i] += src[i]; i += 1 }
    }

    /// `dst = src` for short rows (im2col copies rows of one output width each), inline: a `memmove` call
    /// costs more than moving a hundred bytes. Rows of sixteen values or more end with a vector that
    /// overlaps the one before. The ranges must not overlap.
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count n: Int) {
        guard n >= 16 else { for i in 0..<n { dst[i] = src[i] }; return }
        let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 16 <= n {
            rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: V.self), toByteOffset: i * 4, as: V.self)
            i += 16
        }
        if i < n { rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: (n - 16) * 4, as: V.self), toByteOffset: (n - 16) * 4, as: V.self) }
    }

    /// `dst += value` (a bias added to one output plane).
    @inline(__always)
    static func add(_ value: Float, to dst: UnsafeMutablePointer<Float>, count n: Int) {
        let rd = UnsafeMutableRawPointer(dst), v = V(repeating: value)
        var i = 0
        while i + 16 <= n {
            rd.storeBytes(of: rd.loadUnaligned(fromByteOffset: i * 4, as: V.self) + v, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { dst[i] += value; i += 1 }
    }

    /// `Σ x` in sixteen lanes (a scalar loop would add one value after the other: the compiler may not
    /// reorder float additions itself).
    @inlinable
    public static func sum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        let raw = UnsafeRawPointer(x)
        var acc = V(), i = 0
        while i + 16 <= n { acc += raw.loadUnaligned(fromByteOffset: i * 4, as: V.self); i += 16 }
        var total = acc.sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    /// `Σ (x − c)²` in sixteen lanes.
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, around c: Float, count n: Int) -> Float {
        let raw = UnsafeRawPointer(x)
        let center = V(repeating: c)
        var acc = V(), i = 0
        while i + 16 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - center
            acc += d * d   // not addProduct: without FMA in the target it becomes a libm call per lane
            i += 16
        }
        var total = acc.sum()
        while i < n { let d = x[i] - c; total += d * d; i += 1 }
        return total
    }

    /// `(Σ a, Σ a·b)` in sixteen lanes.
    @inline(__always)
    static func sumAndDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> (sum: Float, dot: Float) {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var sums = V(), dots = V(), i = 0
        while i + 16 <= n {
            let va = ra.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            sums += va
            dots += va * rb.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            i += 16
        }
        var sum = sums.sum(), dot = dots.sum()
        while i < n { sum += a[i]; dot += a[i] * b[i]; i += 1 }
        return (sum, dot)
    }
}
