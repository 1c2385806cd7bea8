#ifndef MEDPIPE_ONEDNN_CONVOLUTION_H
#define MEDPIPE_ONEDNN_CONVOLUTION_H
/* Convolutions of a whole batch through oneDNN's own convolution primitives (libdnnl.so.2, loaded by
 * cblas_loader.c), which read the samples where they lie instead of through an im2col column matrix.
 *
 * Tensors are in MedPipe's (and PyTorch's) plain layouts: input [N, C, spatial…], weight [O, C, k…],
 * bias [O], output [N, O, spatial…]. Each call reorders them into the layouts the primitive prefers
 * (channel blocks of 16 for AVX-512), runs it, and reorders the result back.
 *
 * Every call runs on the calling thread (oneDNN's OpenMP team is set to one thread first, and the
 * primitives are made for one thread), so results depend on the shapes only, never on scheduling.
 * Primitives, their buffers and their scratchpads are kept per shape and handed to one caller at a
 * time; concurrent callers of the same shape get copies of their own.
 *
 * Each function returns 1 when it did the work and 0 when it did nothing: oneDNN is not the GEMM backend
 * (MEDPIPE_GEMM=openblas, or libdnnl absent), or oneDNN has no direct (JIT) kernel for the shape, only its
 * own im2col + GEMM or its reference code. Callers then use im2col + GEMM.
 *
 * A shape may ask for oneDNN's Winograd kernels (F(4×4, 3×3): 3×3 kernels, stride 1, channels in blocks of
 * 16, AVX-512); where oneDNN has none for it, the direct kernel runs instead, as if it had not asked. */

/* One convolution over a batch: a cubic kernel, the same stride and zero padding on every spatial axis. */
typedef struct {
    int rank;          /* spatial axes: 1, 2 or 3 */
    int batch;         /* samples N */
    int in_channels;   /* C */
    int out_channels;  /* O */
    int kernel, stride, padding;
    int in_size[3];    /* the input's spatial extents (the first `rank` are used) */
    int out_size[3];   /* the output's spatial extents */
    int winograd;      /* 1: oneDNN's Winograd kernel where it has one, else the direct one; 0: the direct one */
} medpipe_convolution_shape;

/* y = conv(x, w) + b. */
int medpipe_convolution_forward(const medpipe_convolution_shape *shape, const float *x, const float *w, const float *b,
                                float *y);

/* dx = the input gradient for the output gradient dy (overwritten, not accumulated). */
int medpipe_convolution_backward_data(const medpipe_convolution_shape *shape, const float *w, const float *dy,
                                      float *dx);

/* dw, db = the weight and bias gradients summed over the batch (overwritten, not accumulated). */
int medpipe_convolution_backward_weights(const medpipe_convolution_shape *shape, const float *x, const float *dy,
                                         float *dw, float *db);

/* The oneDNN implementation that runs `kind` (0 forward, 1 backward data, 2 backward weights) for the shape,
 * e.g. "jit:avx512_core" or "jit_wino_4x3:avx512_core", or NULL when none is used. */
const char *medpipe_convolution_implementation(const medpipe_convolution_shape *shape, int kind);

#endif
