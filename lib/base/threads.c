/* threads.c: the one pthread fan-out of the library (threads_impl.h). */
#include "threads_impl.h"
#include <pthread.h>
#include <unistd.h>

int cs_threads(int threads, size_t items)
{
    long n = threads;
    if (n == 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1) n = 1;
    }
    if (n < 1) n = 1;
    if (items && (size_t)n > items) n = (long)items;
    if (n > CS_THREADS_MAX) n = CS_THREADS_MAX;
    return (int)n;
}

typedef struct {
    cs_part_fn fn;
    void *ctx;
    int part;
} part_arg;

static void *part_main(void *arg)
{
    part_arg *a = arg;
    a->fn(a->ctx, a->part);
    return NULL;
}

void cs_parallel(int nparts, cs_part_fn fn, void *ctx)
{
    if (nparts < 1) return;
    if (nparts > CS_THREADS_MAX) nparts = CS_THREADS_MAX;
    pthread_t tid[CS_THREADS_MAX];
    part_arg arg[CS_THREADS_MAX];
    unsigned char started[CS_THREADS_MAX] = {0};
    for (int p = 1; p < nparts; p++) {
        arg[p] = (part_arg){fn, ctx, p};
        started[p] = !pthread_create(&tid[p], NULL, part_main, &arg[p]);
    }
    for (int p = 1; p < nparts; p++)
        if (!started[p]) fn(ctx, p);
    fn(ctx, 0);
    for (int p = 1; p < nparts; p++)
        if (started[p]) pthread_join(tid[p], NULL);
}
