/* test_components.c: connected CSRO domains (hand cases and
 * scipy.ndimage.label on random masks via $PYTHON), equivalent diameters,
 * summary statistics, composition and the least-squares line. */
#include "testutil.h"
#include "csro.h"
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>

#define IDX(i, j, k) ((i) + 5 * ((j) + 5 * (k)))

START_TEST(test_connectivity)
{
    size_t dims[3] = {5, 5, 5};
    uint8_t mask[125] = {0};
    mask[IDX(0, 0, 0)] = 1;
    mask[IDX(1, 1, 1)] = 1; /* corner contact with (0,0,0) */
    mask[IDX(3, 3, 0)] = 1;
    mask[IDX(4, 4, 0)] = 1; /* edge contact with (3,3,0) */
    mask[IDX(4, 0, 4)] = 1;
    mask[IDX(4, 0, 3)] = 1; /* face contact */
    mask[IDX(0, 4, 4)] = 1; /* isolated */
    csro_domains *d;
    ck_assert_int_eq(csro_domains_new(&d, mask, dims, 6), 0);
    ck_assert_uint_eq(csro_domains_count(d), 6);
    csro_domains_free(d);
    ck_assert_int_eq(csro_domains_new(&d, mask, dims, 18), 0);
    ck_assert_uint_eq(csro_domains_count(d), 5);
    csro_domains_free(d);
    ck_assert_int_eq(csro_domains_new(&d, mask, dims, 26), 0);
    ck_assert_uint_eq(csro_domains_count(d), 4);
    /* labels in order of first cell: (0,0,0), (3,3,0), (4,0,3), (0,4,4) */
    const int32_t *l = csro_domains_labels(d);
    ck_assert_int_eq(l[IDX(0, 0, 0)], 1);
    ck_assert_int_eq(l[IDX(1, 1, 1)], 1);
    ck_assert_int_eq(l[IDX(3, 3, 0)], 2);
    ck_assert_int_eq(l[IDX(4, 4, 0)], 2);
    ck_assert_int_eq(l[IDX(4, 0, 3)], 3);
    ck_assert_int_eq(l[IDX(4, 0, 4)], 3);
    ck_assert_int_eq(l[IDX(0, 4, 4)], 4);
    ck_assert_int_eq(l[IDX(2, 2, 2)], 0);
    const uint64_t *sz = csro_domains_sizes(d);
    ck_assert_uint_eq(sz[0], 2); ck_assert_uint_eq(sz[1], 2);
    ck_assert_uint_eq(sz[2], 2); ck_assert_uint_eq(sz[3], 1);
    /* no wrap-around across the x border: (4,y,z) and (0,y+1,z) are not
     * neighbours (checked by (4,4,0) / (0,4,4) staying apart above) */
    double dia[4];
    ck_assert_int_eq(csro_domains_diameters(d, 0.5, dia, 4), 0);
    /* 2 cells of 0.125 nm^3: d = (6 * 0.25 / pi)^(1/3) = 0.781593... */
    ck_assert(fabs(dia[0] - 0.7815926418) < 1e-9);
    ck_assert_int_eq(csro_domains_diameters(d, 0.5, dia, 3), CSRO_EINVAL);
    csro_domains_free(d);
    ck_assert_int_eq(csro_domains_new(&d, mask, dims, 8), CSRO_EINVAL);
    ck_assert_ptr_null(d);
    csro_domains_free(NULL);
}
END_TEST

/* Two planted cubes of voxel probability 1: threshold 3.75 keeps 32
 * sub-cells per cube (8 interior + 6 faces x 4), two domains of 32 cells,
 * diameter (6 * 32 * 0.125 / pi)^(1/3) = 1.969490... nm. */
START_TEST(test_planted_domains)
{
    double lo[3] = {0, 0, 0}, hi[3] = {10, 6, 6};
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_CUBE), 0);
    size_t n[3];
    csro_grid_dims(g, n); /* 19 x 11 x 11 */
    ck_assert_uint_eq(n[0], 19);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    for (size_t k = 2; k <= 4; k++)
        for (size_t j = 2; j <= 4; j++)
            for (size_t i = 2; i <= 4; i++) {
                p[i + n[0] * (j + n[1] * k)] = 1;
                p[(i + 10) + n[0] * ((j + 3) + n[1] * (k + 4))] = 1;
            }
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    size_t mc = csro_probmap_count(m), D[3], nsel;
    csro_probmap_dims(m, D);
    uint8_t *mask = malloc(mc);
    ck_assert_int_eq(csro_probmap_threshold(m, 3.75, INFINITY, mask, mc, &nsel), 0);
    ck_assert_uint_eq(nsel, 64);
    for (int conn = 6; conn <= 26; conn += conn == 6 ? 12 : 8) {
        csro_domains *d;
        ck_assert_int_eq(csro_domains_new(&d, mask, D, conn), 0);
        ck_assert_uint_eq(csro_domains_count(d), 2);
        ck_assert_uint_eq(csro_domains_sizes(d)[0], 32);
        ck_assert_uint_eq(csro_domains_sizes(d)[1], 32);
        double dia[2];
        ck_assert_int_eq(csro_domains_diameters(d, csro_probmap_spacing(m), dia, 2), 0);
        ck_assert(fabs(dia[0] - 1.969490043685393) < 1e-9 && fabs(dia[1] - dia[0]) < 1e-12);
        csro_domains_free(d);
    }
    /* threshold 0.5 keeps every cell with a non-zero sum: voxels 2..4 cover
     * sub-cells 2..5, 4^3 per cube */
    ck_assert_int_eq(csro_probmap_threshold(m, 0.5, INFINITY, mask, mc, &nsel), 0);
    ck_assert_uint_eq(nsel, 2 * 64);
    free(mask);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

START_TEST(test_random_vs_scipy)
{
    const char *py = getenv("PYTHON");
    if (!py || !*py) { fprintf(stderr, "PYTHON not set: scipy check skipped\n"); return; }
    size_t dims[3] = {17, 13, 11}, n = 17 * 13 * 11;
    uint8_t *mask = malloc(n);
    cs_rng rng;
    cs_rng_init(&rng, 3, 0);
    for (size_t i = 0; i < n; i++) mask[i] = cs_rng_uniform(&rng) < 0.3;
    char *mpath = tu_tmp("mask.raw"), *lpath = tu_tmp("labels.raw"), *spath = tu_tmp("check.py");
    ck_assert_int_eq(tu_write(mpath, mask, n), 0);
    const char *script =
        "import sys, numpy as np\n"
        "from scipy import ndimage\n"
        "m = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(11, 13, 17)\n"
        "ours = np.fromfile(sys.argv[2], dtype='<i4').reshape(11, 13, 17)\n"
        "conn = {6: 1, 18: 2, 26: 3}[int(sys.argv[3])]\n"
        "lab, nl = ndimage.label(m, ndimage.generate_binary_structure(3, conn))\n"
        "assert ours.max() == nl, (ours.max(), nl)\n"
        "# same partition: a one-to-one map between label sets\n"
        "pairs = set(zip(lab[m > 0].tolist(), ours[m > 0].tolist()))\n"
        "assert len(pairs) == nl, (len(pairs), nl)\n"
        "assert (ours[m == 0] == 0).all()\n";
    ck_assert_int_eq(tu_write(spath, script, strlen(script)), 0);
    int conns[3] = {6, 18, 26};
    size_t counts[3];
    for (int c = 0; c < 3; c++) {
        csro_domains *d;
        ck_assert_int_eq(csro_domains_new(&d, mask, dims, conns[c]), 0);
        counts[c] = csro_domains_count(d);
        uint64_t tot = 0;
        for (size_t i = 0; i < counts[c]; i++) tot += csro_domains_sizes(d)[i];
        size_t ones = 0;
        for (size_t i = 0; i < n; i++) ones += mask[i];
        ck_assert_uint_eq(tot, ones);
        ck_assert_int_eq(tu_write(lpath, csro_domains_labels(d), n * 4), 0);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "%s '%s' '%s' '%s' %d", py, spath, mpath, lpath, conns[c]);
        ck_assert_msg(system(cmd) == 0, "scipy.ndimage.label disagrees at connectivity %d", conns[c]);
        csro_domains_free(d);
    }
    ck_assert(counts[0] > counts[1] && counts[1] > counts[2]);
    free(mpath); free(lpath); free(spath); free(mask);
}
END_TEST

START_TEST(test_summary_hist)
{
    double v[4] = {3, 1, 2, 10}, mean, med, mn, mx;
    ck_assert_int_eq(csro_stats_summary(&mean, &med, &mn, &mx, v, 4), 0);
    ck_assert_double_eq(mean, 4); ck_assert_double_eq(med, 2.5);
    ck_assert_double_eq(mn, 1); ck_assert_double_eq(mx, 10);
    ck_assert_int_eq(csro_stats_summary(&mean, &med, NULL, NULL, v, 3), 0);
    ck_assert_double_eq(med, 2);
    ck_assert_int_eq(csro_stats_summary(&mean, &med, NULL, NULL, v, 0), 0);
    ck_assert(isnan(mean) && isnan(med));
    uint64_t h[5];
    double w[7] = {0, 0.99, 1, 4.5, 5, -0.1, 7};
    ck_assert_int_eq(csro_stats_histogram(h, 5, 0, 5, w, 7), 0);
    ck_assert_uint_eq(h[0], 2); ck_assert_uint_eq(h[1], 1); ck_assert_uint_eq(h[2], 0);
    ck_assert_uint_eq(h[3], 0); ck_assert_uint_eq(h[4], 2); /* 4.5 and 5 (= hi) */
    ck_assert_int_eq(csro_stats_histogram(h, 5, 5, 5, w, 7), CSRO_EINVAL);
}
END_TEST

START_TEST(test_composition)
{
    int32_t sp[8] = {0, 1, 2, 0, 0, -1, 2, 3};
    uint8_t in[8] = {1, 1, 0, 0, 1, 1, 1, 0};
    uint64_t ci[3], co[3];
    ck_assert_int_eq(csro_stats_composition(ci, co, 3, sp, in, 8), 0);
    ck_assert_uint_eq(ci[0], 2); ck_assert_uint_eq(co[0], 1);
    ck_assert_uint_eq(ci[1], 1); ck_assert_uint_eq(co[1], 0);
    ck_assert_uint_eq(ci[2], 1); ck_assert_uint_eq(co[2], 1);
}
END_TEST

START_TEST(test_linfit)
{
    double b, be, a, r2;
    double x[4] = {0, 1, 2, 3}, y[4] = {1, 3, 5, 7};
    ck_assert_int_eq(csro_stats_linfit(&b, &be, &a, &r2, x, y, 4), 0);
    ck_assert(fabs(b - 2) < 1e-12 && fabs(a - 1) < 1e-12 && fabs(r2 - 1) < 1e-12 && fabs(be) < 1e-12);
    /* by hand: mx 1.5, my 2.75, Sxx 5, Sxy 5.5 -> b 1.1, a 1.1; residuals
     * -0.1 0.8 -1.3 0.6: SSE 2.7, Syy 8.75 -> R^2 0.6914285714,
     * se(b) = sqrt(2.7 / 2 / 5) = 0.5196152423 */
    double y2[4] = {1, 3, 2, 5};
    ck_assert_int_eq(csro_stats_linfit(&b, &be, &a, &r2, x, y2, 4), 0);
    ck_assert(fabs(b - 1.1) < 1e-12 && fabs(a - 1.1) < 1e-12);
    ck_assert(fabs(r2 - 0.6914285714285714) < 1e-12);
    ck_assert(fabs(be - 0.5196152422706632) < 1e-12);
    ck_assert_int_eq(csro_stats_linfit(&b, &be, &a, &r2, x, y2, 2), 0);
    ck_assert(fabs(b - 2) < 1e-12 && isnan(be));
    double xc[3] = {1, 1, 1};
    ck_assert_int_eq(csro_stats_linfit(&b, &be, &a, &r2, xc, y2, 3), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "equal") != NULL);
    ck_assert_int_eq(csro_stats_linfit(&b, &be, &a, &r2, x, y2, 1), CSRO_EINVAL);
}
END_TEST

CSRO_TEST_MAIN("components", 60, test_connectivity, test_planted_domains, test_random_vs_scipy,
               test_summary_hist, test_composition, test_linfit)
