/// Sizes of one convolution (or pooling window) on a sample, with 1D and 2D cases embedded in 3D
/// (`D = H = 1` for 1D, `D = 1` for 2D), and the im2col / col2im transforms between a sample
/// `[C, D, H, W]` and its column matrix `[C·kD·kH·kW, oD·oH·oW]`.
package struct ConvGeometry: Sendable, Equatable {
    package var channels: Int
    var inD: Int, inH: Int, inW: Int
    var kD: Int, kH: Int, kW: Int
    var sD: Int, sH: Int, sW: Int
    var pD: Int, pH: Int, pW: Int
    package var outD: Int, outH: Int, outW: Int

    /// Geometry for a sample `[C, spatial...]` of the given rank with a cubic kernel; nil if the window does not fit.
    package init?(rank: Int, sample: [Int], kernel: Int, stride: Int, padding: Int) {
        guard sample.count == rank + 1 else { return nil }
        let spatial = [Int](repeating: 1, count: 3 - rank) + sample.dropFirst()
        let k = [Int](repeating: 1, count: 3 - rank) + [Int](repeating: kernel, count: rank)
        let s = [Int](repeating: 1, count: 3 - rank) + [Int](repeating: stride, count: rank)
        let p = [Int](repeating: 0, count: 3 - rank) + [Int](repeating: padding, count: rank)
        var out = [Int](repeating: 0, count: 3)
        for a in 0..<3 {
            let span = spatial[a] + 2 * p[a] - k[a]
            guard span >= 0 else { return nil }
            out[a] = span / s[a] + 1
        }
        channels = sample[0]
        (inD, inH, inW) = (spatial[0], spatial[1], spatial[2])
        (kD, kH, kW) = (k[0], k[1], k[2])
        (sD, sH, sW) = (s[0], s[1], s[2])
        (pD, pH, pW) = (p[0], p[1], p[2])
        (outD, outH, outW) = (out[0], out[1], out[2])
    }

    /// Rows of the column matrix: C·kD·kH·kW.
    package var rows: Int { channels * kD * kH * kW }
    /// Output positions per channel: oD·oH·oW.
    package var positions: Int { outD * outH * outW }
    /// Input values per channel: D·H·W.
    var plane: Int { inD * inH * inW }
    /// Values in one input sample.
    package var inputSize: Int { channels * plane }
    /// The output spatial extents for a given rank (dropping the embedded unit axes).
    func outputSpatial(rank: Int) -> [Int] { Array([outD, outH, outW].suffix(rank)) }

    /// Output columns `[lo, hi)` along W whose input column `x·sW − pW + e` lies inside the sample.
    @inline(__always)
    private func validColumns(_ e: Int) -> (Int, Int) {
        let first = pW - e   // x·sW ≥ pW − e
        let lo = first <= 0 ? 0 : (first + sW - 1) / sW
        let last = inW - 1 + pW - e   // x·sW ≤ inW − 1 + pW − e
        let hi = last < 0 ? 0 : min(outW, last / sW + 1)
        return (min(lo, hi), hi)
    }

    /// True for a 1D or 2D convolution with stride 1 whose output has the input's size ("same" padding):
    /// then each row of the column matrix is the input plane shifted by one offset.
    var isSameSizeShift: Bool {
        inD == 1 && kD == 1 && sH == 1 && sW == 1 && outH == inH && outW == inW
    }

    /// Writes the column matrix of one sample: row r = (c, a, b, e) starts at `cols + r·ld`.
    func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, ld: Int) {
        if isSameSizeShift { return shiftedIm2col(x, cols, ld: ld) }
        var row = 0
        let hw = outH * outW
        for c in 0..<channels {
            let src = x + c * plane
            for a in 0..<kD { for b in 0..<kH { for e in 0..<kW {
                var dst = cols + row * ld
                row += 1
                let (lo, hi) = validColumns(e)
                for z in 0..<outD {
                    let iz = z * sD - pD + a
                    if iz < 0 || iz >= inD { dst.update(repeating: 0, count: hw); dst += hw; continue }
                    for y in 0..<outH {
                        let iy = y * sH - pH + b
                        if iy < 0 || iy >= inH { dst.update(repeating: 0, count: outW); dst += outW; continue }
                        let base = (iz * inH + iy) * inW - pW + e   // input index of output column 0
                        for x in 0..<lo { dst[x] = 0 }   // the padding: a value or two, not worth a memset call
                        if sW == 1 {
                            Elementwise.copy(src + (base + lo), to: dst + lo, count: hi - lo)
                        } else {
                            for x in lo..<hi { dst[x] = src[base + x * sW] }
                        }
                        for x in hi..<outW { dst[x] = 0 }
                        dst += outW
                    }
                }
            }}}
        }
    }

    /// For `isSameSizeShift` geometries, column-matrix row (b, e) holds the plane shifted by
    /// `(b − pH)·W + e − pW`: the shift, the range `lo..<hi` of positions whose source lies in the plane, and
    /// the columns that wrapped across a row edge (the `|e − pW|` nearest the edge, in every row), which
    /// belong to the padding. Rows above or below the plane fall outside `lo..<hi`.
    @inline(__always)
    private func shiftedRow(b: Int, e: Int) -> (shift: Int, lo: Int, hi: Int, wrapped: Range<Int>) {
        let p = positions, dx = e - pW, shift = (b - pH) * inW + dx
        let lo = min(p, max(0, -shift)), hi = max(lo, min(p, plane - shift))
        return (shift, lo, hi, dx < 0 ? 0..<min(-dx, outW) : max(0, outW - dx)..<outW)
    }

    /// Zeroes the wrapped columns of one column-matrix row.
    @inline(__always)
    private func zeroWrapped(_ row: UnsafeMutablePointer<Float>, _ wrapped: Range<Int>) {
        guard !wrapped.isEmpty else { return }
        for y in 0..<outH { for x in wrapped { row[y * outW + x] = 0 } }
    }

    /// `im2col` for `isSameSizeShift` geometries: one copy of the shifted plane per row, then the wrapped
    /// columns zeroed.
    private func shiftedIm2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, ld: Int) {
        var row = 0
        for c in 0..<channels {
            let src = x + c * plane
            for b in 0..<kH { for e in 0..<kW {
                let dst = cols + row * ld
                row += 1
                let (shift, lo, hi, wrapped) = shiftedRow(b: b, e: e)
                dst.update(repeating: 0, count: lo)
                (dst + lo).update(from: src + (lo + shift), count: hi - lo)
                (dst + hi).update(repeating: 0, count: positions - hi)
                zeroWrapped(dst, wrapped)
            }}
        }
    }

    /// `col2imAdd` for `isSameSizeShift` geometries: the wrapped columns of each row are zeroed (they are
    /// padding), then the row is added onto the shifted plane in one pass.
    private func shiftedCol2imAdd(_ cols: UnsafeMutablePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>) {
        var row = 0
        for c in 0..<channels {
            let dst = dx + c * plane
            for b in 0..<kH { for e in 0..<kW {
                let src = cols + row * ld
                row += 1
                let (shift, lo, hi, wrapped) = shiftedRow(b: b, e: e)
                zeroWrapped(src, wrapped)
                if hi > lo { Elementwise.add(src + lo, into: dst + (lo + shift), count: hi - lo) }
            }}
        }
    }

    /// Adds the column-matrix gradient of one sample back onto its input gradient `dx` (the adjoint of im2col).
    /// `cols` is scratch: for `isSameSizeShift` geometries its wrapped positions are zeroed on the way.
    func col2imAdd(_ cols: UnsafeMutablePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>) {
        if isSameSizeShift { return shiftedCol2imAdd(cols, ld: ld, dx) }
        var row = 0
        let hw = outH * outW
        for c in 0..<channels {
            let dst = dx + c * plane
            for a in 0..<kD { for b in 0..<kH { for e in 0..<kW {
                var src = cols + row * ld
                row += 1
                let (lo, hi) = validColumns(e)
                for z in 0..<outD {
                    let iz = z * sD - pD + a
                    if iz < 0 || iz >= inD { src += hw; continue }
                    for y in 0..<outH {
                        let iy = y * sH - pH + b
                        if iy >= 0 && iy < inH {
                            let base = (iz * inH + iy) * inW - pW + e
                            if sW == 1 {
                                if hi > lo { Elementwise.add(src + lo, into: dst + (base + lo), count: hi - lo) }
                            } else {
                                for x in lo..<hi { dst[base + x * sW] += src[x] }
                            }
                        }
                        src += outW
                    }
                }
            }}}
        }
    }
}
