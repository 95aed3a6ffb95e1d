/* test_preprocess.c: Savitzky-Golay, Moody and the experimental pipeline
 * against hand calculations and against SciPy (tests/preprocess_ref.py run
 * through $PYTHON at test time). */
#include "testutil.h"
#include "csro.h"
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>

#define NB 93

START_TEST(test_savgol_polynomial)
{
    /* the least-squares fit of a polynomial of degree <= order is the
     * polynomial itself, at the edges too */
    double x[NB], y[NB], s[NB];
    for (int deg = 0; deg <= 8; deg++) {
        for (int i = 0; i < NB; i++) {
            double t = (i - 40.0) / 46.0;
            x[i] = 0.3;
            for (int k = 1; k <= deg; k++) x[i] = x[i] * t + (k % 2 ? 0.7 : -0.4);
        }
        ck_assert_int_eq(csro_preprocess_savgol(x, y, NB, 15, 8), 0);
        for (int i = 0; i < NB; i++) ck_assert_msg(fabs(y[i] - x[i]) < 1e-12, "deg %d i %d: %g vs %g", deg, i, y[i], x[i]);
    }
    /* order 0: the interior is the moving average, the edges the mean of the
     * first/last window */
    for (int i = 0; i < NB; i++) x[i] = (i * 37 % 11) - 3.0;
    ck_assert_int_eq(csro_preprocess_savgol(x, s, NB, 5, 0), 0);
    double head = (x[0] + x[1] + x[2] + x[3] + x[4]) / 5;
    ck_assert(fabs(s[0] - head) < 1e-12 && fabs(s[1] - head) < 1e-12 && fabs(s[2] - head) < 1e-12);
    ck_assert(fabs(s[10] - (x[8] + x[9] + x[10] + x[11] + x[12]) / 5) < 1e-12);
    /* window 5, order 2 interior weights (-3, 12, 17, 12, -3) / 35 */
    ck_assert_int_eq(csro_preprocess_savgol(x, s, NB, 5, 2), 0);
    double w = (-3 * x[18] + 12 * x[19] + 17 * x[20] + 12 * x[21] - 3 * x[22]) / 35;
    ck_assert(fabs(s[20] - w) < 1e-12);
    /* a profile symmetric about 45.5 (same-species z-SDMs are) is smoothed
     * to a bit-for-bit symmetric interior, so exact ties stay ties */
    for (int i = 0; i < NB; i++) x[i] = i == 92 ? 0.9 : sin(fabs(i - 45.5) * 0.7) * exp(-fabs(i - 45.5) / 30) + 0.1 * ((i * 7 % 5) == 0 || ((91 - i) * 7 % 5) == 0);
    for (int i = 0; i < 92; i++) ck_assert(x[i] == x[91 - i]);
    ck_assert_int_eq(csro_preprocess_savgol(x, s, NB, 15, 8), 0);
    for (int i = 7; i <= 84; i++) ck_assert_msg(s[i] == s[91 - i], "s[%d] != s[%d]", i, 91 - i);
    /* bad arguments */
    ck_assert_int_eq(csro_preprocess_savgol(x, s, NB, 14, 8), CSRO_EINVAL);
    ck_assert_int_eq(csro_preprocess_savgol(x, s, NB, 15, 15), CSRO_EINVAL);
    ck_assert_int_eq(csro_preprocess_savgol(x, s, 10, 15, 8), CSRO_EINVAL);
}
END_TEST

START_TEST(test_moody_hand)
{
    /* n = 8: minima with index > 4: index 5 (1 < 5, 1 < 2); window b[2..5]. */
    const double s[8] = {0, 5, 5, 5, 5, 1, 2, 0};
    double b[8];
    csro_preprocess_opts *o = csro_preprocess_opts_new();
    int passes;
    /* pass 1 (reads s): 0, 2.5, 5, 5, 3, 1, 0.5, 0 */
    ck_assert_int_eq(csro_preprocess_opts_set_moody_passes(o, 1), 0);
    ck_assert_int_eq(csro_preprocess_moody(o, s, b, 8, &passes), 0);
    ck_assert_int_eq(passes, 1);
    const double p1[8] = {0, 2.5, 5, 5, 3, 1, 0.5, 0};
    for (int i = 0; i < 8; i++) ck_assert_msg(b[i] == p1[i], "pass 1 b[%d] = %g", i, b[i]);
    /* pass 2 in place: 2.5, 3.75, 3.375, 2.1875, 1, 0.5 */
    ck_assert_int_eq(csro_preprocess_opts_set_moody_passes(o, 2), 0);
    ck_assert_int_eq(csro_preprocess_moody(o, s, b, 8, &passes), 0);
    const double p2[8] = {0, 2.5, 3.75, 3.375, 2.1875, 1, 0.5, 0};
    for (int i = 0; i < 8; i++) ck_assert_msg(b[i] == p2[i], "pass 2 b[%d] = %g", i, b[i]);
    /* unlimited: stops once max(b[2..5]) <= s[5] = 1 */
    csro_preprocess_opts_set_moody_passes(o, 1000000);
    ck_assert_int_eq(csro_preprocess_moody(o, s, b, 8, &passes), 0);
    ck_assert_int_gt(passes, 2);
    double mx = fmax(fmax(b[2], b[3]), fmax(b[4], b[5]));
    ck_assert(mx <= 1.0);
    ck_assert_int_eq(csro_preprocess_opts_set_moody_passes(o, 0), CSRO_EINVAL);
    csro_preprocess_opts_free(o);

    /* no minimum past the middle: zero background */
    double flat[NB], up[NB];
    for (int i = 0; i < NB; i++) { flat[i] = 0.25; up[i] = i * 0.01; }
    ck_assert_int_eq(csro_preprocess_moody(NULL, flat, b + 0, 3, &passes), 0);
    double bg[NB];
    ck_assert_int_eq(csro_preprocess_moody(NULL, flat, bg, NB, &passes), 0);
    for (int i = 0; i < NB; i++) ck_assert(bg[i] == 0);
    ck_assert_int_eq(passes, 0);
    ck_assert_int_eq(csro_preprocess_moody(NULL, up, bg, NB, &passes), 0);
    for (int i = 0; i < NB; i++) ck_assert(bg[i] == 0);
    /* a minimum but the middle is already low: background = curve, so the
     * experimental result has no data */
    double v[NB];
    for (int i = 0; i < NB; i++) v[i] = i < 75 ? 0.0 : (i == 80 ? 1.0 : 2.0);
    ck_assert_int_eq(csro_preprocess_moody(NULL, v, bg, NB, &passes), 0);
    ck_assert_int_eq(passes, 0);
    for (int i = 0; i < NB; i++) ck_assert(bg[i] == v[i]);
    ck_assert_int_eq(csro_preprocess_moody(NULL, v, bg, 2, &passes), CSRO_EINVAL);
}
END_TEST

/* Our weights against the exact rational projection of preprocess_ref.py. */
START_TEST(test_savgol_exact)
{
    const char *py = getenv("PYTHON"), *src = getenv("CSRO_SRCDIR");
    ck_assert_msg(py && *py && src, "PYTHON and CSRO_SRCDIR must be set (run through make check)");
    const int cases[3][2] = {{15, 8}, {21, 4}, {9, 2}};
    for (int c = 0; c < 3; c++) {
        const int w = cases[c][0], o = cases[c][1], h = w / 2;
        char *ref = tu_tmp("exact.f64"), cmd[4096];
        snprintf(cmd, sizeof cmd, "%s %s/tests/preprocess_ref.py --exact %d %d %s", py, src, w, o, ref);
        ck_assert_msg(system(cmd) == 0, "reference failed: %s", cmd);
        size_t len;
        double *P = tu_read(ref, &len);
        ck_assert_uint_eq(len, (size_t)w * w * sizeof *P);
        double e[NB], y[NB];
        for (int j = 0; j < NB; j++) e[j] = 0;
        for (int j = 0; j < w; j++) { /* impulse in the first window: edge rows */
            e[j] = 1;
            ck_assert_int_eq(csro_preprocess_savgol(e, y, NB, w, o), 0);
            for (int p = 0; p < h; p++)
                ck_assert_msg(fabs(y[p] - P[p * w + j]) < 1e-13, "w %d o %d P[%d][%d] %.17g vs %.17g", w, o, p, j, y[p], P[p * w + j]);
            e[j] = 0;
            e[NB - w + j] = 1; /* last window */
            ck_assert_int_eq(csro_preprocess_savgol(e, y, NB, w, o), 0);
            for (int p = h + 1; p < w; p++)
                ck_assert(fabs(y[NB - w + p] - P[p * w + j]) < 1e-13);
            e[NB - w + j] = 0;
        }
        e[46] = 1; /* interior weights c[j] = y[46 + h - j] */
        ck_assert_int_eq(csro_preprocess_savgol(e, y, NB, w, o), 0);
        for (int j = 0; j < w; j++) ck_assert(fabs(y[46 + h - j] - P[h * w + j]) < 1e-13);
        free(P);
        free(ref);
    }
}
END_TEST

START_TEST(test_minmax)
{
    float in[5] = {2, 4, 3, 6, 2}, out[5];
    int nd = 7;
    ck_assert_int_eq(csro_preprocess_minmax(in, out, 5, &nd), 0);
    ck_assert_int_eq(nd, 0);
    ck_assert(out[0] == 0 && out[1] == 0.5f && out[2] == 0.25f && out[3] == 1 && out[4] == 0);
    float c[4] = {3, 3, 3, 3};
    ck_assert_int_eq(csro_preprocess_minmax(c, c, 4, &nd), 0);
    ck_assert_int_eq(nd, 1);
    ck_assert(c[0] == 0 && c[3] == 0);
    in[2] = NAN;
    ck_assert_int_eq(csro_preprocess_minmax(in, out, 5, &nd), 0);
    ck_assert_int_eq(nd, 1);
    /* batch: flags set and cleared, other bits kept */
    float rows[2 * NB];
    for (int i = 0; i < NB; i++) { rows[i] = 5; rows[NB + i] = (float)(i % 7); }
    uint32_t fl[2] = {0x2, CSRO_ROW_NODATA};
    ck_assert_int_eq(csro_preprocess_rows(NULL, CSRO_PRE_MINMAX, rows, rows, 2, NB, fl, 2), 0);
    ck_assert_uint_eq(fl[0], 0x2 | CSRO_ROW_NODATA);
    ck_assert_uint_eq(fl[1], 0);
    ck_assert(rows[NB + 6] == 1.0f && rows[NB + 7] == 0.0f);
    ck_assert_int_eq(csro_preprocess_rows(NULL, CSRO_PRE_RAW, rows, rows, 2, NB, fl, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_preprocess_rows(NULL, CSRO_PRE_EXPERIMENTAL, rows, rows, 1, 10, fl, 1), CSRO_EINVAL);
}
END_TEST

/* Test profiles: random, realistic z-SDMs (fcc {111} planes, 0.207 nm apart,
 * on the triangular background of a spherical neighbourhood, with noise),
 * smooth monotonic, constant. */
static void make_profiles(float *p, size_t nrows)
{
    cs_rng r;
    for (size_t k = 0; k < nrows; k++) {
        cs_rng_init(&r, 2024, k);
        float *y = p + k * NB;
        int kind = (int)(k % 5);
        double amp = 20 + 200 * cs_rng_uniform(&r), d = 0.19 + 0.03 * cs_rng_uniform(&r);
        double noise = 0.02 + 0.2 * cs_rng_uniform(&r), shift = 0.05 * (cs_rng_uniform(&r) - 0.5);
        for (int i = 0; i < NB; i++) {
            double z = -0.69 + 0.015 * i, v;
            if (kind == 0) v = cs_rng_uniform(&r) * 50;
            else if (kind == 3) v = 3 + 0.1 * i + 0.001 * i * i;
            else {
                v = amp * (1.5 - fabs(z)) / 1.5;
                for (int m = -3; m <= 3; m++) {
                    double u = (z - shift - m * d) / 0.035;
                    v += 0.6 * amp * exp(-0.5 * u * u) * (kind == 2 && m % 2 ? 0.3 : 1.0);
                }
                v += noise * amp * cs_rng_normal(&r);
                if (kind == 4) v = floor(fmax(v, 0)); /* integer counts */
            }
            y[i] = (float)v;
        }
    }
    for (int i = 0; i < NB; i++) p[7 * NB + i] = 4.0f; /* row 7: constant */
}

/* Options reach the batch path: window 21, order 4, 3 Moody passes give
 * the composition of the single steps. */
START_TEST(test_options)
{
    float p[10 * NB], out[10 * NB];
    make_profiles(p, 10);
    csro_preprocess_opts *o = csro_preprocess_opts_new();
    ck_assert_int_eq(csro_preprocess_opts_set_savgol(o, 21, 4), 0);
    ck_assert_int_eq(csro_preprocess_opts_set_savgol(o, 20, 4), CSRO_EINVAL);
    ck_assert_int_eq(csro_preprocess_opts_set_savgol(o, 5, 5), CSRO_EINVAL);
    ck_assert_int_eq(csro_preprocess_opts_set_moody_passes(o, 3), 0);
    uint32_t fl[10] = {0};
    ck_assert_int_eq(csro_preprocess_rows(o, CSRO_PRE_EXPERIMENTAL, p, out, 10, NB, fl, 2), 0);
    for (int k = 0; k < 10; k++) {
        if (k == 7) { ck_assert(fl[k] & CSRO_ROW_NODATA); continue; } /* the constant row */
        double y[NB], s[NB], b[NB], d[NB];
        float yf[NB];
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < NB; i++) { lo = fmin(lo, p[k * NB + i]); hi = fmax(hi, p[k * NB + i]); }
        for (int i = 0; i < NB; i++) y[i] = (p[k * NB + i] - lo) / (hi - lo);
        ck_assert_int_eq(csro_preprocess_savgol(y, s, NB, 21, 4), 0);
        int passes;
        ck_assert_int_eq(csro_preprocess_moody(o, s, b, NB, &passes), 0);
        ck_assert_int_le(passes, 3);
        lo = INFINITY; hi = -INFINITY;
        for (int i = 0; i < NB; i++) { d[i] = s[i] - b[i]; lo = fmin(lo, d[i]); hi = fmax(hi, d[i]); }
        for (int i = 0; i < NB; i++) yf[i] = (float)((d[i] - lo) / (hi - lo));
        ck_assert_msg(memcmp(yf, out + k * NB, sizeof yf) == 0, "row %d differs", k);
        ck_assert_uint_eq(fl[k], 0);
    }
    csro_preprocess_opts_free(o);
    csro_preprocess_opts_free(NULL);
}
END_TEST

START_TEST(test_against_scipy)
{
    const char *py = getenv("PYTHON"), *src = getenv("CSRO_SRCDIR");
    ck_assert_msg(py && *py && src, "PYTHON and CSRO_SRCDIR must be set (run through make check)");
    const size_t n = 200;
    float *p = malloc(n * NB * sizeof *p), *out = malloc(n * NB * sizeof *out), *out1 = malloc(n * NB * sizeof *out1);
    make_profiles(p, n);
    char *in = tu_tmp("prof.f32"), *ref = tu_tmp("ref.f64");
    ck_assert_int_eq(tu_write(in, p, n * NB * sizeof *p), 0); /* little-endian host */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s/tests/preprocess_ref.py %d %s %s", py, src, NB, in, ref);
    ck_assert_msg(system(cmd) == 0, "reference failed: %s", cmd);
    size_t len;
    double *R = tu_read(ref, &len);
    ck_assert_ptr_nonnull(R);
    const size_t stride = 2 * NB + 2;
    ck_assert_uint_eq(len, n * stride * sizeof *R);

    uint32_t *fl = calloc(n, sizeof *fl);
    ck_assert_int_eq(csro_preprocess_rows(NULL, CSRO_PRE_EXPERIMENTAL, p, out, n, NB, fl, 3), 0);
    ck_assert_int_eq(csro_preprocess_rows(NULL, CSRO_PRE_EXPERIMENTAL, p, out1, n, NB, NULL, 1), 0);
    ck_assert(memcmp(out, out1, n * NB * sizeof *out) == 0); /* thread count independent */
    double worst = 0, worst_s = 0;
    int moody_rows = 0, capped = 0, ambiguous = 0;
    for (size_t k = 0; k < n; k++) {
        const double *ro = R + k * stride, *rs = ro + NB;
        int ref_nodata = isnan(ro[0]);
        int nd;
        float single[NB];
        ck_assert_int_eq(csro_preprocess_experimental(p + k * NB, single, NB, &nd), 0);
        ck_assert(memcmp(single, out + k * NB, sizeof single) == 0);
        ck_assert_msg(nd == ref_nodata, "row %zu: nodata %d, reference %d", k, nd, ref_nodata);
        ck_assert_uint_eq(!!(fl[k] & CSRO_ROW_NODATA), (unsigned)nd);
        if (ref_nodata) {
            for (int i = 0; i < NB; i++) ck_assert(out[k * NB + i] == 0);
            continue;
        }
        /* smoothing of the normalised row in double */
        double y[NB], s[NB], bg[NB];
        float yn[NB];
        csro_preprocess_minmax(p + k * NB, yn, NB, NULL);
        double lo = p[k * NB], hi = p[k * NB];
        for (int i = 0; i < NB; i++) { lo = fmin(lo, p[k * NB + i]); hi = fmax(hi, p[k * NB + i]); }
        for (int i = 0; i < NB; i++) y[i] = (p[k * NB + i] - lo) / (hi - lo);
        ck_assert_int_eq(csro_preprocess_savgol(y, s, NB, 15, 8), 0);
        for (int i = 0; i < NB; i++) {
            worst_s = fmax(worst_s, fabs(s[i] - rs[i]));
            ck_assert_msg(fabs(s[i] - rs[i]) <= 1e-8, "row %zu bin %d: savgol %.17g vs scipy %.17g", k, i, s[i], rs[i]);
        }
        if (ro[2 * NB + 1] != 0) { ambiguous++; continue; } /* decided by rounding noise */
        int passes;
        ck_assert_int_eq(csro_preprocess_moody(NULL, s, bg, NB, &passes), 0);
        ck_assert_msg(passes == (int)ro[2 * NB], "row %zu: %d Moody passes, reference %g", k, passes, ro[2 * NB]);
        moody_rows += passes > 0;
        capped += passes == 1001;
        for (int i = 0; i < NB; i++) {
            double e = fabs(out[k * NB + i] - ro[i]);
            worst = fmax(worst, e);
            ck_assert_msg(e <= 1e-6, "row %zu bin %d: %.9g vs reference %.9g", k, i, out[k * NB + i], ro[i]);
        }
    }
    /* the profile set exercises both Moody branches */
    ck_assert_int_gt(moody_rows, 20);
    ck_assert_int_lt(moody_rows, (int)n - 20);
    ck_assert_int_lt(ambiguous, 10);
    fprintf(stderr, "preprocess vs scipy: %zu rows, %d with Moody passes (%d capped), %d ambiguous, max |diff| %.3g (savgol %.3g)\n",
            n, moody_rows, capped, ambiguous, worst, worst_s);
    free(p); free(out); free(out1); free(fl); free(R); free(in); free(ref);
}
END_TEST

CSRO_TEST_MAIN("preprocess", 60, test_savgol_polynomial, test_moody_hand, test_savgol_exact,
               test_minmax, test_options, test_against_scipy)
