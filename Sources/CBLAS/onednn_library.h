#ifndef MEDPIPE_ONEDNN_LIBRARY_H
#define MEDPIPE_ONEDNN_LIBRARY_H
/* What cblas_loader.c shares with the other users of the library it loads (onednn_convolution.c). */

/* Prints `medpipe: error: MESSAGE[: DETAIL]` and exits 1. */
void medpipe_native_fail(const char *message, const char *detail);

/* The dlopen handle of libdnnl.so.2 when oneDNN is the backend in use, else NULL (loads the backend if needed). */
void *medpipe_onednn_library(void);

/* Sets oneDNN's OpenMP team on the calling thread to one thread, so its next call runs on this thread alone
 * (without it, a thread that is not an OpenMP thread starts a team of nproc threads at every call). */
void medpipe_onednn_single_thread(void);

#endif
