/* test_sdm.c: the z-SDM voxel engine against hand calculations, known
 * lattice plane spacings and the brute-force definition (csro_sdm_points on
 * the atoms inside each voxel, membership computed here independently). */
#include "testutil.h"
#include "csro.h"
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>
#include <tiffio.h>

typedef struct { float *x, *y, *z; size_t n, cap; } cloud;

/* Smaller problems when CSRO_SLOW_TESTS=0 (valgrind runs). */
static size_t scale(size_t n)
{
    const char *e = getenv("CSRO_SLOW_TESTS");
    return e && !strcmp(e, "0") ? n / 4 : n;
}

static void cl_add(cloud *c, double x, double y, double z)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->x = realloc(c->x, c->cap * sizeof *c->x);
        c->y = realloc(c->y, c->cap * sizeof *c->y);
        c->z = realloc(c->z, c->cap * sizeof *c->z);
        ck_assert(c->x && c->y && c->z);
    }
    c->x[c->n] = (float)x; c->y[c->n] = (float)y; c->z[c->n] = (float)z;
    c->n++;
}

static void cl_free(cloud *c) { free(c->x); free(c->y); free(c->z); memset(c, 0, sizeof *c); }

static csro_grid *mkgrid(double l0, double l1, double l2, double h0, double h1, double h2,
                         double v, double s, int shape)
{
    double lo[3] = {l0, l1, l2}, hi[3] = {h0, h1, h2};
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, v, s, shape), 0);
    return g;
}

/* ---------- hand-computed two-atom case ---------- */
START_TEST(test_two_atoms)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nb = csro_sdm_opts_nbins(o);
    ck_assert_uint_eq(nb, 93);
    /* one sphere voxel centred at (0.5, 0.5, 0.5) */
    csro_grid *g = mkgrid(0, 0, 0, 1, 1, 1, 1.0, 1.0, CSRO_VOXEL_SPHERE);
    ck_assert_uint_eq(csro_grid_count(g), 1);
    float x[2] = {0.5f, 0.6f}, y[2] = {0.5f, 0.5f}, z[2] = {0.5f, 0.7f};
    float out[93];
    uint32_t nat;
    uint8_t nod;
    ck_assert_int_eq(csro_sdm_voxels(o, g, x, y, z, 2, x, y, z, 2, 0, 1, out, &nat, &nod, 1, NULL, NULL), 0);
    /* dz = +0.2: full bin floor((0.2 + 1.5) / 0.015) = 113, kept 113 - 54 = 59;
     * dz = -0.2: floor(1.3 / 0.015) = 86, kept 32. */
    for (size_t k = 0; k < nb; k++)
        ck_assert_float_eq(out[k], (k == 59 || k == 32) ? 1.0f : 0.0f);
    ck_assert_uint_eq(nat, 2);
    ck_assert_uint_eq(nod, 0);
    ck_assert(fabs(csro_sdm_opts_bin_left(o, 59) - 0.195) < 1e-12);
    /* A = first atom, B = second: only the ordered pair A -> B (dz = +0.2) */
    ck_assert_int_eq(csro_sdm_voxels(o, g, x, y, z, 1, x + 1, y + 1, z + 1, 1, 0, 1, out, &nat, &nod, 1, NULL, NULL), 0);
    for (size_t k = 0; k < nb; k++) ck_assert_float_eq(out[k], k == 59 ? 1.0f : 0.0f);
    ck_assert_uint_eq(nat, 1);
    ck_assert_uint_eq(nod, 0);
    /* one atom only: no data, zero profile */
    ck_assert_int_eq(csro_sdm_voxels(o, g, x, y, z, 1, x, y, z, 1, 0, 1, out, &nat, &nod, 1, NULL, NULL), 0);
    ck_assert_uint_eq(nod, 1);
    ck_assert_uint_eq(nat, 1);
    for (size_t k = 0; k < nb; k++) ck_assert_float_eq(out[k], 0.0f);
    /* second atom outside the sphere (0.76 from the centre) */
    float z2[2] = {0.5f, 1.26f};
    ck_assert_int_eq(csro_sdm_voxels(o, g, x, y, z2, 2, x, y, z2, 2, 0, 1, out, &nat, &nod, 1, NULL, NULL), 0);
    ck_assert_uint_eq(nat, 1);
    ck_assert_uint_eq(nod, 1);
    /* ROI boundary: the ROI is [0, 1]^3 but the sphere reaches 0.25 nm past
     * it; an atom outside the ROI box inside the sphere (z = -0.2: 0.7 nm
     * from the centre) counts, as in the reference's ball query on all
     * atoms. dz = 0.3 - (-0.2) = 0.5: full bin floor(2.0 / 0.015) = 133,
     * kept 79; reverse floor(1.0 / 0.015) = 66, kept 12. */
    float bx[2] = {0.5f, 0.6f}, by[2] = {0.5f, 0.5f}, bz[2] = {-0.2f, 0.3f};
    ck_assert_int_eq(csro_sdm_voxels(o, g, bx, by, bz, 2, bx, by, bz, 2, 0, 1, out, &nat, &nod, 2, NULL, NULL), 0);
    ck_assert_uint_eq(nat, 2);
    for (size_t k = 0; k < nb; k++)
        ck_assert_float_eq(out[k], (k == 79 || k == 12) ? 1.0f : 0.0f);
    csro_grid_free(g);
    csro_sdm_opts_free(o);
}
END_TEST

/* ---------- lattices ---------- */
/* FCC (basis 0, (a/2)(1,1,0) ...) or simple cubic (corners only), n cells. */
static void lattice(cloud *c, double a, int n, int fcc, double off)
{
    static const double b[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                for (int s = 0; s < (fcc ? 4 : 1); s++)
                    cl_add(c, off + a * (i + b[s][0]), off + a * (j + b[s][1]), off + a * (k + b[s][2]));
}

/* Sum of the voxel profiles of a grid well inside the lattice. */
static void lattice_profile(const csro_sdm_opts *o, const cloud *c, double lo, double hi, double *sum)
{
    size_t nb = csro_sdm_opts_nbins(o);
    csro_grid *g = mkgrid(lo, lo, lo, hi, hi, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE);
    size_t nv = csro_grid_count(g);
    float *out = malloc(nv * nb * sizeof *out);
    ck_assert_int_eq(csro_sdm_voxels(o, g, c->x, c->y, c->z, c->n, c->x, c->y, c->z, c->n,
                                     0, nv, out, NULL, NULL, 0, NULL, NULL), 0);
    for (size_t k = 0; k < nb; k++) sum[k] = 0;
    for (size_t v = 0; v < nv; v++)
        for (size_t k = 0; k < nb; k++) sum[k] += out[v * nb + k];
    free(out);
    csro_grid_free(g);
}

/* Every non-empty bin lies within one bin width of a non-zero multiple of
 * d, and each multiple inside the crop has counts (a peak) near it. */
static void check_peaks(const csro_sdm_opts *o, const double *sum, double d, int allow0)
{
    size_t nb = csro_sdm_opts_nbins(o);
    double w = csro_sdm_opts_bin_width(o);
    int seen[16] = {0};
    int npk = 0;
    for (size_t k = 0; k < nb; k++) {
        if (sum[k] == 0) continue;
        double c = csro_sdm_opts_bin_left(o, k) + w / 2;
        double m = round(c / d);
        ck_assert_msg((m != 0 || allow0) && fabs(c - m * d) <= w, "counts %g at %.4f nm, not at a multiple of %.4f", sum[k], c, d);
        seen[(int)m + 8] = 1;
        if (m == 0) continue;
        /* local maximum = peak */
        if ((k == 0 || sum[k - 1] <= sum[k]) && (k + 1 == nb || sum[k + 1] <= sum[k])) npk++;
    }
    double lo = csro_sdm_opts_bin_left(o, 0), hi = csro_sdm_opts_bin_left(o, nb - 1) + w;
    for (int m = -7; m <= 7; m++) {
        if (m == 0 || m * d - w < lo || m * d + w > hi) continue;
        ck_assert_msg(seen[m + 8], "no counts at %d x %.4f nm", m, d);
    }
    ck_assert_int_ge(npk, 2);
}

START_TEST(test_fcc_001)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nb = csro_sdm_opts_nbins(o);
    double *sum = malloc(nb * sizeof *sum);
    cloud c = {0};
    lattice(&c, 0.36, 12, 1, 0.013);
    lattice_profile(o, &c, 1.0, 3.3, sum);
    check_peaks(o, sum, 0.18, 0);
    cl_free(&c);
    /* L1_2 corner sublattice: simple cubic a; no counts at a/2 */
    lattice(&c, 0.36, 12, 0, 0.013);
    lattice_profile(o, &c, 1.0, 3.3, sum);
    check_peaks(o, sum, 0.36, 0);
    cl_free(&c);
    free(sum);
    csro_sdm_opts_free(o);
}
END_TEST

START_TEST(test_fcc_111)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_sdm_opts_set_direction(o, 1, 1, 1), 0);
    size_t nb = csro_sdm_opts_nbins(o);
    double *sum = malloc(nb * sizeof *sum);
    cloud c = {0};
    lattice(&c, 0.36, 12, 1, 0.013);
    lattice_profile(o, &c, 1.0, 3.3, sum);
    /* (111) plane spacing 0.2078 nm. In-plane pairs project to a tiny
     * non-zero dz (rounding of the dot product), so, as in the reference,
     * they are not dropped and fill the bins next to 0. */
    check_peaks(o, sum, 0.36 / sqrt(3.0), 1);
    cl_free(&c);
    free(sum);
    csro_sdm_opts_free(o);
}
END_TEST

/* ---------- engine == brute force ---------- */
/* Random points; dyadic snapping (1/64 nm) makes exact ties: dz == 0,
 * dx == 0, offsets on bin edges, distances exactly on the sphere. */
static void random_cloud(cloud *c, uint64_t seed, size_t n, double lo, double hi, int snap)
{
    cs_rng r;
    cs_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; i++) {
        double p[3];
        for (int a = 0; a < 3; a++) {
            p[a] = lo + (hi - lo) * cs_rng_uniform(&r);
            if (snap) p[a] = floor(p[a] * 64) / 64;
        }
        cl_add(c, p[0], p[1], p[2]);
    }
}

static void inside(const csro_grid *g, size_t v, const cloud *c, cloud *in)
{
    double q[3];
    csro_grid_center(g, v, q);
    double vs = csro_grid_voxel(g), r = vs * 1.5 / 2, h = vs / 2;
    in->n = 0;
    for (size_t i = 0; i < c->n; i++) {
        double d0 = (double)c->x[i] - q[0], d1 = (double)c->y[i] - q[1], d2 = (double)c->z[i] - q[2];
        int ok = csro_grid_shape(g) == CSRO_VOXEL_SPHERE ? d0 * d0 + d1 * d1 + d2 * d2 <= r * r
                                                        : fabs(d0) <= h && fabs(d1) <= h && fabs(d2) <= h;
        if (ok) cl_add(in, c->x[i], c->y[i], c->z[i]);
    }
}

static size_t compare_brute(const csro_sdm_opts *o, const csro_grid *g, const cloud *a, const cloud *b,
                            int threads)
{
    int same = a == b;
    size_t nb = csro_sdm_opts_nbins(o), nv = csro_grid_count(g), pairs = 0;
    float *out = malloc(nv * nb * sizeof *out);
    uint32_t *nat = malloc(nv * sizeof *nat);
    uint8_t *nod = malloc(nv);
    uint64_t *h = malloc(nb * sizeof *h);
    ck_assert_int_eq(csro_sdm_voxels(o, g, a->x, a->y, a->z, a->n, b->x, b->y, b->z, b->n,
                                     0, nv, out, nat, nod, threads, NULL, NULL), 0);
    cloud ia = {0}, ib = {0};
    for (size_t v = 0; v < nv; v++) {
        inside(g, v, a, &ia);
        if (!same) inside(g, v, b, &ib);
        const cloud *pb = same ? &ia : &ib;
        memset(h, 0, nb * sizeof *h);
        ck_assert_int_eq(csro_sdm_points(o, ia.x, ia.y, ia.z, ia.n, pb->x, pb->y, pb->z, pb->n, h, nb), 0);
        ck_assert_uint_eq(nat[v], ia.n);
        int empty = same ? ia.n < 2 : (ia.n == 0 || pb->n == 0);
        ck_assert_uint_eq(nod[v], empty);
        for (size_t k = 0; k < nb; k++) {
            ck_assert_msg(out[v * nb + k] == (float)h[k], "voxel %zu bin %zu: engine %g brute %llu",
                          v, k, out[v * nb + k], (unsigned long long)h[k]);
            pairs += h[k];
        }
    }
    cl_free(&ia);
    cl_free(&ib);
    free(out); free(nat); free(nod); free(h);
    return pairs;
}

START_TEST(test_brute_force)
{
    cloud a = {0}, b = {0};
    random_cloud(&a, 1, scale(3000), -0.3, 5.3, 1);   /* extends past the ROI */
    random_cloud(&b, 2, scale(2000), -0.3, 5.3, 0);
    for (int shape = 0; shape < 2; shape++) {
        for (int dir = 0; dir < 4; dir++) {
            csro_sdm_opts *o = csro_sdm_opts_new();
            if (dir == 1) ck_assert_int_eq(csro_sdm_opts_set_direction(o, 1, 1, 1), 0);
            if (dir >= 2) {
                if (dir == 2) ck_assert_int_eq(csro_sdm_opts_set_direction(o, 1, 0, 0), 0);
                /* dyadic bins: every snapped offset is exactly on an edge */
                ck_assert_int_eq(csro_sdm_opts_set_bin_width(o, 1.0 / 64), 0);
            }
            /* a crop far from symmetric: the kept bins' mirror images lie
             * mostly outside them (the symmetric kernel counts a pair once
             * and mirrors it for the reversed pair) */
            if (dir == 3) ck_assert_int_eq(csro_sdm_opts_set_crop(o, -0.25, 0.625), 0);
            csro_grid *g = mkgrid(0, 0, 0, 5, 5, 5, 1.0, 0.5, shape);
            size_t p1 = compare_brute(o, g, &a, &a, 1 + dir % 2);
            size_t p2 = compare_brute(o, g, &a, &b, 2 - dir % 2);
            ck_assert_uint_gt(p1, scale(10000) / 4);
            ck_assert_uint_gt(p2, scale(10000) / 4);
            csro_grid_free(g);
            /* big voxels: pairs beyond R inside one voxel */
            g = mkgrid(0, 0, 0, 5, 5, 5, 2.2, 1.3, shape);
            compare_brute(o, g, &a, &a, 2);
            compare_brute(o, g, &a, &b, 1);
            csro_grid_free(g);
            csro_sdm_opts_free(o);
        }
    }
    cl_free(&a);
    cl_free(&b);
}
END_TEST

/* ---------- threads, slabs, ranges ---------- */
START_TEST(test_threads_slabs)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nb = csro_sdm_opts_nbins(o);
    cloud a = {0};
    random_cloud(&a, 7, scale(40000), 0, 8, 0);
    csro_grid *g = mkgrid(0, 0, 0, 8, 8, 8, 1.0, 0.5, CSRO_VOXEL_SPHERE);
    size_t nv = csro_grid_count(g), d[3];
    csro_grid_dims(g, d);
    float *o1 = malloc(nv * nb * sizeof *o1), *o2 = malloc(nv * nb * sizeof *o2);
    uint32_t *n1 = malloc(nv * 4), *n2 = malloc(nv * 4);
    uint8_t *d1 = malloc(nv), *d2 = malloc(nv);
    ck_assert_int_eq(csro_sdm_voxels(o, g, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, 0, nv, o1, n1, d1, 1, NULL, NULL), 0);
    ck_assert_int_eq(csro_sdm_voxels(o, g, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, 0, nv, o2, n2, d2, 2, NULL, NULL), 0);
    ck_assert(memcmp(o1, o2, nv * nb * sizeof *o1) == 0);
    ck_assert(memcmp(n1, n2, nv * 4) == 0 && memcmp(d1, d2, nv) == 0);
    ck_assert_int_eq(csro_sdm_voxels(o, g, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, 0, nv, o2, n2, d2, 0, NULL, NULL), 0);
    ck_assert(memcmp(o1, o2, nv * nb * sizeof *o1) == 0);
    /* slabs: z layers k0..k1 computed from the atoms with z in the layers'
     * reach only (csro_sdm_voxels_zrange: [k0 s + v/2 - 0.75, k1 s + v/2 + 0.75]) */
    size_t plane = d[0] * d[1];
    for (size_t k0 = 0; k0 < d[2]; k0 += 4) {
        size_t k1 = k0 + 3 < d[2] ? k0 + 3 : d[2] - 1;
        size_t first = k0 * plane, cnt = (k1 - k0 + 1) * plane;
        double zr[2];
        ck_assert_int_eq(csro_sdm_voxels_zrange(g, first, cnt, zr), 0);
        /* hand: centres k * 0.5 + 0.5, sphere reach 0.75 */
        ck_assert(fabs(zr[0] - (k0 * 0.5 + 0.5 - 0.75)) < 1e-6 && zr[0] <= k0 * 0.5 + 0.5 - 0.75);
        ck_assert(fabs(zr[1] - (k1 * 0.5 + 0.5 + 0.75)) < 1e-6 && zr[1] >= k1 * 0.5 + 0.5 + 0.75);
        double zlo = zr[0], zhi = zr[1];
        cloud s = {0};
        for (size_t i = 0; i < a.n; i++)
            if (a.z[i] >= zlo && a.z[i] <= zhi) cl_add(&s, a.x[i], a.y[i], a.z[i]);
        ck_assert_uint_lt(s.n, a.n);
        ck_assert_int_eq(csro_sdm_voxels(o, g, s.x, s.y, s.z, s.n, s.x, s.y, s.z, s.n, first, cnt,
                                         o2, n2, d2, 2, NULL, NULL), 0);
        ck_assert(memcmp(o1 + first * nb, o2, cnt * nb * sizeof *o1) == 0);
        ck_assert(memcmp(n1 + first, n2, cnt * 4) == 0);
        ck_assert(memcmp(d1 + first, d2, cnt) == 0);
        cl_free(&s);
    }
    /* an arbitrary sub-range equals the same rows of the full run */
    ck_assert_int_eq(csro_sdm_voxels(o, g, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, 1001, 777, o2, NULL, NULL, 2, NULL, NULL), 0);
    ck_assert(memcmp(o1 + 1001 * nb, o2, 777 * nb * sizeof *o1) == 0);
    free(o1); free(o2); free(n1); free(n2); free(d1); free(d2);
    cl_free(&a);
    csro_grid_free(g);
    csro_sdm_opts_free(o);
}
END_TEST

static int cancel_cb(double f, void *user)
{
    (void)f;
    ++*(int *)user;
    return 1;
}

START_TEST(test_errors)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    csro_grid *g = mkgrid(0, 0, 0, 3, 3, 3, 1.0, 0.5, CSRO_VOXEL_SPHERE);
    size_t nv = csro_grid_count(g), nb = csro_sdm_opts_nbins(o);
    float *out = malloc(nv * nb * sizeof *out);
    float p[1] = {1};
    ck_assert_int_eq(csro_sdm_voxels(o, g, p, p, p, 1, p, p, p, 1, nv - 2, 3, out, NULL, NULL, 1, NULL, NULL), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "beyond the grid") != NULL);
    ck_assert_int_eq(csro_sdm_voxels(o, g, p, p, p, 1, p, p, p, 1, nv + 1, 0, out, NULL, NULL, 1, NULL, NULL), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_voxels(o, g, NULL, p, p, 1, p, p, p, 1, 0, 1, out, NULL, NULL, 1, NULL, NULL), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_voxels(o, g, p, p, p, 1, p, p, p, 1, 0, nv, out, NULL, NULL, 1, NULL, NULL), 0);
    uint64_t h[100];
    ck_assert_int_eq(csro_sdm_points(o, p, p, p, 1, p, p, p, 1, h, nb + 1), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "bins") != NULL);
    double zr[2];
    ck_assert_int_eq(csro_sdm_voxels_zrange(g, nv - 1, 2, zr), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_voxels_zrange(g, 0, 0, zr), CSRO_EINVAL);
    int calls = 0;
    ck_assert_int_eq(csro_sdm_voxels(o, g, p, p, p, 1, p, p, p, 1, 0, nv, out, NULL, NULL, 1, cancel_cb, &calls), CSRO_ECANCELED);
    ck_assert_int_eq(calls, 1);
    free(out);
    csro_grid_free(g);
    csro_sdm_opts_free(o);
}
END_TEST


/* ---------- whole point-set maps ---------- */
START_TEST(test_map_2d_two_atoms)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nf = csro_sdm_opts_nfull(o);
    ck_assert_uint_eq(nf, 200);
    float x[2] = {0.5f, 0.6f}, y[2] = {0.5f, 0.5f}, z[2] = {0.5f, 0.7f};
    uint64_t *h = malloc(nf * nf * sizeof *h), prof[200];
    ck_assert_int_eq(csro_sdm_2d(o, x, y, z, 2, x, y, z, 2, h, prof, nf, 1, NULL, NULL), 0);
    /* (dz, dx) = (+0.2, +0.1): row floor(1.7/0.015) = 113, col floor(1.6/0.015) = 106;
     * reversed (-0.2, -0.1): row 86, col floor(1.4/0.015) = 93 */
    uint64_t tot = 0;
    for (size_t i = 0; i < nf * nf; i++) tot += h[i];
    ck_assert_uint_eq(tot, 2);
    ck_assert_uint_eq(h[113 * nf + 106], 1);
    ck_assert_uint_eq(h[86 * nf + 93], 1);
    for (size_t r = 0; r < nf; r++) ck_assert_uint_eq(prof[r], (r == 113 || r == 86) ? 1 : 0);
    ck_assert_int_eq(csro_sdm_2d(o, x, y, z, 2, x, y, z, 2, h, prof, nf + 1, 1, NULL, NULL), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "bins") != NULL);
    ck_assert_int_eq(csro_sdm_2d(o, x, y, z, 2, x, y, z, 2, NULL, NULL, nf, 1, NULL, NULL), CSRO_EINVAL);
    free(h);
    csro_sdm_opts_free(o);
}
END_TEST

START_TEST(test_map_2d_brute)
{
    cloud a = {0}, b = {0};
    random_cloud(&a, 11, scale(4000), 0, 6, 1);
    random_cloud(&b, 12, scale(3000), -1, 5, 0);
    for (int dir = 0; dir < 2; dir++) {
        csro_sdm_opts *o = csro_sdm_opts_new();
        if (dir) ck_assert_int_eq(csro_sdm_opts_set_direction(o, 1, 1, 1), 0);
        size_t nf = csro_sdm_opts_nfull(o), nb = csro_sdm_opts_nbins(o), f0 = csro_sdm_opts_first_bin(o);
        uint64_t *h1 = malloc(nf * nf * 8), *h2 = malloc(nf * nf * 8), *p1 = malloc(nf * 8), *p2 = malloc(nf * 8);
        uint64_t *ref = calloc(nb, 8);
        for (int pair = 0; pair < 2; pair++) {
            const cloud *pb = pair ? &b : &a;
            ck_assert_int_eq(csro_sdm_2d(o, a.x, a.y, a.z, a.n, pb->x, pb->y, pb->z, pb->n, h1, p1, nf, 1, NULL, NULL), 0);
            ck_assert_int_eq(csro_sdm_2d(o, a.x, a.y, a.z, a.n, pb->x, pb->y, pb->z, pb->n, h2, p2, nf, 2, NULL, NULL), 0);
            ck_assert(memcmp(h1, h2, nf * nf * 8) == 0 && memcmp(p1, p2, nf * 8) == 0);
            memset(ref, 0, nb * 8);
            ck_assert_int_eq(csro_sdm_points(o, a.x, a.y, a.z, a.n, pb->x, pb->y, pb->z, pb->n, ref, nb), 0);
            uint64_t tot = 0;
            for (size_t k = 0; k < nb; k++) {
                ck_assert_uint_eq(p1[f0 + k], ref[k]);
                tot += ref[k];
            }
            ck_assert_uint_gt(tot, scale(100000) / 16);
        }
        free(h1); free(h2); free(p1); free(p2); free(ref);
        csro_sdm_opts_free(o);
    }
    cl_free(&a);
    cl_free(&b);
}
END_TEST

START_TEST(test_map_3d)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    const size_t n = 30; /* bins of 0.1 nm over [-1.5, 1.5) */
    uint64_t *h = malloc(n * n * n * sizeof *h);
    /* dyadic offsets d = (0.25, -0.125, 0.46875): bins floor((d + 1.5) * 10)
     * = (17, 13, 19); the reverse pair (12, 16, 10) */
    float x[2] = {0.5f, 0.75f}, y[2] = {0.5f, 0.375f}, z[2] = {0.5f, 0.96875f};
    ck_assert_int_eq(csro_sdm_3d(o, x, y, z, 2, x, y, z, 2, h, n, 1, NULL, NULL), 0);
    uint64_t tot = 0;
    for (size_t i = 0; i < n * n * n; i++) tot += h[i];
    ck_assert_uint_eq(tot, 2);
    ck_assert_uint_eq(h[(19 * n + 13) * n + 17], 1);
    ck_assert_uint_eq(h[(10 * n + 16) * n + 12], 1);
    /* random set (dyadic: offsets of exactly +-R occur): total = ordered
     * pairs with 0 < |d| <= R and every component in [-R, R), counted here */
    cloud a = {0};
    random_cloud(&a, 5, 1500, 0, 4, 1);
    uint64_t *h2 = malloc(n * n * n * sizeof *h2);
    ck_assert_int_eq(csro_sdm_3d(o, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, h, n, 1, NULL, NULL), 0);
    ck_assert_int_eq(csro_sdm_3d(o, a.x, a.y, a.z, a.n, a.x, a.y, a.z, a.n, h2, n, 2, NULL, NULL), 0);
    ck_assert(memcmp(h, h2, n * n * n * sizeof *h) == 0);
    uint64_t want = 0;
    for (size_t i = 0; i < a.n; i++)
        for (size_t j = 0; j < a.n; j++) {
            double d0 = (double)a.x[j] - a.x[i], d1 = (double)a.y[j] - a.y[i], d2 = (double)a.z[j] - a.z[i];
            double r2 = d0 * d0 + d1 * d1 + d2 * d2;
            /* [-R, R) on each axis: an offset component of exactly +R is out */
            want += r2 > 0 && r2 <= 2.25 && d0 < 1.5 && d1 < 1.5 && d2 < 1.5;
        }
    tot = 0;
    for (size_t i = 0; i < n * n * n; i++) tot += h[i];
    ck_assert_uint_eq(tot, want);
    ck_assert_int_eq(csro_sdm_3d(o, x, y, z, 2, x, y, z, 2, h, 0, 1, NULL, NULL), CSRO_EINVAL);
    free(h); free(h2);
    cl_free(&a);
    csro_sdm_opts_free(o);
}
END_TEST

START_TEST(test_tiff)
{
    /* 3 pages of 4 x 2 uint32 and 1 page of float32; read back with libtiff */
    uint32_t u[24];
    float f[8];
    for (int i = 0; i < 24; i++) u[i] = (uint32_t)(i * 1000003u);
    for (int i = 0; i < 8; i++) f[i] = 0.5f * (float)i - 1.0f;
    char *pu = tu_tmp("u.tif"), *pf = tu_tmp("f.tif");
    ck_assert_int_eq(csro_sdm_tiff_write(pu, u, CSRO_SDM_TIFF_UINT32, 4, 2, 3), 0);
    ck_assert_int_eq(csro_sdm_tiff_write(pf, f, CSRO_SDM_TIFF_FLOAT32, 4, 2, 1), 0);
    TIFF *t = TIFFOpen(pu, "r");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(TIFFNumberOfDirectories(t), 3);
    for (int pg = 0; pg < 3; pg++) {
        ck_assert(TIFFSetDirectory(t, (uint16_t)pg));
        uint32_t w = 0, hgt = 0;
        uint16_t bps = 0, fmt = 0;
        TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(t, TIFFTAG_IMAGELENGTH, &hgt);
        TIFFGetField(t, TIFFTAG_BITSPERSAMPLE, &bps);
        TIFFGetField(t, TIFFTAG_SAMPLEFORMAT, &fmt);
        ck_assert(w == 4 && hgt == 2 && bps == 32 && fmt == SAMPLEFORMAT_UINT);
        for (uint32_t r = 0; r < 2; r++) {
            uint32_t line[4];
            ck_assert_int_eq(TIFFReadScanline(t, line, r, 0), 1);
            ck_assert(memcmp(line, u + (pg * 2 + r) * 4, sizeof line) == 0);
        }
    }
    TIFFClose(t);
    t = TIFFOpen(pf, "r");
    ck_assert_ptr_nonnull(t);
    uint16_t fmt = 0;
    TIFFGetField(t, TIFFTAG_SAMPLEFORMAT, &fmt);
    ck_assert_uint_eq(fmt, SAMPLEFORMAT_IEEEFP);
    float line[4];
    ck_assert_int_eq(TIFFReadScanline(t, line, 1, 0), 1);
    ck_assert(memcmp(line, f + 4, sizeof line) == 0);
    TIFFClose(t);
    ck_assert_int_eq(csro_sdm_tiff_write(pf, f, 7, 4, 2, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_tiff_write(pf, f, CSRO_SDM_TIFF_FLOAT32, 0, 2, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_tiff_write("/nonexistent-dir/x.tif", f, CSRO_SDM_TIFF_FLOAT32, 4, 2, 1), CSRO_EIO);
    ck_assert(strstr(csro_last_error(), "/nonexistent-dir/x.tif") != NULL);
    free(pu);
    free(pf);
}
END_TEST

/* Radius and bin width set together, in any order of size; bin counts are
 * bounded before any loop over them (a tiny width used to loop 3/w times). */
START_TEST(test_set_bins)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_ptr_nonnull(o);
    /* R = 0.01 < the default width 0.015: the single setters refuse it */
    ck_assert_int_eq(csro_sdm_opts_set_radius(o, 0.01), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 0.01, 0.005), 0);
    ck_assert(csro_sdm_opts_radius(o) == 0.01 && csro_sdm_opts_bin_width(o) == 0.005);
    ck_assert_uint_eq(csro_sdm_opts_nfull(o), 4);   /* 2R/w by hand */
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 2.0, 0.5), 0);
    ck_assert_uint_eq(csro_sdm_opts_nfull(o), 8);
    /* refused, and the options unchanged */
    ck_assert_int_eq(csro_sdm_opts_set_bin_width(o, 1e-30), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 1.5, 1e-6), CSRO_EINVAL);   /* 3e6 bins */
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 1e300, 1e-300), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, NAN, 0.1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 1.0, INFINITY), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 0.1, 0.2), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 1.0, -0.1), CSRO_EINVAL);
    ck_assert(csro_sdm_opts_radius(o) == 2.0 && csro_sdm_opts_bin_width(o) == 0.5);
    /* the largest accepted count */
    ck_assert_int_eq(csro_sdm_opts_set_bins(o, 1.0, 2.0 / CSRO_SDM_MAX_BINS), 0);
    ck_assert_uint_eq(csro_sdm_opts_nfull(o), CSRO_SDM_MAX_BINS);
    csro_sdm_opts_free(o);
}
END_TEST

CSRO_TEST_MAIN("sdm", 60, test_two_atoms, test_fcc_001, test_fcc_111, test_brute_force,
               test_threads_slabs, test_errors, test_map_2d_two_atoms, test_map_2d_brute,
               test_map_3d, test_tiff, test_set_bins)
