import MedPipeCore

/// A 2D 3 × 3, stride-1 convolution as Winograd's F(4×4, 3×3) (Lavin and Gray, 2016), MedPipe's own, for CPUs
/// where oneDNN has no Winograd kernel (those without AVX-512). Each 4 × 4 block ("tile") of the output is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for the 6 × 6 input patch `d` under it, with the interpolation points 0, ±1, ±2:
/// 36 multiplications per tile and channel pair where the direct convolution takes 144. Over a run of samples the
/// 36 elementwise products become 36 GEMMs, one per position ξ of the 6 × 6 transformed tile, over all of the
/// run's tiles:
///
/// - forward: `V[ξ] [C, T] = Bᵀ d B` for every channel and tile, `M[ξ] [O, T] = U[ξ] [O, C] · V[ξ]`, and the
///   output tiles `Aᵀ M A` plus the bias;
/// - backward, the exact adjoints of those steps: `dM[ξ] [O, T] = A dy Aᵀ`, the weight gradient
///   `dU[ξ] [O, C] += dM[ξ] · V[ξ]ᵀ` (turned into `dW = Gᵀ dU G` once per batch), and the input gradient
///   `dV[ξ] [C, T] = U[ξ]ᵀ · dM[ξ]`, whose tiles `B dV Bᵀ` are added onto the overlapping input patches.
///
/// `T` counts the tiles of a run's samples, `⌈oH/4⌉ · ⌈oW/4⌉` each; tiles over the output's edge read zeros
/// and their values outside the output are dropped (their gradient is zero). The tile transforms take ``lanes``
/// tiles at a time, one per SIMD lane: eight of a row of tiles, or, on planes at most four tiles wide, four of
/// each of two rows. Values differ from the direct convolution's in the last bits.
package struct WinogradConvolution {
    package let geometry: ConvGeometry
    package let outChannels: Int
    /// Tiles along H and W per sample.
    let tilesH: Int, tilesW: Int
    /// Rows of tiles in a group of ``lanes``: 1, or 2 on planes at most 4 tiles wide; and its tiles along a row.
    let groupRows: Int, groupWidth: Int
    /// The zero-padded input plane one sample's channel is copied into: rows and columns `−p …` covering every
    /// group of tiles, and the columns the last group reads past its last tile.
    let paddedH: Int, paddedW: Int
    /// The width of the plane an output channel (or its gradient) is assembled in: whole groups of tiles.
    let outputPlaneW: Int

    /// The side of an output tile.
    static let tile = 4
    /// Positions of the transformed 6 × 6 tile.
    static let positions = 36

    /// Whether F(4×4, 3×3) computes this convolution: 2D, 3 × 3, stride 1.
    package static func applies(rank: Int, geometry g: ConvGeometry) -> Bool {
        rank == 2 && g.inD == 1 && g.kD == 1 && g.kH == 3 && g.kW == 3 && g.sH == 1 && g.sW == 1
    }

    package init(outChannels: Int, geometry g: ConvGeometry) {
        geometry = g; self.outChannels = outChannels
        tilesH = (g.outH + Self.tile - 1) / Self.tile; tilesW = (g.outW + Self.tile - 1) / Self.tile
        groupRows = tilesW <= Self.lanes / 2 ? 2 : 1; groupWidth = Self.lanes / groupRows
        outputPlaneW = Self.tile * groupWidth * ((tilesW + groupWidth - 1) / groupWidth)
        paddedH = Self.tile * ((tilesH + groupRows - 1) / groupRows * groupRows) + 2; paddedW = outputPlaneW + Self.tile
    }

    /// The rows of an output plane (or its gradient) the groups of tiles cover.
    var outputPlaneH: Int { paddedH - 2 }

    /// Tiles per sample.
    package var tilesPerSample: Int { tilesH * tilesW }

    /// Floats of the transformed weights `U [36, O, C]` (and of their gradient).
    package var transformedWeightCount: Int { Self.positions * outChannels * geometry.channels }

    /// The length of a row of a transformed array over a run of `batch` samples' tiles: the tiles, and the
    /// ``lanes`` a last group of tiles writes (or reads) past them.
    func rowLength(batch: Int) -> Int { batch * tilesPerSample + Self.lanes }

    /// Floats of one worker's scratch for a run of `batch` samples: the transformed input (or its gradient)
    /// `[36, C, T]` and the transformed output (or its gradient) `[36, O, T]`, their rows ``rowLength(batch:)``
    /// long, and one padded plane.
    package func scratchCount(batch: Int) -> Int {
        Self.positions * (geometry.channels + outChannels) * rowLength(batch: batch) + max(paddedH * paddedW, outputPlaneH * outputPlaneW)
    }

    // MARK: Weights

    /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for the weight `w [O, C, 3, 3]`: eight kernels at a time, one per lane, so that
    /// U's rows are written eight floats at a time.
    package func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let oc = outChannels * geometry.channels, whole = oc / Self.lanes * Self.lanes
        for pair in Swift.stride(from: 0, to: whole, by: Self.lanes) {
            let g = w + pair * 9
            Self.transformKernel({ k in Lanes(g[k], g[9 + k], g[18 + k], g[27 + k], g[36 + k], g[45 + k], g[54 + k], g[63 + k]) },
                                 { xi, v in UnsafeMutableRawPointer(u + xi * oc + pair).storeBytes(of: v, as: Lanes.self) })
        }
        for pair in whole..<oc {
            let g = w + pair * 9
            Self.transformKernel({ g[$0] }, { u[$0 * oc + pair] = $1 })
        }
    }

    /// `dw [O, C, 3, 3] = Gᵀ dU G` for the transformed weights' gradient `dU [36, O, C]` (overwritten), eight
    /// kernels at a time as ``transformWeights(_:into:)``.
    package func weightGradient(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let oc = outChannels * geometry.channels, whole = oc / Self.lanes * Self.lanes
        for pair in Swift.stride(from: 0, to: whole, by: Self.lanes) {
            let g = dw + pair * 9
            Self.kernelGradient({ xi in UnsafeRawPointer(du + xi * oc + pair).loadUnaligned(as: Lanes.self) },
                                { k, v in for l in 0..<Self.lanes { g[9 * l + k] = v[l] } })
        }
        for pair in whole..<oc {
            let g = dw + pair * 9
            Self.kernelGradient({ du[$0 * oc + pair] }, { g[$0] = $1 })
        }
    }

    /// `G g Gᵀ` for a kernel `g` whose tap `k` (row · 3 + column) is `tap(k)`: each position ξ of the result to `put`.
    @inline(__always)
    static func transformKernel<T: WinogradValue>(_ tap: (Int) -> T, _ put: (Int, T) -> Void) {
        // G g, column by column; then each of its rows through G.
        let c0 = weightTransform(tap(0), tap(3), tap(6)), c1 = weightTransform(tap(1), tap(4), tap(7)), c2 = weightTransform(tap(2), tap(5), tap(8))
        func row(_ i: Int, _ a: T, _ b: T, _ c: T) {
            let t = weightTransform(a, b, c)
            put(6 * i, t.0); put(6 * i + 1, t.1); put(6 * i + 2, t.2); put(6 * i + 3, t.3); put(6 * i + 4, t.4); put(6 * i + 5, t.5)
        }
        row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2)
        row(3, c0.3, c1.3, c2.3); row(4, c0.4, c1.4, c2.4); row(5, c0.5, c1.5, c2.5)
    }

    /// `Gᵀ dU G` for a transformed kernel's gradient whose position ξ is `position(ξ)`: each tap `k` to `put`, the
    /// adjoint of ``transformKernel(_:_:)``.
    @inline(__always)
    static func kernelGradient<T: WinogradValue>(_ position: (Int) -> T, _ put: (Int, T) -> Void) {
        // dU G, row by row; then each of its columns through Gᵀ.
        func row(_ i: Int) -> (T, T, T) {
            weightTransformAdjoint(position(6 * i), position(6 * i + 1), position(6 * i + 2), position(6 * i + 3), position(6 * i + 4), position(6 * i + 5))
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
        func column(_ j: Int, _ t: (T, T, T)) { put(j, t.0); put(3 + j, t.1); put(6 + j, t.2) }
        column(0, weightTransformAdjoint(r0.0, r1.0, r2.0, r3.0, r4.0, r5.0))
        column(1, weightTransformAdjoint(r0.1, r1.1, r2.1, r3.1, r4.1, r5.1))
        column(2, weightTransformAdjoint(r0.2, r1.2, r2.2, r3.2, r4.2, r5.2))
    }

    // MARK: Forward and backward over a run of samples

    /// `y [batch, O, oH, oW] = conv(x [batch, C, H, W]) + b` with the transformed weights `u`, on the calling thread.
    package func forward(batch: Int, x: UnsafePointer<Float>, u: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let c = geometry.channels, o = outChannels, t = batch * tilesPerSample, ld = rowLength(batch: batch)
        let v = scratch, m = scratch + Self.positions * c * ld, plane = m + Self.positions * o * ld
        transformInput(batch: batch, x: x, v: v, plane: plane)
        for xi in 0..<Self.positions {
            BLAS.sgemmOnCallingThread(transA: false, transB: false, m: o, n: t, k: c, a: u + xi * o * c, lda: c,
                                      b: v + xi * c * ld, ldb: ld, beta: 0, c: m + xi * o * ld, ldc: ld)
        }
        transformOutput(batch: batch, m: m, b: b, y: y, plane: plane)
    }

    /// For the output gradient `dy [batch, O, oH, oW]`: adds the run's gradient of the transformed weights to
    /// `du [36, O, C]` (or writes it, when not `accumulating`), and when `dx` is given writes the input gradient
    /// `dx [batch, C, H, W]`; on the calling thread.
    package func backward(batch: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, u: UnsafePointer<Float>,
                          du: UnsafeMutablePointer<Float>?, accumulating: Bool, dx: UnsafeMutablePointer<Float>?,
                          scratch: UnsafeMutablePointer<Float>) {
        let c = geometry.channels, o = outChannels, t = batch * tilesPerSample, ld = rowLength(batch: batch)
        let v = scratch, dm = scratch + Self.positions * c * ld, plane = dm + Self.positions * o * ld
        transformOutputGradient(batch: batch, dy: dy, dm: dm, plane: plane)
        if let du {
            transformInput(batch: batch, x: x, v: v, plane: plane)
            for xi in 0..<Self.positions {
                BLAS.sgemmOnCallingThread(transA: false, transB: true, m: o, n: c, k: t, a: dm + xi * o * ld, lda: ld,
                                          b: v + xi * c * ld, ldb: ld, beta: accumulating ? 1 : 0, c: du + xi * o * c, ldc: c)
            }
        }
        guard let dx else { return }
        for xi in 0..<Self.positions {   // dV overwrites V
            BLAS.sgemmOnCallingThread(transA: true, transB: false, m: c, n: t, k: o, a: u + xi * o * c, lda: c,
                                      b: dm + xi * o * ld, ldb: ld, beta: 0, c: v + xi * c * ld, ldc: ld)
        }
        transformInputGradient(batch: batch, dv: v, dx: dx, plane: plane)
    }

    // MARK: A batch, over the workers

    /// Floats of the scratch a batch of `n` samples takes: a run's ``scratchCount(batch:)`` per worker.
    package func scratchCount(samples n: Int) -> Int { Parallel.workers(for: n) * scratchCount(batch: ConvolutionPrimitives.samplesPerRun) }

    /// Floats of the partial gradients backward sums for `n` samples: per worker, its dU `[36, O, C]` then its bias gradient.
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

    // MARK: Tile transforms, on groups of `lanes` tiles, one tile per vector lane

    /// Tiles transformed at once.
    static let lanes = 8
    typealias Lanes = SIMD8<Float>
    /// Lanes 0…3 or 4…7.
    typealias HalfLanes = SIMD4<Float>

    /// The tiles of a group, by the lane that holds each: lanes 0…3 hold four tiles side by side, and lanes 4…7 the
    /// four to their right (a row of eight tiles) or the four below them (two rows of four).
    private struct Group {
        /// The first tile's row and column.
        let ty: Int, tx: Int
        /// Whether lanes 4…7 hold the tiles below those of lanes 0…3.
        let twoRows: Bool
        /// From lane 0's tile to lane 4's in a transformed array: 4, or a row of tiles.
        let secondTiles: Int
        /// The lanes that hold no tile of the plane: past its last column or its last row.
        let past: SIMDMask<SIMD8<Int32>>

        /// From lane 0's tile to lane 4's in a plane `width` floats wide: four tiles to the right, or a row of tiles down.
        @inline(__always)
        func second(planeWidth width: Int) -> Int { WinogradConvolution.tile * (twoRows ? width : 4) }
    }

    /// The groups of tiles of a plane, in the order of their first tiles.
    @inline(__always)
    private func forEachGroup(_ body: (Group) -> Void) {
        let twoRows = groupRows == 2
        let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        let column = twoRows ? lane & 3 : lane, row = twoRows ? lane &>> 2 : .zero
        for ty in Swift.stride(from: 0, to: tilesH, by: groupRows) {
            for tx in Swift.stride(from: 0, to: tilesW, by: groupWidth) {
                let past = (column .>= SIMD8(repeating: Int32(tilesW - tx))) .| (row .>= SIMD8(repeating: Int32(tilesH - ty)))
                body(Group(ty: ty, tx: tx, twoRows: twoRows, secondTiles: twoRows ? tilesW : 4, past: past))
            }
        }
    }

    /// The eight lanes of a group from a transformed array: four tiles at `p`, four at `p + second`.
    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, second: Int) -> Lanes {
        let raw = UnsafeRawPointer(p)
        if second == 4 { return raw.loadUnaligned(as: Lanes.self) }
        var v = Lanes(); v.lowHalf = raw.loadUnaligned(as: HalfLanes.self); v.highHalf = raw.loadUnaligned(fromByteOffset: 4 * second, as: HalfLanes.self)
        return v
    }

    /// Stores the eight lanes of a group into a transformed array, as ``load(_:second:)`` reads them. Lanes that
    /// hold no tile land on tiles written later or on the row's last ``lanes`` floats.
    @inline(__always)
    private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, second: Int) {
        let raw = UnsafeMutableRawPointer(p)
        if second == 4 { raw.storeBytes(of: v, as: Lanes.self); return }
        raw.storeBytes(of: v.lowHalf, as: HalfLanes.self); raw.storeBytes(of: v.highHalf, toByteOffset: 4 * second, as: HalfLanes.self)
    }

    /// Six positions of a transformed array, `at`, `at + stride`, … `at + 5 stride` (a row of the transformed tile),
    /// each a group's eight lanes as ``load(_:second:)`` reads them.
    @inline(__always)
    private static func loadRow(_ at: UnsafePointer<Float>, stride: Int, second: Int) -> Hex {
        Hex(load(at, second: second), load(at + stride, second: second), load(at + 2 * stride, second: second),
            load(at + 3 * stride, second: second), load(at + 4 * stride, second: second), load(at + 5 * stride, second: second))
    }

    /// Stores a row of the transformed tile as ``loadRow(_:stride:second:)`` reads it.
    @inline(__always)
    private static func storeRow(_ r: Hex, _ at: UnsafeMutablePointer<Float>, stride: Int, second: Int) {
        store(r.c0, at, second: second); store(r.c1, at + stride, second: second); store(r.c2, at + 2 * stride, second: second)
        store(r.c3, at + 3 * stride, second: second); store(r.c4, at + 4 * stride, second: second); store(r.c5, at + 5 * stride, second: second)
    }

    /// Four columns of a group's tiles in a plane: `p[4 l + j]` is column `j` of lane `l` for the first four lanes,
    /// `p[second + 4 (l − 4) + j]` for the last four.
    @inline(__always)
    private static func loadColumns(_ p: UnsafePointer<Float>, second: Int) -> (Lanes, Lanes, Lanes, Lanes) {
        let raw = UnsafeRawPointer(p)
        let low = raw.loadUnaligned(as: SIMD16<Float>.self), high = raw.loadUnaligned(fromByteOffset: 4 * second, as: SIMD16<Float>.self)
        @inline(__always) func joined(_ a: HalfLanes, _ b: HalfLanes) -> Lanes { var v = Lanes(); v.lowHalf = a; v.highHalf = b; return v }
        let lowEven = low.evenHalf, lowOdd = low.oddHalf, highEven = high.evenHalf, highOdd = high.oddHalf
        return (joined(lowEven.evenHalf, highEven.evenHalf), joined(lowOdd.evenHalf, highOdd.evenHalf),
                joined(lowEven.oddHalf, highEven.oddHalf), joined(lowOdd.oddHalf, highOdd.oddHalf))
    }

    /// `even` and `odd` interleaved.
    @inline(__always)
    private static func interleaved(_ even: HalfLanes, _ odd: HalfLanes) -> SIMD8<Float> {
        var v = SIMD8<Float>(); v.evenHalf = even; v.oddHalf = odd
        return v
    }

    /// `even` and `odd` interleaved.
    @inline(__always)
    private static func interleaved(_ even: Lanes, _ odd: Lanes) -> SIMD16<Float> {
        var v = SIMD16<Float>(); v.evenHalf = even; v.oddHalf = odd
        return v
    }

    /// Stores four columns of a group's tiles into a plane as ``loadColumns(_:second:)`` reads them, adding them to
    /// what is there when `adding`.
    @inline(__always)
    private static func storeColumns(_ c0: Lanes, _ c1: Lanes, _ c2: Lanes, _ c3: Lanes, _ p: UnsafeMutablePointer<Float>, second: Int,
                                     adding: Bool) {
        var low = interleaved(interleaved(c0.lowHalf, c2.lowHalf), interleaved(c1.lowHalf, c3.lowHalf))
        var high = interleaved(interleaved(c0.highHalf, c2.highHalf), interleaved(c1.highHalf, c3.highHalf))
        let raw = UnsafeMutableRawPointer(p)
        if adding {
            low += raw.loadUnaligned(as: SIMD16<Float>.self); high += raw.loadUnaligned(fromByteOffset: 4 * second, as: SIMD16<Float>.self)
        }
        raw.storeBytes(of: low, as: SIMD16<Float>.self); raw.storeBytes(of: high, toByteOffset: 4 * second, as: SIMD16<Float>.self)
    }

    /// `V[ξ][c][tile] = (Bᵀ d B)[ξ]` for every sample, channel and tile.
    private func transformInput(batch: Int, x: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, c = g.channels, ld = rowLength(batch: batch), stride = c * ld, pw = paddedW
        for s in 0..<batch {
            for channel in 0..<c {
                loadPadded(x + (s * c + channel) * g.plane, into: plane)
                let out = v + channel * ld + s * tilesPerSample
                forEachGroup { group in
                    let p = plane + Self.tile * (group.ty * pw + group.tx), second = group.second(planeWidth: pw)
                    let dst = out + group.ty * tilesW + group.tx
                    func patchRow(_ i: Int) -> Hex {   // columns 0…5 of the tiles' patches
                        let low = Self.loadColumns(p + i * pw, second: second), high = Self.loadColumns(p + i * pw + Self.tile, second: second)
                        return Hex(low.0, low.1, low.2, low.3, high.0, high.1)
                    }
                    let rows = Self.inputTransform(patchRow(0), patchRow(1), patchRow(2), patchRow(3), patchRow(4), patchRow(5))   // Bᵀ d
                    func put(_ i: Int, _ r: Hex) {   // (Bᵀ d) B
                        Self.storeRow(Hex(Self.inputTransform(r.c0, r.c1, r.c2, r.c3, r.c4, r.c5)), dst + 6 * i * stride, stride: stride,
                                      second: group.secondTiles)
                    }
                    put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3); put(4, rows.4); put(5, rows.5)
                }
            }
        }
    }

    /// Adds the tiles `B dV Bᵀ` onto the padded input plane of each sample and channel, and writes its inside to `dx`.
    private func transformInputGradient(batch: Int, dv: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, c = g.channels, ld = rowLength(batch: batch), stride = c * ld, pw = paddedW
        for s in 0..<batch {
            for channel in 0..<c {
                plane.update(repeating: 0, count: paddedH * pw)
                let src = dv + channel * ld + s * tilesPerSample
                forEachGroup { group in
                    let tiles = src + group.ty * tilesW + group.tx
                    func tileRow(_ i: Int) -> Hex {   // a row of dV Bᵀ
                        // Lanes that hold no tile hold other tiles' values: read as zero, they add nothing.
                        let d = Self.loadRow(tiles + 6 * i * stride, stride: stride, second: group.secondTiles).zeroing(group.past)
                        return Hex(Self.inputTransformAdjoint(d.c0, d.c1, d.c2, d.c3, d.c4, d.c5))
                    }
                    let rows = Self.inputTransformAdjoint(tileRow(0), tileRow(1), tileRow(2), tileRow(3), tileRow(4), tileRow(5))   // B (dV Bᵀ)
                    let p = plane + Self.tile * (group.ty * pw + group.tx), second = group.second(planeWidth: pw)
                    func add(_ i: Int, _ r: Hex) {   // columns 0…3 of each tile, then 4, 5 (the next tile's 0, 1)
                        Self.storeColumns(r.c0, r.c1, r.c2, r.c3, p + i * pw, second: second, adding: true)
                        Self.storeColumns(r.c4, r.c5, .zero, .zero, p + i * pw + Self.tile, second: second, adding: true)
                    }
                    add(0, rows.0); add(1, rows.1); add(2, rows.2); add(3, rows.3); add(4, rows.4); add(5, rows.5)
                }
                storeInside(plane, to: dx + (s * c + channel) * g.plane)
            }
        }
    }

    /// `y = Aᵀ M A + b` for every sample, output channel and tile, the parts inside the output.
    private func transformOutput(batch: Int, m: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                 plane: UnsafeMutablePointer<Float>) {
        let g = geometry, o = outChannels, ld = rowLength(batch: batch), stride = o * ld, pw = outputPlaneW
        for s in 0..<batch {
            for channel in 0..<o {
                let src = m + channel * ld + s * tilesPerSample, bias = Lanes(repeating: b[channel])
                forEachGroup { group in
                    // Lanes that hold no tile compute values for outputs that do not exist.
                    let tiles = src + group.ty * tilesW + group.tx
                    func tileRow(_ i: Int) -> Hex { Self.loadRow(tiles + 6 * i * stride, stride: stride, second: group.secondTiles) }
                    let rows = Self.outputTransform(tileRow(0), tileRow(1), tileRow(2), tileRow(3), tileRow(4), tileRow(5))   // Aᵀ M
                    let p = plane + Self.tile * (group.ty * pw + group.tx), second = group.second(planeWidth: pw)
                    func put(_ i: Int, _ r: Hex) {   // (Aᵀ M) A, one row of the tiles
                        let e = Self.outputTransform(r.c0, r.c1, r.c2, r.c3, r.c4, r.c5)
                        Self.storeColumns(e.0 + bias, e.1 + bias, e.2 + bias, e.3 + bias, p + i * pw, second: second, adding: false)
                    }
                    put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3)
                }
                let out = y + (s * o + channel) * g.outH * g.outW
                for oy in 0..<g.outH { (out + oy * g.outW).update(from: plane + oy * pw, count: g.outW) }
            }
        }
    }

    /// `dM[ξ][o][tile] = (A dy Aᵀ)[ξ]`, the output gradient read as zero outside the output.
    private func transformOutputGradient(batch: Int, dy: UnsafePointer<Float>, dm: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        let g = geometry, o = outChannels, ld = rowLength(batch: batch), stride = o * ld, pw = outputPlaneW
        plane.update(repeating: 0, count: outputPlaneH * pw)   // what no output row or column overwrites stays zero
        for s in 0..<batch {
            for channel in 0..<o {
                let src = dy + (s * o + channel) * g.outH * g.outW
                for oy in 0..<g.outH { (plane + oy * pw).update(from: src + oy * g.outW, count: g.outW) }
                let out = dm + channel * ld + s * tilesPerSample
                forEachGroup { group in
                    let p = plane + Self.tile * (group.ty * pw + group.tx), second = group.second(planeWidth: pw)
                    let dst = out + group.ty * tilesW + group.tx
                    func row(_ i: Int) -> Hex {   // a row of dy Aᵀ
                        let d = Self.loadColumns(p + i * pw, second: second)
                        return Hex(Self.outputTransformAdjoint(d.0, d.1, d.2, d.3))
                    }
                    let rows = Self.outputTransformAdjoint(row(0), row(1), row(2), row(3))   // A (dy Aᵀ)
                    func put(_ i: Int, _ r: Hex) { Self.storeRow(r, dst + 6 * i * stride, stride: stride, second: group.secondTiles) }
                    put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3); put(4, rows.4); put(5, rows.5)
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

    /// Bᵀ with Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
    /// [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]].
    @inline(__always)
    static func inputTransform<T: WinogradValue>(_ d0: T, _ d1: T, _ d2: T, _ d3: T, _ d4: T, _ d5: T) -> (T, T, T, T, T, T) {
        let a = d4 - 4 * d2, b = d3 - 4 * d1, c = d4 - d2, e = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
    }

    /// B, the adjoint of ``inputTransform(_:_:_:_:_:_:)``.
    @inline(__always)
    static func inputTransformAdjoint<T: WinogradValue>(_ v0: T, _ v1: T, _ v2: T, _ v3: T, _ v4: T, _ v5: T) -> (T, T, T, T, T, T) {
        let sum12 = v1 + v2, sum34 = v3 + v4, diff21 = v2 - v1, diff43 = v4 - v3
        return (4 * v0, 4 * (diff21 + v5) + 2 * diff43, -5 * v0 - 4 * sum12 - sum34, -1 * diff21 - 2 * diff43 - 5 * v5,
                v0 + sum12 + sum34, v5)
    }

    /// G with G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1/24, 1/12, ⅙], [1/24, −1/12, ⅙], [0, 0, 1]].
    @inline(__always)
    static func weightTransform<T: WinogradValue>(_ g0: T, _ g1: T, _ g2: T) -> (T, T, T, T, T, T) {
        let outer = g0 + g2, even = (1 / 24) * g0 + (1 / 6) * g2, odd = (1 / 12) * g1
        return ((1 / 4) * g0, (-1 / 6) * (outer + g1), (-1 / 6) * (outer - g1), even + odd, even - odd, g2)
    }

    /// Gᵀ, the adjoint of ``weightTransform(_:_:_:)``.
    @inline(__always)
    static func weightTransformAdjoint<T: WinogradValue>(_ u0: T, _ u1: T, _ u2: T, _ u3: T, _ u4: T, _ u5: T) -> (T, T, T) {
        let sum12 = u1 + u2, sum34 = u3 + u4
        return ((1 / 4) * u0 - (1 / 6) * sum12 + (1 / 24) * sum34, (1 / 6) * (u2 - u1) + (1 / 12) * (u3 - u4),
                (1 / 6) * (sum34 - sum12) + u5)
    }

    /// Aᵀ with Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]].
    @inline(__always)
    static func outputTransform<T: WinogradValue>(_ m0: T, _ m1: T, _ m2: T, _ m3: T, _ m4: T, _ m5: T) -> (T, T, T, T) {
        let sum12 = m1 + m2, diff12 = m1 - m2, sum34 = m3 + m4, diff34 = m3 - m4
        return (m0 + sum12 + sum34, diff12 + 2 * diff34, sum12 + 4 * sum34, diff12 + 8 * diff34 + m5)
    }

    /// A, the adjoint of ``outputTransform(_:_:_:_:_:_:)``.
    @inline(__always)
    static func outputTransformAdjoint<T: WinogradValue>(_ y0: T, _ y1: T, _ y2: T, _ y3: T) -> (T, T, T, T, T, T) {
        let even = y0 + y2, odd = y1 + y3, even4 = y0 + 4 * y2, odd4 = 2 * y1 + 8 * y3
        return (y0, even + odd, even - odd, even4 + odd4, even4 - odd4, y3)
    }
}

/// What the 1D transforms combine: one value, or a row of a tile as vectors.
protocol WinogradValue {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    /// The value times a constant of the transforms.
    static func * (k: Float, v: Self) -> Self
}

/// One row of six columns of a group of tiles.
struct Hex: WinogradValue {
    var c0: SIMD8<Float>, c1: SIMD8<Float>, c2: SIMD8<Float>, c3: SIMD8<Float>, c4: SIMD8<Float>, c5: SIMD8<Float>
    @inline(__always)
    init(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>, _ c4: SIMD8<Float>, _ c5: SIMD8<Float>) {
        self.c0 = c0; self.c1 = c1; self.c2 = c2; self.c3 = c3; self.c4 = c4; self.c5 = c5
    }
    /// The six values one of the 1D transforms gives.
    @inline(__always)
    init(_ t: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)) { self.init(t.0, t.1, t.2, t.3, t.4, t.5) }
    /// The row with the lanes of `mask` set to zero.
    @inline(__always)
    func zeroing(_ mask: SIMDMask<SIMD8<Int32>>) -> Hex {
        Hex(c0.replacing(with: 0, where: mask), c1.replacing(with: 0, where: mask), c2.replacing(with: 0, where: mask),
            c3.replacing(with: 0, where: mask), c4.replacing(with: 0, where: mask), c5.replacing(with: 0, where: mask))
    }
    @inline(__always)
    static func + (a: Hex, b: Hex) -> Hex { Hex(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2, a.c3 + b.c3, a.c4 + b.c4, a.c5 + b.c5) }
    @inline(__always)
    static func - (a: Hex, b: Hex) -> Hex { Hex(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2, a.c3 - b.c3, a.c4 - b.c4, a.c5 - b.c5) }
    @inline(__always)
    static func * (k: Float, v: Hex) -> Hex { Hex(k * v.c0, k * v.c1, k * v.c2, k * v.c3, k * v.c4, k * v.c5) }
}

extension Float: WinogradValue {}
extension SIMD8: WinogradValue where Scalar == Float {}
