import CBLAS

/// The OpenBLAS calls the layers use, with Swift integer arguments (OpenBLAS is loaded on first use).
public enum BLAS {
    /// Sets how many threads OpenBLAS's kernels and MedPipe's own per-sample loops use.
    public static func setThreads(_ count: Int) {
        medpipe_blas_set_threads(Int32(max(1, count)))
        Parallel.threads = max(1, count)
    }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of shape `m×k` and `op(B)` of shape `k×n`.
    @inline(__always)
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        medpipe_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
