/* Assertions of native libraries, turned into errors where a caller guards against them (assertion_guard.c). */
#ifndef CDCMTK_GUARD_H
#define CDCMTK_GUARD_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Runs `body(context)`. Returns 0 when it returns; 1 when an assert() of a native library failed on this thread
 * meanwhile, with the assertion's text in `message` (NUL-terminated, at most `capacity` bytes). The body is then
 * abandoned where it failed, without unwinding: no frame between here and the assertion may own a C++ object with a
 * destructor, and what the failing library allocated is leaked, since its state is not known. */
int cdcmtk_guard_assertions(void (*body)(void *), void *context, char *message, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
