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

/* The guard running on this thread, and where its caller wants the failed assertion's text. */
static _Thread_local jmp_buf *activeGuard;
static _Thread_local char *guardMessage;
static _Thread_local size_t guardCapacity;

int cdcmtk_guard_assertions(void (*body)(void *), void *context, char *message, size_t capacity) {
    jmp_buf *const outer = activeGuard;
    char *const outerMessage = guardMessage;
    const size_t outerCapacity = guardCapacity;
    jmp_buf here;
    if (setjmp(here) != 0) {
        activeGuard = outer;
        guardMessage = outerMessage;
        guardCapacity = outerCapacity;
        return 1;
    }
    activeGuard = &here;
    guardMessage = message;
    guardCapacity = capacity;
    body(context);
    activeGuard = outer;
    guardMessage = outerMessage;
    guardCapacity = outerCapacity;
    return 0;
}

/* glibc's signature (assert.h), declared here rather than by including it. */
void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) __attribute__((noreturn));

void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) {
    if (activeGuard != NULL) {
        if (guardMessage != NULL && guardCapacity > 0)
            snprintf(guardMessage, guardCapacity, "assertion `%s' failed in %s (%s:%u)", assertion,
                     function != NULL ? function : "?", file, line);
        longjmp(*activeGuard, 1);
    }
    fprintf(stderr, "%s: %s:%u: %s%sAssertion `%s' failed.\n", program_invocation_short_name, file, line,
            function != NULL ? function : "", function != NULL ? ": " : "", assertion);
    fflush(stderr);
    abort();
}
