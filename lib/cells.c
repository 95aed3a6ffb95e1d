/* cells.c: uniform cell list (see cells_impl.h). */
#include "internal.h"
#include "cells_impl.h"
#include <math.h>
#include <stdlib.h>

int cs_cells_build(cs_cells *c, const float *x, const float *y, const float *z, size_t n,
                   const double lo[3], const double hi[3], double cell)
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
    size_t *cellof = malloc((n ? n : 1) * sizeof *cellof);
    c->start = calloc(c->ncells + 1, sizeof *c->start);
    if (!cellof || !c->start) { free(cellof); cs_cells_free(c); return cs_err(CSRO_ENOMEM, "cell list: out of memory"); }
    const size_t skip = (size_t)-1;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        double p[3] = {x[i], y[i], z[i]};
        if (!(p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1] && p[2] >= lo[2] && p[2] <= hi[2])) {
            cellof[i] = skip;
            continue;
        }
        size_t k = cs_cells_axis(c, 0, p[0]) + c->dims[0] * (cs_cells_axis(c, 1, p[1]) + c->dims[1] * cs_cells_axis(c, 2, p[2]));
        cellof[i] = k;
        c->start[k + 1]++;
        kept++;
    }
    for (size_t k = 0; k < c->ncells; k++) c->start[k + 1] += c->start[k];
    c->n = kept;
    size_t m = kept ? kept : 1;
    c->x = malloc(m * sizeof *c->x);
    c->y = malloc(m * sizeof *c->y);
    c->z = malloc(m * sizeof *c->z);
    size_t *fill = malloc(c->ncells * sizeof *fill);
    if (!c->x || !c->y || !c->z || !fill) {
        free(cellof); free(fill); cs_cells_free(c);
        return cs_err(CSRO_ENOMEM, "cell list: out of memory");
    }
    memcpy(fill, c->start, c->ncells * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        if (cellof[i] == skip) continue;
        size_t d = fill[cellof[i]]++;
        c->x[d] = x[i]; c->y[d] = y[i]; c->z[d] = z[i];
    }
    free(fill);
    free(cellof);
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
