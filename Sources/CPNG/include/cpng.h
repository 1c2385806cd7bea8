#ifndef CPNG_H
#define CPNG_H
/* libpng through its simplified API plus C helpers for what needs setjmp (text chunks). */
#include <png.h>

#endif
