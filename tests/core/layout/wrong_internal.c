/* wrong_internal.c — must not compile: score uses data through data.h only, and aggregate.h
 * is internal to core/data/ (the layout.include_internal test expects the compiler to refuse). */
#include "score.h"
#include "aggregate.h"
