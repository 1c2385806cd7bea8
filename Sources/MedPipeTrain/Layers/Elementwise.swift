/// Tight elementwise loops over float buffers, sixteen lanes at a time, shared by the layers.
enum Elementwise {
    typealias V = SIMD16<Float>

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
        while i < n { dst[i] += src[i]; i += 1 }
    }
}
