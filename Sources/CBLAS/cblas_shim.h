#include <cblas.h>
/* OpenBLAS extension: the number of threads its kernels use. */
void openblas_set_num_threads(int num_threads);
