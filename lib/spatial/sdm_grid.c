/* sdm_grid.c: z-SDMs of grid voxels (csro_sdm_voxels).
 *
 * One cell list per species (A, and B unless it is the same point set) over
 * the part of space the requested voxels can reach. Per voxel: gather the
 * A (and B) atoms inside the voxel into contiguous float arrays (membership
 * computed as the reference's cKDTree ball query: squared distance summed
 * x, y, z in double, <= r*r with r = 1.5 v / 2), then run the pair kernel
 * (each unordered pair once when A == B). Voxels are split into blocks that
 * threads take from a shared counter; every voxel's output depends only on
 * its own atoms, so the result is identical for any thread count.
 */
#include "base/internal.h"
#include "base/threads_impl.h"
#include "sdm_impl.h"
#include "sdm_kernel.h"
#include "cells_impl.h"
#include "grid_impl.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct {
    float *x, *y, *z;
    size_t n, cap;
} pts;

typedef struct {
    const csro_sdm_opts *o;
    const csro_grid *g;
    cs_sdm_kparm kp;
    cs_cells ca, cb;
    int same, shape;
    double reach, reach2;      /* sphere radius or cube half edge */
    size_t first, nvox, block, nblocks;
    float *out;
    uint32_t *natoms;
    uint8_t *nodata;
    atomic_size_t next, done;
    atomic_int cancel, err;
} job;

static int pts_reserve(pts *p, size_t n)
{
    if (n + CS_SDM_NPAD <= p->cap) return 0;
    size_t cap = p->cap ? p->cap : 256;
    while (cap < n + CS_SDM_NPAD) cap *= 2;
    float *x = realloc(p->x, cap * sizeof *x);
    if (x) p->x = x;
    float *y = realloc(p->y, cap * sizeof *y);
    if (y) p->y = y;
    float *z = realloc(p->z, cap * sizeof *z);
    if (z) p->z = z;
    if (!x || !y || !z) return -1;
    p->cap = cap;
    return 0;
}

static void pts_free(pts *p) { free(p->x); free(p->y); free(p->z); }

/* Candidates of one row of voxels (same y, z centre): the atoms of the
 * cells the row can reach whose (y, z) offset passes a conservative
 * prefilter, stored x-cell by x-cell so the candidates of one voxel (the
 * x-cells its extent overlaps) are one contiguous run. */
typedef struct {
    pts p;
    size_t *off, offcap, ix0, ix1;
} rowset;

static int rowset_build(const job *jb, const cs_cells *c, const double q[3], double xlo, double xhi,
                        rowset *rs)
{
    rs->p.n = 0;
    const double h = jb->reach, slack = 1e-6 * c->cell, pre = jb->reach2 * (1 + 1e-9) + 1e-12;
    const int sphere = jb->shape == CSRO_VOXEL_SPHERE;
    rs->ix0 = cs_cells_axis(c, 0, xlo - h - slack);
    rs->ix1 = cs_cells_axis(c, 0, xhi + h + slack);
    size_t j0 = cs_cells_axis(c, 1, q[1] - h - slack), j1 = cs_cells_axis(c, 1, q[1] + h + slack);
    size_t k0 = cs_cells_axis(c, 2, q[2] - h - slack), k1 = cs_cells_axis(c, 2, q[2] + h + slack);
    size_t nix = rs->ix1 - rs->ix0 + 1;
    if (nix + 1 > rs->offcap) {
        size_t *o = realloc(rs->off, (nix + 1) * sizeof *o);
        if (!o) return CSRO_ENOMEM;
        rs->off = o;
        rs->offcap = nix + 1;
    }
    /* (y, z) cell rows that can reach the voxel centres' line */
    size_t rows[4096], nrows = 0;
    for (size_t k = k0; k <= k1; k++) {
        double zl = c->origin[2] + (double)k * c->cell - slack, zh = zl + c->cell + 2 * slack;
        double dz = q[2] < zl ? zl - q[2] : q[2] > zh ? q[2] - zh : 0.0;
        for (size_t j = j0; j <= j1; j++) {
            double yl = c->origin[1] + (double)j * c->cell - slack, yh = yl + c->cell + 2 * slack;
            double dy = q[1] < yl ? yl - q[1] : q[1] > yh ? q[1] - yh : 0.0;
            if (sphere && dy * dy + dz * dz > pre) continue;
            if (nrows == sizeof rows / sizeof *rows) return CSRO_EINVAL;
            rows[nrows++] = c->dims[0] * (j + c->dims[1] * k);
        }
    }
    size_t n = 0;
    for (size_t ix = rs->ix0; ix <= rs->ix1; ix++) {
        rs->off[ix - rs->ix0] = n;
        for (size_t r = 0; r < nrows; r++) {
            size_t cell = rows[r] + ix, s0 = c->start[cell], e = c->start[cell + 1];
            if (s0 == e) continue;
            if (pts_reserve(&rs->p, n + (e - s0))) return CSRO_ENOMEM;
            float *px = rs->p.x, *py = rs->p.y, *pz = rs->p.z;
            for (size_t t = s0; t < e; t++) {
                float fy = c->y[t], fz = c->z[t];
                double ey = (double)fy - q[1], ez = (double)fz - q[2];
                int in = sphere ? ey * ey + ez * ez <= pre : (fabs(ey) <= h) & (fabs(ez) <= h);
                px[n] = c->x[t]; py[n] = fy; pz[n] = fz;
                n += (size_t)in;
            }
        }
    }
    rs->off[nix] = n;
    rs->p.n = n;
    return 0;
}

/* Atoms inside the voxel centred at q (membership as the reference's ball
 * query), copied branch-free from the row candidates and padded for the
 * kernel. */
static int gather(const job *jb, const cs_cells *c, const rowset *rs, const double q[3], pts *p)
{
    const double h = jb->reach, r2 = jb->reach2, slack = 1e-6 * c->cell;
    const int sphere = jb->shape == CSRO_VOXEL_SPHERE;
    size_t ia = cs_cells_axis(c, 0, q[0] - h - slack), ib = cs_cells_axis(c, 0, q[0] + h + slack);
    if (ia < rs->ix0) ia = rs->ix0;
    if (ib > rs->ix1) ib = rs->ix1;
    size_t s0 = rs->off[ia - rs->ix0], e = rs->off[ib - rs->ix0 + 1], n = 0;
    if (pts_reserve(p, e - s0)) return CSRO_ENOMEM;
    const float *cx = rs->p.x, *cy = rs->p.y, *cz = rs->p.z;
    float *px = p->x, *py = p->y, *pz = p->z;
    for (size_t t = s0; t < e; t++) {
        float fx = cx[t], fy = cy[t], fz = cz[t];
        double ex = (double)fx - q[0], ey = (double)fy - q[1], ez = (double)fz - q[2];
        int in = sphere ? ex * ex + ey * ey + ez * ez <= r2
                        : (fabs(ex) <= h) & (fabs(ey) <= h) & (fabs(ez) <= h);
        px[n] = fx; py[n] = fy; pz[n] = fz;
        n += (size_t)in;
    }
    p->n = n;
    for (size_t t = n; t < n + CS_SDM_NPAD; t++) px[t] = py[t] = pz[t] = CS_SDM_PAD;
    return 0;
}

typedef struct { pts a, b; rowset ra, rb; uint32_t *h; uint64_t *acc; } work;

static void one_voxel(job *jb, work *w, size_t v)
{
    const size_t nb = jb->o->nbins;
    size_t na = w->a.n, nbv = jb->same ? na : w->b.n;
    int empty = jb->same ? na < 2 : (na == 0 || nbv == 0);
    float *out = jb->out + v * nb;
    if (jb->natoms) jb->natoms[v] = na > UINT32_MAX ? UINT32_MAX : (uint32_t)na;
    if (jb->nodata) jb->nodata[v] = (uint8_t)empty;
    if (empty) { memset(out, 0, nb * sizeof *out); return; }
    /* sub-histogram counters are 32-bit: huge voxels run in row chunks
     * whose counts cannot overflow, summed in 64 bits */
    size_t step = na, big = jb->same ? na : nbv;
    if (big && (double)na * (double)big >= 2e9) step = (size_t)(2e9 / (double)big) + 1;
    if (step < na) memset(w->acc, 0, nb * sizeof *w->acc);
    for (size_t i0 = 0; i0 < na; i0 += step) {
        size_t i1 = na - i0 < step ? na : i0 + step;
        if (jb->same)
            cs_sdm_kernel_sym(&jb->kp, w->a.x, w->a.y, w->a.z, na, i0, i1, w->h);
        else
            cs_sdm_kernel_pair(&jb->kp, w->a.x + i0, w->a.y + i0, w->a.z + i0, i1 - i0,
                               w->b.x, w->b.y, w->b.z, nbv, w->h);
        for (size_t k = 0; k < nb; k++) {
            if (step < na) w->acc[k] += w->h[k];
            else out[k] = (float)w->h[k];
        }
    }
    if (step < na)
        for (size_t k = 0; k < nb; k++) out[k] = (float)w->acc[k];
}

/* A block is a run of whole grid rows (x lines) clipped to the range. */
static int do_block(job *jb, work *w, size_t blk)
{
    const size_t nx = jb->g->dims[0];
    size_t row0 = jb->first / nx + blk * jb->block, row1 = row0 + jb->block;
    size_t g0 = row0 * nx, g1 = row1 * nx;
    if (g0 < jb->first) g0 = jb->first;
    if (g1 > jb->first + jb->nvox) g1 = jb->first + jb->nvox;
    for (size_t gv = g0; gv < g1;) {
        size_t end = (gv / nx + 1) * nx;
        if (end > g1) end = g1;
        double q[3], qe[3];
        csro_grid_center(jb->g, gv, q);
        csro_grid_center(jb->g, end - 1, qe);
        int rc = rowset_build(jb, &jb->ca, q, q[0], qe[0], &w->ra);
        if (!rc && !jb->same) rc = rowset_build(jb, &jb->cb, q, q[0], qe[0], &w->rb);
        if (rc) return rc;
        for (; gv < end; gv++) {
            csro_grid_center(jb->g, gv, q);
            rc = gather(jb, &jb->ca, &w->ra, q, &w->a);
            if (!rc && !jb->same) rc = gather(jb, &jb->cb, &w->rb, q, &w->b);
            if (rc) return rc;
            one_voxel(jb, w, gv - jb->first);
        }
    }
    return 0;
}

/* Take blocks until none is left; the calling thread (report != 0) also
 * reports progress. */
static int run_blocks(job *jb, int report, csro_progress_fn progress, void *user)
{
    work w;
    memset(&w, 0, sizeof w);
    w.h = malloc(CS_SDM_NSUB * jb->kp.stride * sizeof *w.h);
    w.acc = malloc(jb->kp.stride * sizeof *w.acc);
    int rc = w.h && w.acc ? 0 : CSRO_ENOMEM;
    while (!rc && !atomic_load(&jb->cancel) && !atomic_load(&jb->err)) {
        size_t b = atomic_fetch_add(&jb->next, 1);
        if (b >= jb->nblocks) break;
        rc = do_block(jb, &w, b);
        size_t done = atomic_fetch_add(&jb->done, 1) + 1;
        if (!rc && report && progress && progress((double)done / (double)jb->nblocks, user)) {
            atomic_store(&jb->cancel, 1);
            rc = CSRO_ECANCELED;
        }
    }
    if (rc && rc != CSRO_ECANCELED) atomic_store(&jb->err, rc);
    pts_free(&w.a);
    pts_free(&w.b);
    pts_free(&w.ra.p);
    pts_free(&w.rb.p);
    free(w.ra.off);
    free(w.rb.off);
    free(w.h);
    free(w.acc);
    return rc;
}

typedef struct {
    job *jb;
    csro_progress_fn progress;
    void *user;
    int rc;         /* part 0's result */
} blocks_run;

/* cs_parallel part: part 0 (the calling thread) reports progress */
static void blocks_part(void *ctx, int t)
{
    blocks_run *r = ctx;
    if (t) run_blocks(r->jb, 0, NULL, NULL);
    else r->rc = run_blocks(r->jb, 1, r->progress, r->user);
}

/* Box of space the voxels [first, first+nvox) can reach (z rows only). */
static void reach_box(const csro_grid *g, size_t first, size_t nvox, double reach,
                      double lo[3], double hi[3])
{
    size_t plane = g->dims[0] * g->dims[1];
    size_t kk[3][2] = {{0, g->dims[0] - 1}, {0, g->dims[1] - 1},
                       {first / plane, (first + nvox - 1) / plane}};
    for (int a = 0; a < 3; a++) {
        double c0 = g->lo[a] + (double)kk[a][0] * g->stride + g->voxel / 2;
        double c1 = g->lo[a] + (double)kk[a][1] * g->stride + g->voxel / 2;
        double eps = 1e-9 * (fabs(c0) + fabs(c1) + reach + 1.0);
        lo[a] = c0 - reach - eps;
        hi[a] = c1 + reach + eps;
    }
}

int csro_sdm_voxels_zrange(const csro_grid *g, size_t first, size_t nvox, double zr[2])
{
    if (!g || !zr) return cs_err(CSRO_EINVAL, "z-SDM slab: grid and output are required");
    size_t count = csro_grid_count(g);
    if (nvox == 0 || first >= count || nvox > count - first)
        return cs_err(CSRO_EINVAL, "z-SDM slab: voxel range [%zu, %zu) is empty or beyond the grid's %zu voxels",
                      first, first + nvox, count);
    double reach = cs_grid_reach(g), lo[3], hi[3];
    reach_box(g, first, nvox, reach, lo, hi);
    zr[0] = lo[2];
    zr[1] = hi[2];
    return 0;
}

int csro_sdm_voxels(const csro_sdm_opts *o, const csro_grid *g,
                    const float *ax, const float *ay, const float *az, size_t na,
                    const float *bx, const float *by, const float *bz, size_t nb,
                    size_t first, size_t nvox, float *out, uint32_t *natoms, uint8_t *nodata,
                    int threads, csro_progress_fn progress, void *user)
{
    if (!o || !g) return cs_err(CSRO_EINVAL, "z-SDM voxels: options and grid are required");
    if (o->nbins == 0) return cs_err(CSRO_EINVAL, "z-SDM voxels: the crop keeps no bins");
    size_t count = csro_grid_count(g);
    if (first > count || nvox > count - first)
        return cs_err(CSRO_EINVAL, "z-SDM voxels: range [%zu, %zu) is beyond the grid's %zu voxels",
                      first, first + nvox, count);
    if ((na && (!ax || !ay || !az)) || (nb && (!bx || !by || !bz)))
        return cs_err(CSRO_EINVAL, "z-SDM voxels: coordinate array is NULL");
    if (nvox == 0) return 0;
    if (!out) return cs_err(CSRO_EINVAL, "z-SDM voxels: output buffer is NULL");
    if (threads < 0) return cs_err(CSRO_EINVAL, "z-SDM voxels: thread count %d is negative", threads);

    job *jb = calloc(1, sizeof *jb);
    if (!jb) return cs_err(CSRO_ENOMEM, "z-SDM voxels: out of memory");
    jb->o = o;
    jb->g = g;
    cs_sdm_kparm_init(&jb->kp, o);
    jb->same = ax == bx && ay == by && az == bz && na == nb;
    jb->shape = g->shape;
    jb->reach = cs_grid_reach(g);
    jb->reach2 = jb->reach * jb->reach;
    jb->first = first;
    jb->nvox = nvox;
    jb->out = out;
    jb->natoms = natoms;
    jb->nodata = nodata;
    /* blocks of whole rows, about 64 voxels each */
    size_t nx = g->dims[0], rows = (first + nvox - 1) / nx - first / nx + 1;
    jb->block = nx >= 64 ? 1 : 64 / nx;
    jb->nblocks = (rows + jb->block - 1) / jb->block;
    atomic_init(&jb->next, 0);
    atomic_init(&jb->done, 0);
    atomic_init(&jb->cancel, 0);
    atomic_init(&jb->err, 0);

    double lo[3], hi[3];
    reach_box(g, first, nvox, jb->reach, lo, hi);
    double cell = 2.0 * jb->reach / 3.0;
    int nt = cs_threads(threads, 0);
    int rc = cs_cells_build(&jb->ca, ax, ay, az, na, lo, hi, cell, nt);
    if (!rc && !jb->same) rc = cs_cells_build(&jb->cb, bx, by, bz, nb, lo, hi, cell, nt);
    if (rc) goto done;

    blocks_run br = {jb, progress, user, 0};
    cs_parallel(cs_threads(nt, jb->nblocks), blocks_part, &br);
    rc = br.rc;
    if (!rc) rc = atomic_load(&jb->err);
    if (rc == CSRO_ENOMEM) cs_err(rc, "z-SDM voxels: out of memory");
    else if (rc == CSRO_ECANCELED) cs_err(rc, "z-SDM voxels: canceled by the progress callback");
done:
    cs_cells_free(&jb->ca);
    cs_cells_free(&jb->cb);
    free(jb);
    return rc;
}
