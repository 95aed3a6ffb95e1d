/* threads_impl.h: the library's one parallel-for and thread-count rule
 * (private; see threads.c). Results never depend on the thread count:
 * callers partition work so that every part's result is combined in a
 * fixed order, or the work is order-independent (exact integer sums). */
#ifndef CSRO_THREADS_IMPL_H
#define CSRO_THREADS_IMPL_H

#include <stddef.h>

/* Most threads any fan-out starts. */
#define CS_THREADS_MAX 256

/* The thread count to use for `threads` requested by the caller:
 * threads > 0 as given, 0 = every online core; then at most `items`
 * (the number of independent work items; 0 means no limit) and at most
 * CS_THREADS_MAX; always >= 1. Negative requests are the caller's to
 * refuse before calling (treated as 1 here). */
int cs_threads(int threads, size_t items);

/* Part function: part is 0..nparts-1. */
typedef void (*cs_part_fn)(void *ctx, int part);

/* Run fn(ctx, p) for p = 1..nparts-1 on new threads and fn(ctx, 0) on the
 * calling thread; return when all have finished. A part whose thread
 * cannot be started runs on the calling thread before part 0, so every
 * part runs exactly once whatever the system allows (part 0 may therefore
 * wait for the others: it runs last on this thread). nparts < 1 runs
 * nothing; nparts is capped at CS_THREADS_MAX. */
void cs_parallel(int nparts, cs_part_fn fn, void *ctx);

#endif
