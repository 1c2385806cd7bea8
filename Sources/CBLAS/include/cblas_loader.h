#ifndef MEDPIPE_CBLAS_LOADER_H
#define MEDPIPE_CBLAS_LOADER_H
/* The GEMM behind every linear layer and every convolution that oneDNN's primitives do not run
 * (onednn_convolution.h), loaded on first use rather than at program start.
 *
 * Two backends, chosen once per process:
 *  - oneDNN's dnnl_sgemm (libdnnl.so.2): JIT kernels for the CPU it runs on, AVX-512 where present;
 *    about twice OpenBLAS 0.3.21's speed per core here, where the environment pins OpenBLAS to its
 *    Haswell (AVX2) kernels (see shared/docs/NATIVE.md).
 *  - OpenBLAS's cblas_sgemm (libopenblas.so.0): used when oneDNN is not installed.
 * MEDPIPE_GEMM=openblas or MEDPIPE_GEMM=onednn forces one; forcing a missing one is an error.
 *
 * Every call runs on the calling thread: MedPipe splits large products over its own workers (BLAS.swift),
 * so results depend on the thread count only, never on scheduling, and no backend keeps threads spinning
 * between calls. Loading lazily keeps the libraries out of commands that never multiply a matrix. */

/* Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm(CblasRowMajor, ...), on the calling thread. */
void medpipe_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* The backend in use, "onednn" or "openblas" (loads it if needed). */
const char *medpipe_gemm_backend(void);

#endif
