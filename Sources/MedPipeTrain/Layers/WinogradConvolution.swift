import MedPipeCore

/// A 2D 3 × 3, stride-1 convolution as Winograd's F(2×2, 3×3) (Lavin and Gray, 2016), MedPipe's own, for CPUs
/// where oneDNN has no Winograd kernel (those without AVX-512). Each 2 × 2 block ("tile") of the output is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for the 4 × 4 input patch `d` under it: 16 multiplications per tile and channel
/// pair where the direct convolution takes 36. Over a run of samples the 16 elementwise products become 16 GEMMs,
/// one per position ξ of the 4 × 4 transformed tile, over all of the run's tiles:
///
/// - forward: `V[ξ] [C, T] = Bᵀ d B` for every channel and tile, `M[ξ] [O, T] = U[ξ] [O, C] · V[ξ]`, and the
///   output tiles `Aᵀ M A` plus the bias;
/// - backward, the exact adjoints of those steps: `dM[ξ] [O, T] = A dy Aᵀ`, the weight gradient
///   `dU[ξ] [O, C] += dM[ξ] · V[ξ]ᵀ` (turned into `dW = Gᵀ dU G` once per batch), and the input gradient
///   `dV[ξ] [C, T] = U[ξ]ᵀ · dM[ξ]`, whose tiles `B dV Bᵀ` are added onto the overlapping input patches.
///
/// `T` counts the tiles of a run's samples, `⌈oH/2⌉ · ⌈oW/2⌉` each; tiles over the output's edge read zeros
/// and their values outside the output are dropped (their gradient is zero). Values differ from the direct
/// convolution's in the last bits.
package struct WinogradConvolution {
    package let geometry: ConvGeometry
    package let outChannels: Int
    /// Tiles along H and W per sample.
    let tilesH: Int, tilesW: Int
    /// The zero-padded input plane one sample's channel is copied into: rows and columns `−p …` covering every
    /// tile, and the columns the last group of ``lanes`` tiles reads past the last tile.
    let paddedH: Int, paddedW: Int
    /// The width of the plane an output channel (or its gradient) is assembled in: whole groups of tiles.
    let outputPlaneW: Int

    /// Positions of the transformed 4 × 4 tile.
    static let positions = 16

    /// Whether F(2×2, 3×3) computes this convolution: 2D, 3 × 3, stride 1.
    package static func applies(rank: Int, geometry g: ConvGeometry) -> Bool {
        rank == 2 && g.inD == 1 && g.kD == 1 && g.kH == 3 && g.kW == 3 && g.sH == 1 && g.sW == 1
    }

    package init(outChannels: Int, geometry g: ConvGeometry) {
        geometry = g; self.outChannels = outChannels
        tilesH = (g.outH + 1) / 2; tilesW = (g.outW + 1) / 2
        let groups = (tilesW + Self.lanes - 1) / Self.lanes
        paddedH = 2 * tilesH + 2; paddedW = 2 * Self.lanes * groups + 2
        outputPlaneW = 2 * Self.lanes * groups
    }

    /// Tiles per sample.
    package var tilesPerSample: Int { tilesH * tilesW }

    /// Floats of the transformed weights `U [16, O, C]` (and of their gradient).
    package var transformedWeightCount: Int { Self.positions * outChannels * geometry.channels }

    /// Floats of one worker's scratch for a run of `batch` samples: the transformed input (or its gradient)
    /// `[16, C, T]`, the transformed output (or its gradient) `[16, O, T]` and the lanes a last group of tiles
    /// reads past it, and one padded plane.
    package func scratchCount(batch: Int) -> Int {
        let t = batch * tilesPerSample
        return Self.positions * (geometry.channels + outChannels) * t + Self.lanes + max(paddedH * paddedW, 2 * tilesH * outputPlaneW)
    }

    // MARK: Weights

    /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for the weight `w [O, C, 3, 3]`.
    package func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let oc = outChannels * geometry.channels
        for pair in 0..<oc {
            let g = w + pair * 9
            // G g: the kernel's rows combined (three columns at a time), then each row's columns.
            let rows = Self.weightTransform(SIMD3(g[0], g[1], g[2]), SIMD3(g[3], g[4], g[5]), SIMD3(g[6], g[7], g[8]))
            func put(_ i: Int, _ row: SIMD3<Float>) {
                let t = Self.weightTransform(row[0], row[1], row[2])
                u[(4 * i) * oc + pair] = t.0; u[(4 * i + 1) * oc + pair] = t.1
                u[(4 * i + 2) * oc + pair] = t.2; u[(4 * i + 3) * oc + pair] = t.3
            }
            put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3)
        }
    }

    /// `dw [O, C, 3, 3] = Gᵀ dU G` for the transformed weights' gradient `dU [16, O, C]` (overwritten).
    package func weightGradient(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let oc = outChannels * geometry.channels
        for pair in 0..<oc {
            func row(_ i: Int) -> SIMD3<Float> {   // a row of dU G
                let t = Self.weightTransformAdjoint(du[(4 * i) * oc + pair], du[(4 * i + 1) * oc + pair],
                                                    du[(4 * i + 2) * oc + pair], du[(4 * i + 3) * oc + pair])
                return SIMD3(t.0, t.1, t.2)
            }
            let rows = Self.weightTransformAdjoint(row(0), row(1), row(2), row(3))
            let g = dw + pair * 9
            func put(_ i: Int, _ r: SIMD3<Float>) { g[3 * i] = r[0]; g[3 * i + 1] = r[1]; g[3 * i + 2] = r[2] }
            put(0, rows.0); put(1, rows.1); put(2, rows.2)
        }
    }

    // MARK: Forward and backward over a run of samples

    /// `y [batch, O, oH, oW] = conv(x [batch, C, H, W]) + b` with the transformed weights `u`, on the calling thread.
    package func forward(batch: Int, x: UnsafePointer<Float>, u: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let c = geometry.channels, o = outChannels, t = batch * tilesPerSample
        let v = scratch, m = scratch + Self.positions * c * t, plane = m + Self.positions * o * t + Self.lanes
        transformInput(batch: batch, x: x, v: v, plane: plane)
        for xi in 0..<Self.positions {
            BLAS.sgemmOnCallingThread(transA: false, transB: false, m: o, n: t, k: c, a: u + xi * o * c, lda: c,
                                      b: v + xi * c * t, ldb: t, beta: 0, c: m + xi * o * t, ldc: t)
        }
        transformOutput(batch: batch, m: m, b: b, y: y, plane: plane)
    }

    /// For the output gradient `dy [batch, O, oH, oW]`: adds the run's gradient of the transformed weights to
    /// `du [16, O, C]` (or writes it, when not `accumulating`), and when `dx` is given writes the input gradient
    /// `dx [batch, C, H, W]`; on the calling thread.
    package func backward(batch: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, u: UnsafePointer<Float>,
                          du: UnsafeMutablePointer<Float>?, accumulating: Bool, dx: UnsafeMutablePointer<Float>?,
                          scratch: UnsafeMutablePointer<Float>) {
        let c = geometry.channels, o = outChannels, t = batch * tilesPerSample
        let v = scratch, dm = scratch + Self.positions * c * t, plane = dm + Self.positions * o * t + Self.lanes
        transformOutputGradient(batch: batch, dy: dy, dm: dm, plane: plane)
        if let du {
            transformInput(batch: batch, x: x, v: v, plane: plane)
            for xi in 0..<Self.positions {
                BLAS.sgemmOnCallingThread(transA: false, transB: true, m: o, n: c, k: t, a: dm + xi * o * t, lda: t,
                                          b: v + xi * c * t, ldb: t, beta: accumulating ? 1 : 0, c: du + xi * o * c, ldc: c)
            }
        }
        guard let dx else { return }
        for xi in 0..<Self.positions {   // dV overwrites V
            BLAS.sgemmOnCallingThread(transA: true, transB: false, m: c, n: t, k: o, a: u + xi * o * c, lda: c,
                                      b: dm + xi * o * t, ldb: t, beta: 0, c: v + xi * c * t, ldc: t)
        }
        transformInputGradient(batch: batch, dv: v, dx: dx, plane: plane)
    }

    // MARK: A batch, over the workers

    /// Floats of the scratch a batch of `n` samples takes: a run's ``scratchCount(batch:)`` per worker.
    package func scratchCount(samples n: Int) -> Int { Parallel.workers(for: n) * scratchCount(batch: ConvolutionPrimitives.samplesPerRun) }

    /// Floats of the partial gradients backward sums for `n` samples: per worker, its dU `[16, O, C]` then its bias gradient.
    package func partialCount(samples n: Int) -> Int { Parallel.workers(for: n) * (transformedWeightCount + outChannels) }

    /// Training's forward over `n` samples: writes the transformed weights `u` of `w [O, C, 3, 3]` (kept for
    /// backward), then `y [n, O, oH, oW] = conv(x) + b`, rectified when `rectifying`, each worker's share of the
    /// samples in runs of ``ConvolutionPrimitives/samplesPerRun``.
    package func forward(samples n: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         u: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, rectifying: Bool,
                         scratch: UnsafeMutablePointer<Float>) {
        transformWeights(w, into: u)
        let runScratch = scratchCount(batch: ConvolutionPrimitives.samplesPerRun), outputSize = outChannels * geometry.positions
        Parallel.forWorkers(n) { worker, samples in
            for run in ConvolutionPrimitives.runs(samples) {
                let ys = y + run.lowerBound * outputSize
                forward(batch: run.count, x: x + run.lowerBound * geometry.inputSize, u: u, b: b, y: ys, scratch: scratch + worker * runScratch)
                if rectifying { Elementwise.relu(ys, count: run.count * outputSize) }
            }
        }
    }

    /// Training's backward over `n` samples for the output gradient `dy`, in the runs forward took. Where
    /// `rectified` (forward's rectified output) is given, each run's `dy` is first masked where it is not positive
    /// (the ReLU's backward), while in cache. Writes the weight gradient `dw [O, C, 3, 3]`, the bias gradient `db`
    /// and the input gradient `dx [n, C, H, W]`, each when given: each worker sums its runs' dU and bias gradient
    /// in `partials` (``partialCount(samples:)``), and the workers' sums, added in worker order, make `dw` and `db`.
    package func backward(samples n: Int, x: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>, rectified: UnsafePointer<Float>?,
                          u: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?,
                          dx: UnsafeMutablePointer<Float>?, partials: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let o = outChannels, p = geometry.positions, partial = transformedWeightCount + o
        let runScratch = scratchCount(batch: ConvolutionPrimitives.samplesPerRun)
        Parallel.forWorkers(n) { worker, samples in
            let du = partials + worker * partial, dbWorker = du + transformedWeightCount
            for run in ConvolutionPrimitives.runs(samples) {
                let dys = dy + run.lowerBound * o * p
                if let rectified { Elementwise.maskByPositive(dys, rectified + run.lowerBound * o * p, count: run.count * o * p) }
                let first = run.lowerBound == samples.lowerBound
                backward(batch: run.count, x: x + run.lowerBound * geometry.inputSize, dy: dys, u: u, du: dw != nil ? du : nil,
                         accumulating: !first, dx: dx.map { $0 + run.lowerBound * geometry.inputSize }, scratch: scratch + worker * runScratch)
                for channel in 0..<(db != nil ? o : 0) {
                    var sum: Float = 0
                    for s in 0..<run.count { sum += Elementwise.sum(dys + (s * o + channel) * p, count: p) }
                    dbWorker[channel] = first ? sum : dbWorker[channel] + sum
                }
            }
        }
        for worker in 1..<max(1, Parallel.workers(for: n)) { Elementwise.add(partials + worker * partial, into: partials, count: partial) }
        if let dw { weightGradient(partials, into: dw) }
        db?.update(from: partials + transformedWeightCount, count: o)
    }

    // MARK: Tile transforms, on groups of `lanes` tiles along a row of tiles, one tile per vector lane

    /// Tiles transformed at once.
    static let lanes = 8
    typealias Lanes = SIMD8<Float>

    /// The valid lanes of the group of tiles from `tx`: ``lanes``, or fewer at a row's end.
    @inline(__always)
    private func lanes(from tx: Int) -> Int { min(Self.lanes, tilesW - tx) }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

    @inline(__always)
    private static func loadPairs(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

    /// Stores the first `count` lanes of `v` at `p`.
    @inline(__always)
    private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count == lanes { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) } else { for l in 0..<count { p[l] = v[l] } }
    }

    /// `even` and `odd` interleaved: one row of two columns of `lanes` tiles.
    @inline(__always)
    private static func interleaved(_ even: Lanes, _ odd: Lanes) -> SIMD16<Float> {
        var v = SIMD16<Float>(); v.evenHalf = even; v.oddHalf = odd
        return v
    }

    /// `V[ξ][c][tile] = (Bᵀ d B)[ξ]` for every sample, channel and tile.
    private func transformInput(batch: Int, x: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, c = g.channels, t = batch * tilesPerSample, stride = c * t, pw = paddedW
        for s in 0..<batch {
            for channel in 0..<c {
                loadPadded(x + (s * c + channel) * g.plane, into: plane)
                let out = v + channel * t + s * tilesPerSample
                for ty in 0..<tilesH {
                    for tx in Swift.stride(from: 0, to: tilesW, by: Self.lanes) {
                        let p = plane + 2 * ty * pw + 2 * tx, n = lanes(from: tx), dst = out + ty * tilesW + tx
                        func patchRow(_ i: Int) -> Quad {   // columns 0…3 of the tiles' patches
                            let low = Self.loadPairs(p + i * pw), high = Self.loadPairs(p + i * pw + 2)
                            return Quad(low.evenHalf, low.oddHalf, high.evenHalf, high.oddHalf)
                        }
                        let rows = Self.inputTransform(patchRow(0), patchRow(1), patchRow(2), patchRow(3))   // Bᵀ d
                        func put(_ i: Int, _ r: Quad) {   // (Bᵀ d) B
                            let e = Self.inputTransform(r.c0, r.c1, r.c2, r.c3)
                            Self.store(e.0, dst + (4 * i) * stride, count: n); Self.store(e.1, dst + (4 * i + 1) * stride, count: n)
                            Self.store(e.2, dst + (4 * i + 2) * stride, count: n); Self.store(e.3, dst + (4 * i + 3) * stride, count: n)
                        }
                        put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3)
                    }
                }
            }
        }
    }

    /// Adds the tiles `B dV Bᵀ` onto the padded input plane of each sample and channel, and writes its inside to `dx`.
    private func transformInputGradient(batch: Int, dv: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, c = g.channels, t = batch * tilesPerSample, stride = c * t, pw = paddedW
        for s in 0..<batch {
            for channel in 0..<c {
                plane.update(repeating: 0, count: paddedH * pw)
                let src = dv + channel * t + s * tilesPerSample
                for ty in 0..<tilesH {
                    for tx in Swift.stride(from: 0, to: tilesW, by: Self.lanes) {
                        let n = lanes(from: tx), tiles = src + ty * tilesW + tx
                        // Lanes past the row's last tile hold other tiles' values: read as zero, they add nothing.
                        let past = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(n))
                        func position(_ xi: Int) -> Lanes { Self.load(tiles + xi * stride).replacing(with: 0, where: past) }
                        func tileRow(_ i: Int) -> Quad {   // a row of dV Bᵀ
                            let e = Self.inputTransformAdjoint(position(4 * i), position(4 * i + 1), position(4 * i + 2), position(4 * i + 3))
                            return Quad(e.0, e.1, e.2, e.3)
                        }
                        let rows = Self.inputTransformAdjoint(tileRow(0), tileRow(1), tileRow(2), tileRow(3))   // B (dV Bᵀ)
                        let p = UnsafeMutableRawPointer(plane + 2 * ty * pw + 2 * tx)
                        func add(_ i: Int, _ r: Quad) {   // columns 0, 1 of each tile, then 2, 3 (the next tile's 0, 1)
                            let at = i * pw * 4
                            p.storeBytes(of: p.loadUnaligned(fromByteOffset: at, as: SIMD16<Float>.self) + Self.interleaved(r.c0, r.c1),
                                         toByteOffset: at, as: SIMD16<Float>.self)
                            p.storeBytes(of: p.loadUnaligned(fromByteOffset: at + 8, as: SIMD16<Float>.self) + Self.interleaved(r.c2, r.c3),
                                         toByteOffset: at + 8, as: SIMD16<Float>.self)
                        }
                        add(0, rows.0); add(1, rows.1); add(2, rows.2); add(3, rows.3)
                    }
                }
                storeInside(plane, to: dx + (s * c + channel) * g.plane)
            }
        }
    }

    /// `y = Aᵀ M A + b` for every sample, output channel and tile, the parts inside the output.
    private func transformOutput(batch: Int, m: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                 plane: UnsafeMutablePointer<Float>) {
        let g = geometry, o = outChannels, t = batch * tilesPerSample, stride = o * t, pw = outputPlaneW
        for s in 0..<batch {
            for channel in 0..<o {
                let src = m + channel * t + s * tilesPerSample, bias = Lanes(repeating: b[channel])
                for ty in 0..<tilesH {
                    for tx in Swift.stride(from: 0, to: tilesW, by: Self.lanes) {
                        // Lanes past the row's last tile compute values for columns no output has.
                        let tiles = src + ty * tilesW + tx
                        func tileRow(_ i: Int) -> Quad {
                            Quad(Self.load(tiles + (4 * i) * stride), Self.load(tiles + (4 * i + 1) * stride),
                                 Self.load(tiles + (4 * i + 2) * stride), Self.load(tiles + (4 * i + 3) * stride))
                        }
                        let rows = Self.outputTransform(tileRow(0), tileRow(1), tileRow(2), tileRow(3))   // Aᵀ M
                        let top = Self.outputTransform(rows.0.c0, rows.0.c1, rows.0.c2, rows.0.c3)           // … A
                        let bottom = Self.outputTransform(rows.1.c0, rows.1.c1, rows.1.c2, rows.1.c3)
                        let p = UnsafeMutableRawPointer(plane + 2 * ty * pw + 2 * tx)
                        p.storeBytes(of: Self.interleaved(top.0 + bias, top.1 + bias), as: SIMD16<Float>.self)
                        p.storeBytes(of: Self.interleaved(bottom.0 + bias, bottom.1 + bias), toByteOffset: pw * 4, as: SIMD16<Float>.self)
                    }
                }
                let out = y + (s * o + channel) * g.outH * g.outW
                for oy in 0..<g.outH { (out + oy * g.outW).update(from: plane + oy * pw, count: g.outW) }
            }
        }
    }

    /// `dM[ξ][o][tile] = (A dy Aᵀ)[ξ]`, the output gradient read as zero outside the output.
    private func transformOutputGradient(batch: Int, dy: UnsafePointer<Float>, dm: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, o = outChannels, t = batch * tilesPerSample, stride = o * t, pw = outputPlaneW
        plane.update(repeating: 0, count: 2 * tilesH * pw)   // what no output row or column overwrites stays zero
        for s in 0..<batch {
            for channel in 0..<o {
                let src = dy + (s * o + channel) * g.outH * g.outW
                for oy in 0..<g.outH { (plane + oy * pw).update(from: src + oy * g.outW, count: g.outW) }
                let out = dm + channel * t + s * tilesPerSample
                for ty in 0..<tilesH {
                    for tx in Swift.stride(from: 0, to: tilesW, by: Self.lanes) {
                        let p = plane + 2 * ty * pw + 2 * tx, n = lanes(from: tx), dst = out + ty * tilesW + tx
                        let top = Self.loadPairs(p), bottom = Self.loadPairs(p + pw)
                        // dy A… per row, then A (dy Aᵀ) per column.
                        let r0 = Self.outputTransformAdjoint(top.evenHalf, top.oddHalf), r1 = Self.outputTransformAdjoint(bottom.evenHalf, bottom.oddHalf)
                        func put(_ j: Int, _ upper: Lanes, _ lower: Lanes) {
                            let e = Self.outputTransformAdjoint(upper, lower)
                            Self.store(e.0, dst + j * stride, count: n); Self.store(e.1, dst + (4 + j) * stride, count: n)
                            Self.store(e.2, dst + (8 + j) * stride, count: n); Self.store(e.3, dst + (12 + j) * stride, count: n)
                        }
                        put(0, r0.0, r1.0); put(1, r0.1, r1.1); put(2, r0.2, r1.2); put(3, r0.3, r1.3)
                    }
                }
            }
        }
    }

    /// Copies one channel `[H, W]` into the padded plane at row and column `p`, zeros around it.
    private func loadPadded(_ x: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        let g = geometry, pw = paddedW
        plane.update(repeating: 0, count: paddedH * pw)
        let rows = min(g.inH, paddedH - g.pH), cols = min(g.inW, pw - g.pW)
        for iy in 0..<rows { (plane + (iy + g.pH) * pw + g.pW).update(from: x + iy * g.inW, count: cols) }
    }

    /// Copies the padded plane's inside back to one channel `[H, W]`; inputs no tile reaches get zero.
    private func storeInside(_ plane: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>) {
        let g = geometry, pw = paddedW
        let rows = min(g.inH, paddedH - g.pH), cols = min(g.inW, pw - g.pW)
        if rows < g.inH || cols < g.inW { x.update(repeating: 0, count: g.plane) }
        for iy in 0..<rows { (x + iy * g.inW).update(from: plane + (iy + g.pH) * pw + g.pW, count: cols) }
    }

    // MARK: The 1D transforms, on scalars or on rows of a tile

    /// Bᵀ with Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
    @inline(__always)
    static func inputTransform<T: WinogradValue>(_ d0: T, _ d1: T, _ d2: T, _ d3: T) -> (T, T, T, T) {
        (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }

    /// B, the adjoint of ``inputTransform(_:_:_:_:)``.
    @inline(__always)
    static func inputTransformAdjoint<T: WinogradValue>(_ v0: T, _ v1: T, _ v2: T, _ v3: T) -> (T, T, T, T) {
        (v0, v1 - v2 + v3, v1 + v2 - v0, .zero - v3)
    }

    /// G with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
    @inline(__always)
    static func weightTransform<T: WinogradValue>(_ g0: T, _ g1: T, _ g2: T) -> (T, T, T, T) {
        let even = (g0 + g2).halved, odd = g1.halved
        return (g0, even + odd, even - odd, g2)
    }

    /// Gᵀ, the adjoint of ``weightTransform(_:_:_:)``.
    @inline(__always)
    static func weightTransformAdjoint<T: WinogradValue>(_ u0: T, _ u1: T, _ u2: T, _ u3: T) -> (T, T, T) {
        let sum = (u1 + u2).halved
        return (u0 + sum, (u1 - u2).halved, sum + u3)
    }

    /// Aᵀ with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
    @inline(__always)
    static func outputTransform<T: WinogradValue>(_ m0: T, _ m1: T, _ m2: T, _ m3: T) -> (T, T) {
        (m0 + m1 + m2, m1 - m2 - m3)
    }

    /// A, the adjoint of ``outputTransform(_:_:_:_:)``.
    @inline(__always)
    static func outputTransformAdjoint<T: WinogradValue>(_ y0: T, _ y1: T) -> (T, T, T, T) {
        (y0, y0 + y1, y0 - y1, .zero - y1)
    }
}

/// What the 1D transforms combine: one value, or a row of a tile as a vector.
protocol WinogradValue {
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    /// The value times ½.
    var halved: Self { get }
}

/// One row of four columns of a group of tiles.
struct Quad: WinogradValue {
    var c0: SIMD8<Float>, c1: SIMD8<Float>, c2: SIMD8<Float>, c3: SIMD8<Float>
    @inline(__always)
    init(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>) { self.c0 = c0; self.c1 = c1; self.c2 = c2; self.c3 = c3 }
    static var zero: Quad { @inline(__always) get { Quad(.zero, .zero, .zero, .zero) } }
    @inline(__always)
    static func + (a: Quad, b: Quad) -> Quad { Quad(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2, a.c3 + b.c3) }
    @inline(__always)
    static func - (a: Quad, b: Quad) -> Quad { Quad(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2, a.c3 - b.c3) }
    var halved: Quad { @inline(__always) get { Quad(0.5 * c0, 0.5 * c1, 0.5 * c2, 0.5 * c3) } }
}

extension Float: WinogradValue {
    var halved: Float { @inline(__always) get { 0.5 * self } }
}

extension SIMD3: WinogradValue where Scalar == Float {
    var halved: Self { @inline(__always) get { 0.5 * self } }
}

extension SIMD8: WinogradValue where Scalar == Float {
    var halved: Self { @inline(__always) get { 0.5 * self } }
}
