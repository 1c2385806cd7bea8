import CBLAS
import Dispatch
import MedPipeCore

/// The GEMM the layers use (oneDNN's or OpenBLAS's, loaded on first use; see `cblas_loader.h`), with Swift
/// integer arguments, split over MedPipe's own workers.
public enum BLAS {
    /// Sets how many threads the GEMMs and MedPipe's own per-sample loops use.
    public static func setThreads(_ count: Int) {
        Parallel.threads = max(1, count)
    }

    /// The GEMM backend in use: "onednn" or "openblas".
    public static var backend: String { String(cString: medpipe_gemm_backend()) }

    /// Starts one 64×64×64 product on another thread, which loads the backend and lets it generate its kernels
    /// while a command reads its inputs, so that its first real product does not wait for that. oneDNN generates
    /// them at the first product that is not tiny, in 15-45 ms here (a 1×1 product, as this warm-up was, takes
    /// another path and generated none). The command waits on the returned group before it ends.
    public static func startWarmUp() -> DispatchGroup {
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let n = 64
            let a = [Float](repeating: 1, count: n * n)
            var c = [Float](repeating: 0, count: n * n)
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    sgemmOnCallingThread(transA: false, transB: false, m: n, n: n, k: n, a: a.baseAddress!, lda: n, b: a.baseAddress!, ldb: n,
                                         beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return group
    }

    /// Columns of C below which a product is not worth splitting over workers.
    static let columnsPerWorker = 64

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of shape `m×k` and `op(B)` of shape `k×n`.
    ///
    /// With several threads, C's columns are cut into one contiguous block per worker (block edges on multiples
    /// of 16, the kernels' vector width), each computed by one single-threaded backend call: the result depends
    /// on the thread count only, not on scheduling.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let blocks = min(Parallel.threads, n / columnsPerWorker)
        guard blocks > 1 else {
            sgemmOnCallingThread(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let columns = SendablePointers(b: b, c: c)
        Parallel.forRanges(blocks) { range in
            for block in range {
                let lo = block == 0 ? 0 : (n * block / blocks) & ~15
                let hi = block == blocks - 1 ? n : (n * (block + 1) / blocks) & ~15
                // Column j of op(B) starts at b + j (row-major B) or at row j of Bᵀ (b + j·ldb).
                let bBlock = transB ? columns.b + lo * ldb : columns.b + lo
                sgemmOnCallingThread(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                                     b: bBlock, ldb: ldb, beta: beta, c: columns.c + lo, ldc: ldc)
            }
        }
    }

    /// `sgemm` computed entirely on the calling thread (for callers that split the work over workers themselves).
    @inline(__always)
    static func sgemmOnCallingThread(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        medpipe_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// B and C handed to the workers, which write disjoint column blocks of C.
    private struct SendablePointers: @unchecked Sendable {
        let b: UnsafePointer<Float>
        let c: UnsafeMutablePointer<Float>
    }
}
