import CBLAS
import MedPipeCore

/// oneDNN's convolution primitives (see `onednn_convolution.h`) for one convolution's geometry: forward,
/// backward data and backward weights over a run of samples, on the calling thread.
///
/// They read the samples where they lie, in place of ``ConvGeometry``'s column matrix and a GEMM per sample,
/// and exist only while oneDNN is the GEMM backend and has a direct kernel for the shape and kind: callers ask
/// ``usable(_:batches:)`` first and otherwise take the im2col path.
struct ConvolutionPrimitives {
    enum Kind: Int32 { case forward = 0, backwardData = 1, backwardWeights = 2 }

    let rank: Int
    let outChannels: Int
    let geometry: ConvGeometry

    /// The C description of the convolution over `batch` samples.
    private func shape(batch: Int) -> medpipe_convolution_shape {
        let g = geometry
        let inSize = [g.inD, g.inH, g.inW].suffix(rank).map(Int32.init)
        let outSize = [g.outD, g.outH, g.outW].suffix(rank).map(Int32.init)
        func triple(_ v: [Int32]) -> (Int32, Int32, Int32) { (v[0], v.count > 1 ? v[1] : 1, v.count > 2 ? v[2] : 1) }
        return medpipe_convolution_shape(rank: Int32(rank), batch: Int32(batch), in_channels: Int32(g.channels),
                                         out_channels: Int32(outChannels), kernel: Int32(g.kW), stride: Int32(g.sW),
                                         padding: Int32(g.pW), in_size: triple(Array(inSize)), out_size: triple(Array(outSize)))
    }

    /// The oneDNN implementation of `kind` for `batch` samples (e.g. "jit:avx512_core"), or nil when oneDNN has no
    /// direct kernel for it (only its own im2col + GEMM or reference code), or oneDNN is not the backend.
    func implementation(_ kind: Kind, batch: Int) -> String? {
        var s = shape(batch: batch)
        return medpipe_convolution_implementation(&s, kind.rawValue).map { String(cString: $0) }
    }

    /// Whether `kind` has a primitive for every run length in `batches`; makes the primitives on first use.
    func usable(_ kind: Kind, batches: [Int]) -> Bool {
        batches.allSatisfy { implementation(kind, batch: $0) != nil }
    }

    /// Samples per primitive call. Each call reorders its tensors into the primitive's layout and back; runs of
    /// a few samples keep those copies in the core's cache (a mnist-cnn epoch on one thread took about 5% less CPU
    /// time than with each worker's whole share of 32 samples per call).
    static let samplesPerRun = 4

    /// The runs a worker's samples are processed in, in order.
    static func runs(_ samples: Range<Int>) -> [Range<Int>] {
        stride(from: samples.lowerBound, to: samples.upperBound, by: samplesPerRun).map { $0..<min($0 + samplesPerRun, samples.upperBound) }
    }

    /// The run lengths in a batch of `n` samples split over the workers (``Parallel/forWorkers(_:minimumPerWorker:_:)``'s ranges).
    static func shares(of n: Int) -> [Int] {
        let workers = Parallel.workers(for: n)
        return Array(Set((0..<workers).flatMap { runs(Parallel.range($0, of: workers, covering: n)).map(\.count) }))
    }

    /// `y [batch, O, …] = conv(x [batch, C, …], w) + b`.
    func forward(batch: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_forward(&s, x, w, b, y) == 1, "oneDNN convolution forward without a primitive")
    }

    /// `dx [batch, C, …]` (overwritten) for the output gradient `dy [batch, O, …]`.
    func backwardData(batch: Int, w: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_backward_data(&s, w, dy, dx) == 1, "oneDNN convolution backward data without a primitive")
    }

    /// `dw [O, C, k…]` and `db [O]` (overwritten), summed over the batch.
    func backwardWeights(batch: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
        var s = shape(batch: batch)
        precondition(medpipe_convolution_backward_weights(&s, x, dy, dw, db) == 1, "oneDNN convolution backward weights without a primitive")
    }
}
