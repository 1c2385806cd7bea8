#ifndef CNIFTI_H
#define CNIFTI_H
/* MedPipe's view of libnifti2 (NIfTI-1 and NIfTI-2 through one API). */
#include <nifti/nifti2_io.h>

/* Sets libnifti's verbosity (0 = silent); it prints to stderr otherwise. */
void cnifti_set_debug_level(int level);

#endif
