#include "cblas_loader.h"
#include "onednn_library.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cblas.h's enum values, which is all of cblas.h that is needed here. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*cblas_sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                                     float, float *, int);
/* dnnl_sgemm from oneapi/dnnl/dnnl.h: dnnl_dim_t is int64_t, the status 0 on success. */
typedef int (*dnnl_sgemm_function)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t,
                                   const float *, int64_t, float, float *, int64_t);
typedef void (*set_threads_function)(int);

static cblas_sgemm_function openblas_sgemm;
static dnnl_sgemm_function dnnl_sgemm;
static void *onednn;
/* OpenMP's per-thread team size (libgomp, which oneDNN uses): set to 1 on each calling thread. */
static set_threads_function omp_set_threads;
static const char *backend;
static pthread_once_t once = PTHREAD_ONCE_INIT;

void medpipe_native_fail(const char *message, const char *detail) {
    fprintf(stderr, "medpipe: error: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int load_onednn(void) {
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) return 0;
    dnnl_sgemm = (dnnl_sgemm_function)dlsym(library, "dnnl_sgemm");
    omp_set_threads = (set_threads_function)dlsym(library, "omp_set_num_threads");
    if (!dnnl_sgemm) medpipe_native_fail("the oneDNN library found lacks dnnl_sgemm", NULL);
    backend = "onednn";
    onednn = library;
    return 1;
}

static int load_openblas(void) {
    /* One thread from the start, so OpenBLAS starts no workers; the variable is restored for child processes. */
    const char *previous = getenv("OPENBLAS_NUM_THREADS");
    char *saved = previous ? strdup(previous) : NULL;
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    void *library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libopenblas.so", RTLD_NOW | RTLD_LOCAL);
    if (saved) { setenv("OPENBLAS_NUM_THREADS", saved, 1); free(saved); } else unsetenv("OPENBLAS_NUM_THREADS");
    if (!library) return 0;
    openblas_sgemm = (cblas_sgemm_function)dlsym(library, "cblas_sgemm");
    set_threads_function set_threads = (set_threads_function)dlsym(library, "openblas_set_num_threads");
    if (!openblas_sgemm || !set_threads) medpipe_native_fail("the OpenBLAS library found lacks cblas_sgemm or openblas_set_num_threads", NULL);
    set_threads(1);
    backend = "openblas";
    return 1;
}

static void load(void) {
    const char *choice = getenv("MEDPIPE_GEMM");
    if (choice && *choice) {
        if (strcmp(choice, "onednn") == 0) {
            if (!load_onednn()) medpipe_native_fail("MEDPIPE_GEMM=onednn, but libdnnl.so.2 does not load", dlerror());
        } else if (strcmp(choice, "openblas") == 0) {
            if (!load_openblas()) medpipe_native_fail("MEDPIPE_GEMM=openblas, but libopenblas.so.0 does not load", dlerror());
        } else {
            medpipe_native_fail("MEDPIPE_GEMM must be onednn or openblas, not", choice);
        }
        return;
    }
    if (!load_onednn() && !load_openblas()) medpipe_native_fail("cannot load oneDNN or OpenBLAS; install them with tools/setup", NULL);
}

void medpipe_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    pthread_once(&once, load);
    if (dnnl_sgemm) {
        medpipe_onednn_single_thread();
        int status = dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                beta, c, ldc);
        if (status != 0) medpipe_native_fail("dnnl_sgemm rejected its arguments", NULL);
    } else {
        openblas_sgemm(ROW_MAJOR, transpose_a ? TRANS : NO_TRANS, transpose_b ? TRANS : NO_TRANS, m, n, k, alpha, a,
                       lda, b, ldb, beta, c, ldc);
    }
}

const char *medpipe_gemm_backend(void) {
    pthread_once(&once, load);
    return backend;
}

void *medpipe_onednn_library(void) {
    pthread_once(&once, load);
    return onednn;
}

void medpipe_onednn_single_thread(void) {
    if (omp_set_threads) omp_set_threads(1);
}
