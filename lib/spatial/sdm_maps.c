/* sdm_maps.c: whole point-set SDMs for looking at lattice planes: the 2D
 * SDM (dz rows x dx columns, the reference's fast_histogram2d array, whose
 * row sums are the uncropped z-SDM) and a 3D SDM (dx, dy, dz cube).
 *
 * B atoms sit in a cell list with cells of edge R/3; each A atom visits the
 * cell rows its sphere reaches. A atoms are split into chunks that threads take from
 * a counter; each thread fills its own histogram, summed at the end
 * (integer sums: identical for any thread count).
 */
#include "base/internal.h"
#include "base/threads_impl.h"
#include "sdm_impl.h"
#include "sdm_kernel.h"
#include "cells_impl.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct {
    const csro_sdm_opts *o;
    const float *ax, *ay, *az;
    size_t na;
    cs_cells cb;
    int mode;                 /* 2: 2D SDM + profile, 3: 3D SDM */
    size_t n;                 /* bins per axis */
    double norm3, e2[3];      /* 3D: n / (2R), u x e1 */
    size_t hsize;             /* counters per thread */
    size_t chunk, nchunks;
    atomic_size_t next, done;
    atomic_int cancel;
} mjob;

static void pair_2d(const mjob *m, const double d[3], uint64_t *h)
{
    const csro_sdm_opts *o = m->o;
    const double R = o->radius;
    double dz, dx;
    cs_sdm_project(o, d, &dz, &dx);
    if (dz == 0.0 || dx == 0.0) return;
    if (!(dz >= -R && dz < R && dx >= -R && dx < R)) return;
    size_t r = (size_t)((dz + R) * o->norm), c = (size_t)((dx + R) * o->norm);
    if (r >= m->n || c >= m->n) return;
    h[r * m->n + c]++;
}

static void pair_3d(const mjob *m, const double d[3], uint64_t *h)
{
    const csro_sdm_opts *o = m->o;
    const double R = o->radius;
    if (d[0] == 0.0 && d[1] == 0.0 && d[2] == 0.0) return;
    double c[3];
    c[2] = d[0] * o->dir[0] + d[1] * o->dir[1] + d[2] * o->dir[2];
    c[0] = d[0] * o->e1[0] + d[1] * o->e1[1] + d[2] * o->e1[2];
    c[1] = d[0] * m->e2[0] + d[1] * m->e2[1] + d[2] * m->e2[2];
    if (o->axis == 2) { c[0] = d[0]; c[1] = d[1]; c[2] = d[2]; }
    size_t k[3];
    for (int a = 0; a < 3; a++) {
        if (!(c[a] >= -R && c[a] < R)) return;
        k[a] = (size_t)((c[a] + R) * m->norm3);
        if (k[a] >= m->n) return;
    }
    h[(k[2] * m->n + k[1]) * m->n + k[0]]++;
}

/* Each A atom scans the cell rows (y, z) its sphere reaches, each clipped
 * to the chord of the sphere along x: one contiguous run of B atoms per
 * row (cells of R/3, so few candidates lie outside the sphere). */
static void do_chunk(const mjob *m, size_t ck, uint64_t *h)
{
    const cs_cells *c = &m->cb;
    const double R2 = m->o->radius * m->o->radius, R = m->o->radius, slack = 1e-6 * c->cell;
    const double pre = R2 * (1 + 1e-9) + 1e-12;
    size_t i0 = ck * m->chunk, i1 = i0 + m->chunk < m->na ? i0 + m->chunk : m->na;
    for (size_t i = i0; i < i1; i++) {
        double p[3] = {m->ax[i], m->ay[i], m->az[i]};
        double blo[3] = {p[0] - R, p[1] - R, p[2] - R}, bhi[3] = {p[0] + R, p[1] + R, p[2] + R};
        size_t k0[3], k1[3];
        if (!cs_cells_range(c, blo, bhi, k0, k1)) continue;
        for (size_t kz = k0[2]; kz <= k1[2]; kz++) {
            double zl = c->origin[2] + (double)kz * c->cell - slack, zh = zl + c->cell + 2 * slack;
            double dz = p[2] < zl ? zl - p[2] : p[2] > zh ? p[2] - zh : 0.0;
            for (size_t ky = k0[1]; ky <= k1[1]; ky++) {
                double yl = c->origin[1] + (double)ky * c->cell - slack, yh = yl + c->cell + 2 * slack;
                double dy = p[1] < yl ? yl - p[1] : p[1] > yh ? p[1] - yh : 0.0;
                double rest = pre - dy * dy - dz * dz;
                if (rest < 0) continue;
                double hx = sqrt(rest) + slack;
                size_t a0 = cs_cells_axis(c, 0, p[0] - hx), a1 = cs_cells_axis(c, 0, p[0] + hx);
                if (a0 < k0[0]) a0 = k0[0];
                if (a1 > k1[0]) a1 = k1[0];
                if (a0 > a1) continue;
                size_t row = c->dims[0] * (ky + c->dims[1] * kz);
                for (size_t t = c->start[row + a0]; t < c->start[row + a1 + 1]; t++) {
                    double d[3] = {(double)c->x[t] - p[0], (double)c->y[t] - p[1], (double)c->z[t] - p[2]};
                    if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > R2) continue;
                    if (m->mode == 2) pair_2d(m, d, h);
                    else pair_3d(m, d, h);
                }
            }
        }
    }
}


static int run_chunks(mjob *m, uint64_t *h, int report, csro_progress_fn progress, void *user)
{
    for (;;) {
        if (atomic_load(&m->cancel)) return CSRO_ECANCELED;
        size_t ck = atomic_fetch_add(&m->next, 1);
        if (ck >= m->nchunks) return 0;
        do_chunk(m, ck, h);
        size_t done = atomic_fetch_add(&m->done, 1) + 1;
        if (report && progress && progress((double)done / (double)m->nchunks, user)) {
            atomic_store(&m->cancel, 1);
            return CSRO_ECANCELED;
        }
    }
}

typedef struct {
    mjob *m;
    uint64_t **h;       /* per part histogram; h[0] is the caller's sum */
    csro_progress_fn progress;
    void *user;
    int rc;             /* part 0's result */
} mrun;

/* cs_parallel part: part 0 (the calling thread) reports progress */
static void mpart(void *ctx, int t)
{
    mrun *r = ctx;
    if (t) run_chunks(r->m, r->h[t], 0, NULL, NULL);
    else r->rc = run_chunks(r->m, r->h[0], 1, r->progress, r->user);
}

/* Shared driver: fills sum[hsize] (zeroed here). */
static int run_map(mjob *m, const float *bx, const float *by, const float *bz, size_t nb,
                   uint64_t *sum, int threads, csro_progress_fn progress, void *user)
{
    const double R = m->o->radius;
    memset(sum, 0, m->hsize * sizeof *sum);
    if (!m->na || !nb) return 0;
    /* box of the B atoms (finite ones) */
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    const float *b[3] = {bx, by, bz};
    for (size_t i = 0; i < nb; i++)
        for (int a = 0; a < 3; a++) {
            double v = b[a][i];
            if (!isfinite(v)) continue;
            if (v < lo[a]) lo[a] = v;
            if (v > hi[a]) hi[a] = v;
        }
    if (!(lo[0] <= hi[0] && lo[1] <= hi[1] && lo[2] <= hi[2])) return 0;
    int nt = cs_threads(threads, 0);
    int rc = cs_cells_build(&m->cb, bx, by, bz, nb, lo, hi, R / 3, nt);
    if (rc) return rc;
    m->chunk = 4096;
    m->nchunks = (m->na + m->chunk - 1) / m->chunk;
    atomic_init(&m->next, 0);
    atomic_init(&m->done, 0);
    atomic_init(&m->cancel, 0);
    nt = cs_threads(nt, m->nchunks);
    /* integer histograms: the sum does not depend on how chunks are shared */
    uint64_t *h[CS_THREADS_MAX] = {sum};
    for (int t = 1; t < nt; t++)
        if (!(h[t] = calloc(m->hsize, sizeof *h[t]))) { nt = t; break; }
    mrun r = {m, h, progress, user, 0};
    cs_parallel(nt, mpart, &r);
    rc = r.rc;
    for (int t = 1; t < nt; t++) {
        for (size_t k = 0; k < m->hsize; k++) sum[k] += h[t][k];
        free(h[t]);
    }
    cs_cells_free(&m->cb);
    if (rc == CSRO_ECANCELED) return cs_err(rc, "SDM map: canceled by the progress callback");
    return rc;
}

size_t csro_sdm_opts_nfull(const csro_sdm_opts *o) { return o->nfull; }

int csro_sdm_2d(const csro_sdm_opts *o,
                const float *ax, const float *ay, const float *az, size_t na,
                const float *bx, const float *by, const float *bz, size_t nb,
                uint64_t *hist2d, uint64_t *prof, size_t nfull,
                int threads, csro_progress_fn progress, void *user)
{
    if (!o) return cs_err(CSRO_EINVAL, "2D SDM: options are required");
    if (nfull != o->nfull)
        return cs_err(CSRO_EINVAL, "2D SDM has %zu bins per axis, options give %zu", nfull, o->nfull);
    if (!hist2d && !prof) return cs_err(CSRO_EINVAL, "2D SDM: no output array");
    if ((na && (!ax || !ay || !az)) || (nb && (!bx || !by || !bz)))
        return cs_err(CSRO_EINVAL, "2D SDM: coordinate array is NULL");
    if (threads < 0) return cs_err(CSRO_EINVAL, "2D SDM: thread count %d is negative", threads);
    mjob m;
    memset(&m, 0, sizeof m);
    m.o = o; m.ax = ax; m.ay = ay; m.az = az; m.na = na;
    m.mode = 2;
    m.n = nfull;
    m.hsize = nfull * nfull;
    uint64_t *h = hist2d ? hist2d : malloc(m.hsize * sizeof *h);
    if (!h) return cs_err(CSRO_ENOMEM, "2D SDM: out of memory");
    int rc = run_map(&m, bx, by, bz, nb, h, threads, progress, user);
    if (rc == CSRO_ENOMEM) cs_err(rc, "2D SDM: out of memory");
    if (!rc && prof)
        for (size_t r = 0; r < nfull; r++) {
            uint64_t t = 0;
            for (size_t c = 0; c < nfull; c++) t += h[r * nfull + c];
            prof[r] = t;
        }
    if (h != hist2d) free(h);
    return rc;
}

int csro_sdm_3d(const csro_sdm_opts *o,
                const float *ax, const float *ay, const float *az, size_t na,
                const float *bx, const float *by, const float *bz, size_t nb,
                uint64_t *hist3d, size_t n,
                int threads, csro_progress_fn progress, void *user)
{
    if (!o) return cs_err(CSRO_EINVAL, "3D SDM: options are required");
    if (n < 1 || n > 256) return cs_err(CSRO_EINVAL, "3D SDM: %zu bins per axis is outside 1..256", n);
    if (!hist3d) return cs_err(CSRO_EINVAL, "3D SDM: no output array");
    if ((na && (!ax || !ay || !az)) || (nb && (!bx || !by || !bz)))
        return cs_err(CSRO_EINVAL, "3D SDM: coordinate array is NULL");
    if (threads < 0) return cs_err(CSRO_EINVAL, "3D SDM: thread count %d is negative", threads);
    mjob m;
    memset(&m, 0, sizeof m);
    m.o = o; m.ax = ax; m.ay = ay; m.az = az; m.na = na;
    m.mode = 3;
    m.n = n;
    m.hsize = n * n * n;
    m.norm3 = (double)n / (2.0 * o->radius);
    const double *u = o->dir, *e = o->e1;
    m.e2[0] = u[1] * e[2] - u[2] * e[1];
    m.e2[1] = u[2] * e[0] - u[0] * e[2];
    m.e2[2] = u[0] * e[1] - u[1] * e[0];
    int rc = run_map(&m, bx, by, bz, nb, hist3d, threads, progress, user);
    if (rc == CSRO_ENOMEM) cs_err(rc, "3D SDM: out of memory");
    return rc;
}
