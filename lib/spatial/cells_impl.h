/* cells_impl.h: a uniform cell list over one point set (species), the
 * spatial index of the z-SDM engine. Points are sorted by cell (counting
 * sort, stable: within a cell they keep their input order) into contiguous
 * x/y/z float arrays so a gather reads memory in order. Immutable after
 * cs_cells_build, so any number of threads may read it. */
#ifndef CSRO_CELLS_IMPL_H
#define CSRO_CELLS_IMPL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double origin[3];   /* corner of cell (0,0,0) */
    double cell;        /* edge length (nm) */
    double inv;         /* 1 / cell */
    size_t dims[3];     /* cells per axis (>= 1) */
    size_t ncells;
    size_t n;           /* points kept (inside the box given to build) */
    size_t *start;      /* ncells + 1 offsets into x/y/z */
    float *x, *y, *z;
} cs_cells;

/* Build the cell list of the points inside the closed box [lo, hi] (the
 * others are skipped) with cells of edge `cell` anchored at lo. The cell
 * edge grows when the box would need more than about 4 n + 4096 cells.
 * threads (>= 1) share the sort of large sets; the result does not depend
 * on it. Returns 0 or CSRO_ENOMEM / CSRO_EINVAL (message set). */
int cs_cells_build(cs_cells *c, const float *x, const float *y, const float *z, size_t n,
                   const double lo[3], const double hi[3], double cell, int threads);
void cs_cells_free(cs_cells *c);

/* Cell index along axis a of coordinate v, clamped to [0, dims[a] - 1]. */
static inline size_t cs_cells_axis(const cs_cells *c, int a, double v)
{
    double t = (v - c->origin[a]) * c->inv;
    if (!(t >= 0)) return 0;                 /* also NaN */
    /* t >= 0 here, so truncation is floor */
    if (t >= (double)(c->dims[a] - 1)) return c->dims[a] - 1;
    return (size_t)t;
}

/* Cell index range [k0[a], k1[a]] (inclusive) along each axis of the cells
 * that may hold points of the box [blo, bhi]; 0 if none. */
int cs_cells_range(const cs_cells *c, const double blo[3], const double bhi[3],
                   size_t k0[3], size_t k1[3]);

/* Smallest squared distance from q to cell (i, j, k), with a small slack
 * so points binned across a rounding boundary are never missed. */
double cs_cells_mindist2(const cs_cells *c, const double q[3], size_t i, size_t j, size_t k);

#endif
