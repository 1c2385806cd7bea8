/* Assertions of native libraries, turned into errors where a caller guards against them.
 *
 * Debian 12 builds OpenJPEG 2.5.0 with its assertions kept, and one of them (mel_init in ht_dec.c) fails on a corrupt
 * High-Throughput code-block: glibc's __assert_fail then aborts the whole process, ending a batch of files for one bad
 * file. A C library's assert() calls __assert_fail through the dynamic linker, which finds the executable's definition
 * (this one) before glibc's. While cdcmtk_guard_assertions runs its body on a thread, a failed assertion on that thread
 * jumps back to it with the assertion's text; anywhere else it prints glibc's message and aborts, as glibc does. */
#define _GNU_SOURCE
#include "guard.h"
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

/* A guard: where a failed assertion jumps, and where its text goes. */
struct Guard {
    jmp_buf jump;
    char *message;
    size_t capacity;
};

/* The guard running on this thread, if any. */
static _Thread_local struct Guard *activeGuard;

int cdcmtk_guard_assertions(void (*body)(void *), void *context, char *message, size_t capacity) {
    struct Guard guard = {.message = message, .capacity = capacity};
    struct Guard *const outer = activeGuard;
    if (setjmp(guard.jump) != 0) {
        activeGuard = outer;
        return 1;
    }
    activeGuard = &guard;
    body(context);
    activeGuard = outer;
    return 0;
}

/* glibc's signature (assert.h), declared here rather than by including it. */
void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) __attribute__((noreturn));

void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) {
    if (activeGuard != NULL) {
        if (activeGuard->message != NULL && activeGuard->capacity > 0)
            snprintf(activeGuard->message, activeGuard->capacity, "assertion `%s' failed in %s (%s:%u)", assertion,
                     function != NULL ? function : "?", file, line);
        longjmp(activeGuard->jump, 1);
    }
    fprintf(stderr, "%s: %s:%u: %s%sAssertion `%s' failed.\n", program_invocation_short_name, file, line,
            function != NULL ? function : "", function != NULL ? ": " : "", assertion);
    fflush(stderr);
    abort();
}
