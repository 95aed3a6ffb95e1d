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
#include "internal.h"
#include "sdm_impl.h"
#include "sdm_kernel.h"
#include "cells_impl.h"
#include "grid_impl.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

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

/* Atoms of cell list c inside the voxel centred at q, padded for the kernel. */
static int gather(const job *jb, const cs_cells *c, const double q[3], pts *p)
{
    p->n = 0;
    double blo[3], bhi[3];
    for (int a = 0; a < 3; a++) { blo[a] = q[a] - jb->reach; bhi[a] = q[a] + jb->reach; }
    size_t k0[3], k1[3];
    if (c->n && cs_cells_range(c, blo, bhi, k0, k1)) {
        const double r2 = jb->reach2, h = jb->reach;
        const double cut = r2 * (1 + 1e-9) + 1e-12;
        for (size_t k = k0[2]; k <= k1[2]; k++)
            for (size_t j = k0[1]; j <= k1[1]; j++)
                for (size_t i = k0[0]; i <= k1[0]; i++) {
                    if (jb->shape == CSRO_VOXEL_SPHERE && cs_cells_mindist2(c, q, i, j, k) > cut) continue;
                    size_t cell = i + c->dims[0] * (j + c->dims[1] * k);
                    size_t s = c->start[cell], e = c->start[cell + 1];
                    if (s == e) continue;
                    if (pts_reserve(p, p->n + (e - s))) return CSRO_ENOMEM;
                    for (size_t t = s; t < e; t++) {
                        double dx = (double)c->x[t] - q[0], dy = (double)c->y[t] - q[1], dz = (double)c->z[t] - q[2];
                        int in = jb->shape == CSRO_VOXEL_SPHERE ? dx * dx + dy * dy + dz * dz <= r2
                                                                : fabs(dx) <= h && fabs(dy) <= h && fabs(dz) <= h;
                        if (in) {
                            p->x[p->n] = c->x[t]; p->y[p->n] = c->y[t]; p->z[p->n] = c->z[t];
                            p->n++;
                        }
                    }
                }
    }
    if (pts_reserve(p, p->n)) return CSRO_ENOMEM;
    for (size_t t = p->n; t < p->n + CS_SDM_NPAD; t++) p->x[t] = p->y[t] = p->z[t] = CS_SDM_PAD;
    return 0;
}

typedef struct { pts a, b; uint32_t *h; } work;

static int do_block(job *jb, work *w, size_t blk)
{
    const size_t nb = jb->o->nbins, s = jb->kp.stride;
    size_t v0 = blk * jb->block, v1 = v0 + jb->block;
    if (v1 > jb->nvox) v1 = jb->nvox;
    for (size_t v = v0; v < v1; v++) {
        double q[3];
        csro_grid_center(jb->g, jb->first + v, q);
        int rc = gather(jb, &jb->ca, q, &w->a);
        if (!rc && !jb->same) rc = gather(jb, &jb->cb, q, &w->b);
        if (rc) return rc;
        size_t na = w->a.n, nbv = jb->same ? na : w->b.n;
        int empty = jb->same ? na < 2 : (na == 0 || nbv == 0);
        float *out = jb->out + v * nb;
        if (jb->natoms) jb->natoms[v] = na > UINT32_MAX ? UINT32_MAX : (uint32_t)na;
        if (jb->nodata) jb->nodata[v] = (uint8_t)empty;
        if (empty) { memset(out, 0, nb * sizeof *out); continue; }
        memset(w->h, 0, CS_SDM_NSUB * s * sizeof *w->h);
        if (jb->same)
            cs_sdm_kernel_sym(&jb->kp, w->a.x, w->a.y, w->a.z, na, w->h);
        else
            cs_sdm_kernel_pair(&jb->kp, w->a.x, w->a.y, w->a.z, na, w->b.x, w->b.y, w->b.z, nbv, w->h);
        for (size_t k = 0; k < nb; k++) {
            uint64_t t = 0;
            for (int u = 0; u < CS_SDM_NSUB; u++) t += w->h[u * s + k];
            out[k] = (float)t;
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
    int rc = w.h ? 0 : CSRO_ENOMEM;
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
    free(w.h);
    return rc;
}

static void *worker(void *arg)
{
    run_blocks(arg, 0, NULL, NULL);
    return NULL;
}

int cs_sdm_threads(int threads)
{
    if (threads > 0) return threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n > 256 ? 256 : n) : 1;
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
    /* as the reference: query_ball_point(centres, voxel * 1.5 / 2) */
    jb->reach = g->shape == CSRO_VOXEL_SPHERE ? g->voxel * 1.5 / 2 : g->voxel / 2;
    jb->reach2 = jb->reach * jb->reach;
    jb->first = first;
    jb->nvox = nvox;
    jb->out = out;
    jb->natoms = natoms;
    jb->nodata = nodata;
    jb->block = 64;
    jb->nblocks = (nvox + jb->block - 1) / jb->block;
    atomic_init(&jb->next, 0);
    atomic_init(&jb->done, 0);
    atomic_init(&jb->cancel, 0);
    atomic_init(&jb->err, 0);

    double lo[3], hi[3];
    reach_box(g, first, nvox, jb->reach, lo, hi);
    double cell = 2.0 * jb->reach / 3.0;
    int rc = cs_cells_build(&jb->ca, ax, ay, az, na, lo, hi, cell);
    if (!rc && !jb->same) rc = cs_cells_build(&jb->cb, bx, by, bz, nb, lo, hi, cell);
    if (rc) goto done;

    int nt = cs_sdm_threads(threads);
    if ((size_t)nt > jb->nblocks) nt = (int)jb->nblocks;
    pthread_t *tid = nt > 1 ? malloc((size_t)(nt - 1) * sizeof *tid) : NULL;
    int started = 0;
    for (int t = 0; t + 1 < nt && tid; t++) {
        if (pthread_create(&tid[t], NULL, worker, jb)) break;
        started++;
    }
    rc = run_blocks(jb, 1, progress, user);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    free(tid);
    if (!rc) rc = atomic_load(&jb->err);
    if (rc == CSRO_ENOMEM) cs_err(rc, "z-SDM voxels: out of memory");
    else if (rc == CSRO_ECANCELED) cs_err(rc, "z-SDM voxels: canceled by the progress callback");
done:
    cs_cells_free(&jb->ca);
    cs_cells_free(&jb->cb);
    free(jb);
    return rc;
}
