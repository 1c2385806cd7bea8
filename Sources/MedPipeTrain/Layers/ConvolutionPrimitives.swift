import CBLAS
import MedPipeCore

/// oneDNN's convolution primitives (see `onednn_convolution.h`) for one convolution's geometry: forward,
/// backward data and backward weights over a run of samples, on the calling thread.
///
/// They read the samples where they lie, in place of ``ConvGeometry``'s column matrix and a GEMM per sample,
/// and exist only while oneDNN is the GEMM backend and has a JIT kernel (direct or Winograd) for the shape and
/// kind: callers ask ``usable(_:batches:)`` first and otherwise take the im2col path.
package struct ConvolutionPrimitives {
    package enum Kind: Int32 { case forward = 0, backwardData = 1, backwardWeights = 2 }

    package let rank: Int
    package let outChannels: Int
    package let geometry: ConvGeometry
    /// Whether to ask for oneDNN's Winograd kernels (``winogradPays(rank:outChannels:geometry:)``); where oneDNN has
    /// none for the shape, its direct kernels run, as without asking.
    package let winograd: Bool

    package init(rank: Int, outChannels: Int, geometry: ConvGeometry, winograd: Bool = false) {
        self.rank = rank; self.outChannels = outChannels; self.geometry = geometry; self.winograd = winograd
    }

    /// Whether training asks for oneDNN's Winograd kernels (F(4×4, 3×3)) for a convolution: a 2D 3 × 3 kernel with
    /// stride 1, at least 16 input and 16 output channels and 32 on one side, output sides of at least 12, and 4 × 4
    /// output tiles that waste at most 30% of what they compute. Winograd takes about a quarter of the direct
    /// kernels' multiplications, but transforms every tile of every channel in and out. On such shapes
    /// `tools/bench/conv` measured it 6–37% faster than the direct kernels (a training batch of 64 on this machine's
    /// AVX-512 cores, the least at 14 × 14 outputs); it was level or slower at 13 × 13 outputs and 16 → 16
    /// channels, and up to 2.3 times as slow below 12 × 12 or with 1 to 3 input channels.
    /// Below AVX-512 training runs MedPipe's own F(4×4, 3×3) (``WinogradConvolution``) on the same shapes. On a
    /// second-generation AMD EPYC (Zen 2, AVX2), `tools/bench/conv` measured it 1.05–2.1 times as fast as oneDNN's
    /// direct AVX2 kernels on all of them but one: mnist-cnn's second 1.44 times, fer-cnn's second and third 1.62
    /// and 1.57, medmnist-cnn's second 1.12, up to 2.07 at 128 → 128 and 16 × 16; 5% slower at 32 → 64 and 17 × 17.
    /// MedPipe's earlier F(2×2, 3×3) was 1.1–1.3 times as fast as the direct kernels on the course models' layers
    /// there, and 10–26% slower on five shapes of the grid. The rule stays one for every machine: choosing by a
    /// timing at run time would make a trained model depend on that timing.
    /// Its values differ from the direct kernels' in the last bits (within 1e-5 of the largest value), so only
    /// training uses it: evaluation, prediction and Grad-CAM keep the direct kernels' values.
    package static func winogradPays(rank: Int, outChannels: Int, geometry g: ConvGeometry) -> Bool {
        guard rank == 2, g.kH == 3, g.kW == 3, g.sH == 1, g.sW == 1, min(g.channels, outChannels) >= 16,
              max(g.channels, outChannels) >= 32, g.outH >= 12, g.outW >= 12 else { return false }
        let tiled = (g.outH + 3) / 4 * 4 * ((g.outW + 3) / 4 * 4)
        return 10 * g.outH * g.outW >= 7 * tiled
    }

    /// The C description of the convolution over `batch` samples.
    private func shape(batch: Int) -> medpipe_convolution_shape {
        let g = geometry
        let inSize = [g.inD, g.inH, g.inW].suffix(rank).map(Int32.init)
        let outSize = [g.outD, g.outH, g.outW].suffix(rank).map(Int32.init)
        func triple(_ v: [Int32]) -> (Int32, Int32, Int32) { (v[0], v.count > 1 ? v[1] : 1, v.count > 2 ? v[2] : 1) }
        return medpipe_convolution_shape(rank: Int32(rank), batch: Int32(batch), in_channels: Int32(g.channels),
                                         out_channels: Int32(outChannels), kernel: Int32(g.kW), stride: Int32(g.sW),
                                         padding: Int32(g.pW), in_size: triple(Array(inSize)), out_size: triple(Array(outSize)),
                                         winograd: winograd ? 1 : 0)
    }

    /// The oneDNN implementation of `kind` for `batch` samples (e.g. "jit:avx512_core"), or nil when oneDNN has no
    /// direct kernel for it (only its own im2col + GEMM or reference code), or oneDNN is not the backend.
    package func implementation(_ kind: Kind, batch: Int) -> String? {
        var s = shape(batch: batch)
        return medpipe_convolution_implementation(&s, kind.rawValue).map { String(cString: $0) }
    }

    /// Whether these primitives ask for Winograd's kernels and oneDNN has them for the shape (its forward kernel
    /// on a run of samples is one); not so below AVX-512, nor with another GEMM backend.
    package var hasWinograd: Bool {
        winograd && implementation(.forward, batch: Self.samplesPerRun)?.contains("wino") == true
    }

    /// Whether `kind` has a primitive for every run length in `batches`; makes the primitives on first use.
    package func usable(_ kind: Kind, batches: [Int]) -> Bool {
        batches.allSatisfy { implementation(kind, batch: $0) != nil }
    }

    /// Samples per primitive call. Each call reorders its tensors into the primitive's layout and back; runs of
    /// a few samples keep those copies in the core's cache (a mnist-cnn epoch on one thread took about 5% less CPU
    /// time than with each worker's whole share of 32 samples per call).
    package static let samplesPerRun = 4

    /// The runs a worker's samples are processed in, in order.
    package static func runs(_ samples: Range<Int>) -> [Range<Int>] {
        stride(from: samples.lowerBound, to: samples.upperBound, by: samplesPerRun).map { $0..<min($0 + samplesPerRun, samples.upperBound) }
    }

    /// The run lengths in a batch of `n` samples split over the workers (``Parallel/forWorkers(_:minimumPerWorker:_:)``'s ranges).
    package static func shares(of n: Int) -> [Int] {
        let workers = Parallel.workers(for: n)
        return Array(Set((0..<workers).flatMap { runs(Parallel.range($0, of: workers, covering: n)).map(\.count) }))
    }

    /// `y [batch, O, …] = conv(x [batch, C, …], w) + b`.
    package func forward(batch: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_forward(&s, x, w, b, y) == 1, "oneDNN convolution forward without a primitive")
    }

    /// `dx [batch, C, …]` (overwritten) for the output gradient `dy [batch, O, …]`.
    package func backwardData(batch: Int, w: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_backward_data(&s, w, dy, dx) == 1, "oneDNN convolution backward data without a primitive")
    }

    /// `dw [O, C, k…]` and `db [O]` (overwritten), summed over the batch.
    package func backwardWeights(batch: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_backward_weights(&s, x, dy, dw, db) == 1, "oneDNN convolution backward weights without a primitive")
    }
}
