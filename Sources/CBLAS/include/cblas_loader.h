#ifndef MEDPIPE_CBLAS_LOADER_H
#define MEDPIPE_CBLAS_LOADER_H
/* OpenBLAS, loaded on first use rather than at program start.
 *
 * OpenBLAS starts its worker threads when it is loaded, and they spin for a while waiting for work.
 * Linked into the medpipe binary, they took a core from every command, also those that never multiply
 * a matrix (convert, anonymize, inspect). Loading it with the first GEMM confines that cost to the
 * commands that train or run models. */

/* Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm(CblasRowMajor, ...). */
void medpipe_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* openblas_set_num_threads. */
void medpipe_blas_set_threads(int threads);

#endif
