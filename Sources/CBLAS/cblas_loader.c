#include "cblas_loader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* cblas.h's enum values, which is all of cblas.h that is needed here. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);
typedef void (*threads_function)(int);

static sgemm_function sgemm;
static threads_function set_threads;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    /* Unless the user chose otherwise, idle workers sleep soon instead of spinning between calls. */
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    void *library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libopenblas.so", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "medpipe: error: cannot load OpenBLAS (%s); install it with tools/setup\n", dlerror());
        exit(1);
    }
    sgemm = (sgemm_function)dlsym(library, "cblas_sgemm");
    set_threads = (threads_function)dlsym(library, "openblas_set_num_threads");
    if (!sgemm || !set_threads) {
        fprintf(stderr, "medpipe: error: the OpenBLAS library found lacks cblas_sgemm or openblas_set_num_threads\n");
        exit(1);
    }
}

void medpipe_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    pthread_once(&once, load);
    sgemm(ROW_MAJOR, transpose_a ? TRANS : NO_TRANS, transpose_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb,
          beta, c, ldc);
}

void medpipe_blas_set_threads(int threads) {
    pthread_once(&once, load);
    set_threads(threads);
}
