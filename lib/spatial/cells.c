/* cells.c: uniform cell list (see cells_impl.h). */
#include "base/internal.h"
#include "base/threads_impl.h"
#include "cells_impl.h"
#include <math.h>
#include <stdlib.h>

#define SKIP UINT32_MAX

typedef struct {
    const cs_cells *c;
    const float *x, *y, *z;
    const double *lo, *hi;
    uint32_t *cellof;
    size_t i0, i1;
    size_t *cnt;        /* phase 1: counts per cell; phase 2: next slot */
} bpart;

/* part t of the counting pass (cs_parallel) */
static void count_part(void *arg, int t)
{
    bpart *q = (bpart *)arg + t;
    const cs_cells *c = q->c;
    const double *lo = q->lo, *hi = q->hi;
    for (size_t i = q->i0; i < q->i1; i++) {
        double p[3] = {q->x[i], q->y[i], q->z[i]};
        if (!(p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1] && p[2] >= lo[2] && p[2] <= hi[2])) {
            q->cellof[i] = SKIP;
            continue;
        }
        size_t k = cs_cells_axis(c, 0, p[0]) + c->dims[0] * (cs_cells_axis(c, 1, p[1]) + c->dims[1] * cs_cells_axis(c, 2, p[2]));
        q->cellof[i] = (uint32_t)k;
        q->cnt[k]++;
    }
}

static void scatter_part(void *arg, int t)
{
    bpart *q = (bpart *)arg + t;
    const cs_cells *c = q->c;
    for (size_t i = q->i0; i < q->i1; i++) {
        if (q->cellof[i] == SKIP) continue;
        size_t d = q->cnt[q->cellof[i]]++;
        c->x[d] = q->x[i]; c->y[d] = q->y[i]; c->z[d] = q->z[i];
    }
}

int cs_cells_build(cs_cells *c, const float *x, const float *y, const float *z, size_t n,
                   const double lo[3], const double hi[3], double cell, int threads)
{
    memset(c, 0, sizeof *c);
    if (!(cell > 0) || !isfinite(cell))
        return cs_err(CSRO_EINVAL, "cell list: cell size %g must be > 0", cell);
    double ext[3];
    for (int a = 0; a < 3; a++) {
        if (!(hi[a] >= lo[a]) || !isfinite(lo[a]) || !isfinite(hi[a]))
            return cs_err(CSRO_EINVAL, "cell list: box axis %c [%g, %g] is invalid", "xyz"[a], lo[a], hi[a]);
        ext[a] = hi[a] - lo[a];
    }
    /* cap the cell count near 4n + 4096 (sparse point sets in a big box) */
    double cap = 4.0 * (double)n + 4096.0;
    if (cap > 4e9) cap = 4e9;   /* cell ids are 32-bit */
    for (;;) {
        double nc = 1;
        for (int a = 0; a < 3; a++) nc *= floor(ext[a] / cell) + 1;
        if (nc <= cap) break;
        cell *= 1.25;
    }
    c->cell = cell;
    c->inv = 1.0 / cell;
    c->ncells = 1;
    for (int a = 0; a < 3; a++) {
        c->origin[a] = lo[a];
        c->dims[a] = (size_t)floor(ext[a] / cell) + 1;
        c->ncells *= c->dims[a];
    }
    uint32_t *cellof = malloc((n ? n : 1) * sizeof *cellof);
    c->start = calloc(c->ncells + 1, sizeof *c->start);
    if (!cellof || !c->start) { free(cellof); cs_cells_free(c); return cs_err(CSRO_ENOMEM, "cell list: out of memory"); }
    /* parallel counting sort: chunk t counts its points per cell; offsets
     * run cell by cell, chunk by chunk, so the order is that of a serial
     * stable sort whatever the thread count */
    int nt = threads < 1 ? 1 : threads;
    if (n < 65536 || (double)c->ncells * nt * 4 > 512e6) nt = 1;
    if ((size_t)nt > n / 16384 + 1) nt = (int)(n / 16384 + 1);
    if (nt > 64) nt = 64;
    bpart part[64];
    int rc = 0;
    for (int t = 0; t < nt; t++) {
        bpart *q = &part[t];
        memset(q, 0, sizeof *q);
        q->c = c; q->x = x; q->y = y; q->z = z; q->lo = lo; q->hi = hi; q->cellof = cellof;
        q->i0 = n * (size_t)t / (size_t)nt;
        q->i1 = n * (size_t)(t + 1) / (size_t)nt;
        q->cnt = calloc(c->ncells, sizeof *q->cnt);
        if (!q->cnt) rc = CSRO_ENOMEM;
    }
    if (!rc) cs_parallel(nt, count_part, part);
    size_t kept = 0;
    for (size_t k = 0; !rc && k < c->ncells; k++) {
        c->start[k] = kept;
        for (int t = 0; t < nt; t++) {
            size_t m = part[t].cnt[k];
            part[t].cnt[k] = kept;
            kept += m;
        }
    }
    c->start[c->ncells] = kept;
    c->n = kept;
    size_t m = kept ? kept : 1;
    if (!rc) {
        c->x = malloc(m * sizeof *c->x);
        c->y = malloc(m * sizeof *c->y);
        c->z = malloc(m * sizeof *c->z);
        if (!c->x || !c->y || !c->z) rc = CSRO_ENOMEM;
    }
    if (!rc) cs_parallel(nt, scatter_part, part);
    for (int t = 0; t < nt; t++) free(part[t].cnt);
    free(cellof);
    if (rc) { cs_cells_free(c); return cs_err(CSRO_ENOMEM, "cell list: out of memory"); }
    return 0;
}

void cs_cells_free(cs_cells *c)
{
    if (!c) return;
    free(c->start); free(c->x); free(c->y); free(c->z);
    memset(c, 0, sizeof *c);
}

int cs_cells_range(const cs_cells *c, const double blo[3], const double bhi[3],
                   size_t k0[3], size_t k1[3])
{
    for (int a = 0; a < 3; a++) {
        double top = c->origin[a] + (double)c->dims[a] * c->cell;
        if (bhi[a] < c->origin[a] - 1e-9 * c->cell || blo[a] > top + 1e-9 * c->cell) return 0;
        /* widen by a hair: a point on a cell face may be binned on either side */
        k0[a] = cs_cells_axis(c, a, blo[a] - 1e-6 * c->cell);
        k1[a] = cs_cells_axis(c, a, bhi[a] + 1e-6 * c->cell);
    }
    return 1;
}

double cs_cells_mindist2(const cs_cells *c, const double q[3], size_t i, size_t j, size_t k)
{
    size_t ijk[3] = {i, j, k};
    double s = 0, slack = 1e-6 * c->cell;
    for (int a = 0; a < 3; a++) {
        double l = c->origin[a] + (double)ijk[a] * c->cell - slack;
        double h = c->origin[a] + (double)(ijk[a] + 1) * c->cell + slack;
        double d = q[a] < l ? l - q[a] : q[a] > h ? q[a] - h : 0.0;
        s += d * d;
    }
    return s;
}
