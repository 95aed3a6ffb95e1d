/* sdm_kernel.c: vectorised z-SDM pair kernels (see sdm_kernel.h).
 *
 * Exactness: coordinates are float; their differences are formed in double
 * (exact), the squared distance is summed x, y, z in that order as
 * csro_sdm_points and cKDTree do, the projection and the bin index follow
 * cs_sdm_project / cs_sdm_bin operation for operation (the build is ISO C,
 * so no FMA contraction). For the reversed pair (j, i) the offset is -d
 * exactly, so both bins of an unordered pair come from one evaluation; each
 * bin is computed and range-checked explicitly because the half-open rule
 * [-R, R) is not mirror symmetric at exact edges. The dz range test and the
 * crop test of cs_sdm_bin are merged into tlo <= dz < thi: the bin value
 * (dz + R) * norm is monotone in dz, so "bin >= first" is exactly
 * "dz >= threshold" for a threshold found once by bisection over doubles.
 */
#include "sdm_kernel.h"
#include <string.h>

/* The helpers below are always inlined, so the AVX calling-convention note
 * GCC emits for 32-byte vector arguments does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

/* Total order of doubles as unsigned keys (finite values). */
static uint64_t dkey(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u >> 63 ? ~u : u | (1ull << 63);
}

static double dval(uint64_t k)
{
    uint64_t u = k >> 63 ? k & ~(1ull << 63) : ~k;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Smallest double d in [-4R, 4R] with (d + R) * norm >= target: the bin
 * index (d + R) * norm is monotone in d, so "bin >= target" is exactly
 * "d >= threshold" (found by bisection over the doubles, 64 steps). */
static double threshold(double R, double norm, double target)
{
    uint64_t lo = dkey(-4 * R), hi = dkey(4 * R);
    if ((dval(lo) + R) * norm >= target) return dval(lo);
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((dval(mid) + R) * norm >= target) hi = mid;
        else lo = mid;
    }
    return dval(hi);
}

void cs_sdm_kparm_init(cs_sdm_kparm *p, const csro_sdm_opts *o)
{
    p->R = o->radius;
    p->R2 = o->radius * o->radius;
    p->norm = o->norm;
    p->first = (int)o->first;
    p->nbins = (int)o->nbins;
    p->nfull = (int)o->nfull;
    p->fl = (double)o->first;
    p->fh = (double)(o->first + o->nbins);
    p->axis = o->axis;
    for (int a = 0; a < 3; a++) { p->u[a] = o->dir[a]; p->e[a] = o->e1[a]; }
    /* cs_sdm_bin keeps dz in [-R, R) with bin in [first, first + nbins) */
    double a = threshold(p->R, p->norm, p->fl), b = threshold(p->R, p->norm, p->fh);
    p->tlo = a > -p->R ? a : -p->R;
    p->thi = b < p->R ? b : p->R;
    /* the kept window together with its mirror image (bin k <-> nfull-1-k);
     * first + nbins <= nfull, so both lie in [0, nfull) and ulo + uhi = nfull */
    int mlo = p->nfull - p->first - p->nbins, mhi = p->nfull - p->first;
    p->ulo = p->first < mlo ? p->first : mlo;
    p->uhi = p->first + p->nbins > mhi ? p->first + p->nbins : mhi;
    p->ul = (double)p->ulo;
    p->uh = (double)p->uhi;
    a = threshold(p->R, p->norm, p->ul);
    b = threshold(p->R, p->norm, p->uh);
    p->utlo = a > -p->R ? a : -p->R;
    p->uthi = b < p->R ? b : p->R;
    size_t w = (size_t)(p->uhi - p->ulo) > o->nbins ? (size_t)(p->uhi - p->ulo) : o->nbins;
    p->stride = (w + 1 + 15) & ~(size_t)15;
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE v4d ld4(const float *p)
{
    v4f f;
    memcpy(&f, p, sizeof f);
    return __builtin_convertvector(f, v4d);
}

ALWAYS_INLINE v4d bcast(double v) { return (v4d){v, v, v, v}; }

ALWAYS_INLINE void project(const cs_sdm_kparm *p, int axis, const v4d *d, v4d *pz, v4d *px)
{
    v4d dx = d[0], dy = d[1], dz = d[2];
    if (axis == 2) { *pz = dz; *px = dx; }
    else if (axis == 0) { *pz = dx; *px = dy; }
    else if (axis == 1) { *pz = dy; *px = dx; }
    else {
        *pz = dx * p->u[0] + dy * p->u[1] + dz * p->u[2];
        *px = dx * p->e[0] + dy * p->e[1] + dz * p->e[2];
    }
}

/* Bin index floor(f) - base where mask m holds, else trash - base. */
ALWAYS_INLINE v4i bin4(const v4l *mp, const v4d *fp, double trash, int base)
{
    v4l m = *mp;
    v4d f = *fp;
    v4d sel = (v4d)(((v4l)f & m) | ((v4l)bcast(trash) & ~m));
    return __builtin_convertvector(sel, v4i) - base;
}

/* Scatter 4 bin indices into 4 sub-histograms (one per lane, so repeated
 * hits on one bin do not serialise). */
ALWAYS_INLINE void scatter4(v4i b, uint32_t *h0, uint32_t *h1, uint32_t *h2, uint32_t *h3)
{
    h0[b[0]]++; h1[b[1]]++; h2[b[2]]++; h3[b[3]]++;
}

/* The lanes whose reversed pair is not the mirror image of the pair
 * (rounding of (R - dz) * norm, half-open edges): undo the mirror count of
 * the pair and count the reversed pair where it belongs. */
static void sym_fix(v4i b1, v4i b2, int w, uint32_t *c)
{
    for (int t = 0; t < 4; t++) {
        if (b1[t] != w) c[w - 1 - b1[t]]--;
        if (b2[t] >= 0) c[b2[t]]++;
    }
}

ALWAYS_INLINE void sym_body(const cs_sdm_kparm *p, int axis, const float *x, const float *y,
                            const float *z, size_t n, size_t i0, size_t i1, uint32_t *h)
{
    /* Window [ulo, uhi) = the kept bins and their mirror images, indexed
     * from ulo; slot w = uhi - ulo collects dropped pairs. Each unordered
     * pair is counted once at the bin of (i, j); the bin of (j, i) is its
     * mirror image w - 1 - b, added at the fold, and c corrects the lanes
     * where it is not. */
    const size_t s = p->stride;
    const int w = p->uhi - p->ulo;
    uint32_t *h0 = h, *h1 = h + s, *h2 = h + 2 * s, *h3 = h + 3 * s, *c = h + 4 * s;
    memset(h, 0, 5 * s * sizeof *h);
    const v4d R2 = bcast(p->R2), zero = bcast(0.0), R = bcast(p->R), mR = bcast(-p->R);
    const v4d tlo = bcast(p->utlo), thi = bcast(p->uthi), ntlo = bcast(-p->utlo), nthi = bcast(-p->uthi);
    const v4i wm1 = {w - 1, w - 1, w - 1, w - 1};
    for (size_t i = i0; i < i1 && i + 1 < n; i++) {
        v4d xi = bcast(x[i]), yi = bcast(y[i]), zi = bcast(z[i]);
        for (size_t j = i + 1; j < n; j += 4) {
            v4d d[3] = {ld4(x + j) - xi, ld4(y + j) - yi, ld4(z + j) - zi};
            v4d r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            v4d pz, px;
            project(p, axis, d, &pz, &px);
            v4l m = (r2 <= R2) & (pz != zero) & (px != zero);
            /* (i, j): utlo <= dz < uthi, -R <= dx < R; (j, i): the same for -dz, -dx */
            v4l m1 = m & (pz >= tlo) & (pz < thi) & (px >= mR) & (px < R);
            v4l m2 = m & (pz <= ntlo) & (pz > nthi) & (px <= R) & (px > mR);
            v4d f1 = (pz + R) * p->norm, f2 = (R - pz) * p->norm;
            v4i b1 = bin4(&m1, &f1, p->uh, p->ulo);      /* dropped: w */
            v4i b2 = bin4(&m2, &f2, p->ul - 1, p->ulo);  /* dropped: -1 */
            scatter4(b1, h0, h1, h2, h3);
            v4i bad = b2 != wm1 - b1;
            if (__builtin_expect((bad[0] | bad[1] | bad[2] | bad[3]) != 0, 0)) sym_fix(b1, b2, w, c);
        }
    }
    /* fold: kept bin k is window slot k + first - ulo; the reversed pairs
     * counted in its mirror slot; the corrections */
    uint32_t *t = h + 5 * s, *o = h + 6 * s;
    for (int k = 0; k < w; k++) t[k] = h0[k] + h1[k] + h2[k] + h3[k];
    const int off = p->first - p->ulo;
    for (int k = 0; k < p->nbins; k++) o[k] = t[k + off] + t[w - 1 - off - k] + c[k + off];
    memcpy(h, o, (size_t)p->nbins * sizeof *h);
}

ALWAYS_INLINE void pair_body(const cs_sdm_kparm *p, int axis, const float *ax, const float *ay,
                             const float *az, size_t na, const float *bx, const float *by,
                             const float *bz, size_t nb, uint32_t *h)
{
    const size_t s = p->stride;
    memset(h, 0, CS_SDM_NSUB * s * sizeof *h);
    const v4d R2 = bcast(p->R2), zero = bcast(0.0), R = bcast(p->R), mR = bcast(-p->R);
    const v4d tlo = bcast(p->tlo), thi = bcast(p->thi);
    for (size_t i = 0; i < na; i++) {
        uint32_t *h0 = h + (i & 1) * 4 * s, *h1 = h0 + s, *h2 = h0 + 2 * s, *h3 = h0 + 3 * s;
        v4d xi = bcast(ax[i]), yi = bcast(ay[i]), zi = bcast(az[i]);
        for (size_t j = 0; j < nb; j += 4) {
            v4d d[3] = {ld4(bx + j) - xi, ld4(by + j) - yi, ld4(bz + j) - zi};
            v4d r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            v4d pz, px;
            project(p, axis, d, &pz, &px);
            v4l m = (r2 <= R2) & (pz != zero) & (px != zero);
            m &= (pz >= tlo) & (pz < thi) & (px >= mR) & (px < R);
            v4d f = (pz + R) * p->norm;
            scatter4(bin4(&m, &f, p->fh, p->first), h0, h1, h2, h3);
        }
    }
    for (int u = 1; u < CS_SDM_NSUB; u++)
        for (int k = 0; k < p->nbins; k++) h[k] += h[u * s + k];
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(CSRO_NO_CLONES)
#  define KERNEL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define KERNEL_CLONES
#endif

KERNEL_CLONES
void cs_sdm_kernel_sym(const cs_sdm_kparm *p, const float *x, const float *y, const float *z,
                       size_t n, size_t i0, size_t i1, uint32_t *h)
{
    switch (p->axis) {
    case 0: sym_body(p, 0, x, y, z, n, i0, i1, h); break;
    case 1: sym_body(p, 1, x, y, z, n, i0, i1, h); break;
    case 2: sym_body(p, 2, x, y, z, n, i0, i1, h); break;
    default: sym_body(p, -1, x, y, z, n, i0, i1, h); break;
    }
}

KERNEL_CLONES
void cs_sdm_kernel_pair(const cs_sdm_kparm *p, const float *ax, const float *ay, const float *az,
                        size_t na, const float *bx, const float *by, const float *bz, size_t nb,
                        uint32_t *h)
{
    switch (p->axis) {
    case 0: pair_body(p, 0, ax, ay, az, na, bx, by, bz, nb, h); break;
    case 1: pair_body(p, 1, ax, ay, az, na, bx, by, bz, nb, h); break;
    case 2: pair_body(p, 2, ax, ay, az, na, bx, by, bz, nb, h); break;
    default: pair_body(p, -1, ax, ay, az, na, bx, by, bz, nb, h); break;
    }
}
