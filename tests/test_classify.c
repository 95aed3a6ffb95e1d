/* test_classify.c: the classify stage (csro/classify.h). Golden values are
 * an independent double-precision forward pass of a one-member dense
 * softmax network written out here (min-max by hand), never the stage's
 * own output; the policy (preprocessing rules, the measured-data rule,
 * the contract and pair checks, no-data rows, output metadata, streaming
 * identical to rows, default models) is checked case by case. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB 93
#define NC 2

/* Dense weights w[j][c] (Keras layout: inputs x units) and biases. */
static double wv(size_t j, size_t c) { return sin(0.37 * (double)j + 1.3 * (double)c) * 0.8; }
static double bv(size_t c) { return c ? -0.4 : 0.25; }

/* Metadata with the default 93 bins, a pair (a NULL: none) and a state. */
static csro_zsdm_meta *sdm_meta(int kind, int state, const char *pa, const char *pb)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(kind);
    csro_sdm_opts *so = csro_sdm_opts_new();
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, so), 0);
    csro_sdm_opts_free(so);
    if (pa) ck_assert_int_eq(csro_zsdm_meta_set_pair(m, pa, pb), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, state), 0);
    return m;
}

static csro_ensemble *mk_model(const char *pa, const char *pb, int state, const char *measured)
{
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, NB, 1), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, NC), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    float *w, *b;
    size_t nw, nb;
    ck_assert_int_eq(csro_net_layer_params(n, 1, &w, &nw, &b, &nb), 0);
    ck_assert_uint_eq(nw, NB * NC);
    for (size_t j = 0; j < NB; j++)
        for (size_t c = 0; c < NC; c++) w[j * NC + c] = (float)wv(j, c);
    for (size_t c = 0; c < NC; c++) b[c] = (float)bv(c);
    csro_ensemble *e;
    ck_assert_int_eq(csro_ensemble_new(&e, NC), 0);
    ck_assert_int_eq(csro_ensemble_add(e, n), 0);
    csro_net_free(n);
    ck_assert_int_eq(csro_ensemble_set_class(e, 0, "FCC"), 0);
    ck_assert_int_eq(csro_ensemble_set_class(e, 1, "CSRO"), 0);
    csro_zsdm_meta *ct = sdm_meta(CSRO_ZSDM_BANK, state, pa, pb);
    if (measured) ck_assert_int_eq(csro_zsdm_meta_set_text(ct, "measured_preprocess", measured), 0);
    ck_assert_int_eq(csro_ensemble_set_contract(e, ct), 0);
    csro_zsdm_meta_free(ct);
    ck_assert_int_eq(csro_ensemble_set_text(e, "map.threshold", "1.25"), 0);
    ck_assert_int_eq(csro_ensemble_set_text(e, "map.mode", "sum"), 0);
    ck_assert_int_eq(csro_ensemble_set_text(e, "source", "test"), 0);
    return e;
}

static csro_zsdm_meta *mk_input(int kind, int state, const char *pa)
{
    csro_zsdm_meta *m = sdm_meta(kind, state, pa, pa);
    if (kind == CSRO_ZSDM_VOXELS) {
        double lo[3] = { 0, 0, 0 }, hi[3] = { 6, 6, 6 };
        csro_grid *g;
        ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE), 0);
        ck_assert_int_eq(csro_zsdm_meta_set_grid(m, g), 0);
        csro_grid_free(g);
    }
    ck_assert_int_eq(csro_zsdm_meta_set_text(m, "source", "test_classify"), 0);
    return m;
}

/* Raw pair-count-like rows; row 2 flat (no data after min-max). */
static void mk_rows(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < NB; j++)
            x[i * NB + j] = (float)((i * 31 + j * j * 7 + (j % 5) * i) % 23 + (j > 40 && j < 50 ? 3 * (i % 4) : 0));
    if (n > 2)
        for (size_t j = 0; j < NB; j++) x[2 * NB + j] = 4.0f;
}

/* Independent forward pass in double of one min-max normalised row. */
static void golden(const float *raw, double p[NC])
{
    double lo = raw[0], hi = raw[0], z[NC];
    for (size_t j = 0; j < NB; j++) { lo = fmin(lo, raw[j]); hi = fmax(hi, raw[j]); }
    for (size_t c = 0; c < NC; c++) {
        z[c] = bv(c);
        for (size_t j = 0; j < NB; j++) z[c] += (double)(float)wv(j, c) * ((raw[j] - lo) / (hi - lo));
    }
    double m = fmax(z[0], z[1]), s = 0;
    for (size_t c = 0; c < NC; c++) s += exp(z[c] - m);
    for (size_t c = 0; c < NC; c++) p[c] = exp(z[c] - m) / s;
}

START_TEST(minmax_rows_against_numpy_like_reference)
{
    csro_ensemble *e = mk_model("Ni", "Ni", CSRO_PRE_MINMAX, NULL);
    csro_zsdm_meta *in = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_RAW, "Ni");
    csro_classify_opts *o = csro_classify_opts_new();
    ck_assert_int_eq(csro_classify_opts_set_model_name(o, "tiny.csronet"), 0);
    ck_assert_int_eq(csro_classify_opts_set_batch(o, 4), 0); /* several batches */
    csro_classifier *c;
    ck_assert_int_eq(csro_classify_new(&c, e, in, o), 0);
    ck_assert_int_eq(csro_classify_input_state(c), CSRO_PRE_RAW);
    ck_assert_int_eq(csro_classify_state(c), CSRO_PRE_MINMAX);
    ck_assert_ptr_nonnull(strstr(csro_classify_note(c), "minmax preprocessing applied to raw profiles"));
    enum { N = 11 };
    float x[N * NB], raw[N * NB], mean[N * NC], sd[N * NC];
    uint32_t fl[N] = { 0 };
    uint64_t idx[N];
    mk_rows(raw, N);
    memcpy(x, raw, sizeof x);
    for (size_t i = 0; i < N; i++) idx[i] = 100 + i;
    fl[7] = CSRO_ROW_NODATA; /* flagged in the input: never fed, keeps the flag */
    x[7 * NB + 3] = NAN;     /* ... so its values do not matter */
    ck_assert_int_eq(csro_classify_rows(c, N, x, idx, fl, mean, sd), 0);
    ck_assert_uint_eq(csro_classify_nrows(c), N);
    ck_assert_uint_eq(csro_classify_nnodata(c), 2);
    for (size_t i = 0; i < N; i++) {
        if (i == 2 || i == 7) {
            ck_assert_uint_eq(fl[i], CSRO_ROW_NODATA);
            for (size_t k = 0; k < NC; k++) ck_assert(mean[i * NC + k] == 0 && sd[i * NC + k] == 0);
            continue;
        }
        ck_assert_uint_eq(fl[i], 0);
        double p[NC];
        golden(raw + i * NB, p);
        for (size_t k = 0; k < NC; k++) {
            ck_assert_double_eq_tol(mean[i * NC + k], p[k], 2e-6);
            ck_assert(sd[i * NC + k] == 0); /* one member */
        }
    }
    /* the output metadata: the input's, with classes, state and texts */
    const csro_zsdm_meta *om = csro_classify_output_meta(c);
    ck_assert_uint_eq(csro_zsdm_meta_nclasses(om), 2);
    ck_assert_str_eq(csro_zsdm_meta_class(om, 1), "CSRO");
    ck_assert_ptr_nonnull(csro_zsdm_meta_grid(om));
    ck_assert_int_eq(csro_zsdm_meta_preprocess(om), CSRO_PRE_MINMAX);
    ck_assert_str_eq(csro_zsdm_meta_text(om, "source"), "test_classify");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "classify_model"), "tiny.csronet");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "classify_preprocess"), "minmax");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "classify_preprocess_from"), "raw");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "classify_preprocess_rule"), "model");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "map.threshold"), "1.25");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "map.mode"), "sum");
    /* a non-finite value in a row with data is an error naming the row */
    mk_rows(x, N);
    x[5 * NB + 9] = INFINITY;
    memset(fl, 0, sizeof fl);
    ck_assert_int_eq(csro_classify_rows(c, N, x, idx, fl, mean, sd), CSRO_EFORMAT);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "(index 105): non-finite value in bin 9"));
    csro_classify_free(c);
    csro_classify_opts_free(o);
    csro_zsdm_meta_free(in);
    csro_ensemble_free(e);
}
END_TEST

/* State fed to the model for (kind, input state, request) with a min-max
 * model marked measured_preprocess=experimental; -1 = refused. */
static int planned(const csro_ensemble *e, int kind, int have, int asked, int *rule_measured)
{
    csro_zsdm_meta *in = mk_input(kind, have, "Ni");
    csro_classify_opts *o = csro_classify_opts_new();
    ck_assert_int_eq(csro_classify_opts_set_preprocess(o, asked), 0);
    csro_classifier *c;
    int rc = csro_classify_new(&c, e, in, o), s = -1;
    if (!rc) {
        s = csro_classify_state(c);
        const char *r = csro_zsdm_meta_text(csro_classify_output_meta(c), "classify_preprocess_rule");
        if (rule_measured) *rule_measured = !strcmp(r, "measured");
        csro_classify_free(c);
    } else {
        ck_assert_int_eq(rc, CSRO_EMISMATCH);
    }
    csro_classify_opts_free(o);
    csro_zsdm_meta_free(in);
    return s;
}

START_TEST(measured_data_rule)
{
    enum { V = CSRO_ZSDM_VOXELS, K = CSRO_ZSDM_BANK, A = CSRO_CLASSIFY_AUTO, R = CSRO_PRE_RAW,
           M = CSRO_PRE_MINMAX, X = CSRO_PRE_EXPERIMENTAL };
    csro_ensemble *e = mk_model("Ni", "Ni", M, "experimental");
    int meas = 0;
    /* measured (voxel) profiles, raw or min-max: experimental by default */
    ck_assert_int_eq(planned(e, V, R, A, &meas), X);
    ck_assert(meas);
    ck_assert_int_eq(planned(e, V, M, A, &meas), X);
    ck_assert(meas);
    /* a labelled bank is not measured: the model's state */
    ck_assert_int_eq(planned(e, K, R, A, &meas), M);
    ck_assert(!meas);
    /* min-max only on request; raw cannot feed a min-max model */
    ck_assert_int_eq(planned(e, V, R, M, NULL), M);
    ck_assert_int_eq(planned(e, V, R, R, NULL), -1);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "does not give the minmax input"));
    /* experimental input stays so; it cannot go back to min-max */
    ck_assert_int_eq(planned(e, V, X, A, NULL), X);
    ck_assert_int_eq(planned(e, V, X, M, NULL), -1);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "profiles are experimental-preprocessed"));
    csro_ensemble_free(e);
    /* without the mark: the model's state for every kind */
    e = mk_model("Ni", "Ni", M, NULL);
    ck_assert_int_eq(planned(e, V, R, A, NULL), M);
    ck_assert_int_eq(planned(e, V, R, X, NULL), X);
    csro_ensemble_free(e);
    /* measured_preprocess=minmax (or anything that is not a state) asks nothing */
    e = mk_model("Ni", "Ni", M, "minmax");
    ck_assert_int_eq(planned(e, V, R, A, NULL), M);
    csro_ensemble_free(e);
    /* a model imported from the reference (source=keras-hdf5) asks for it
     * without the key; the key minmax opts out */
    e = mk_model("Ni", "Ni", M, NULL);
    ck_assert_int_eq(csro_ensemble_set_text(e, "source", "keras-hdf5"), 0);
    ck_assert_int_eq(planned(e, V, R, A, &meas), X);
    ck_assert(meas);
    ck_assert_int_eq(planned(e, K, R, A, NULL), M);
    csro_ensemble_free(e);
    e = mk_model("Ni", "Ni", M, "minmax");
    ck_assert_int_eq(csro_ensemble_set_text(e, "source", "keras-hdf5"), 0);
    ck_assert_int_eq(planned(e, V, R, A, NULL), M);
    csro_ensemble_free(e);
    /* a raw model takes raw only */
    e = mk_model("Ni", "Ni", R, "experimental");
    ck_assert_int_eq(planned(e, V, R, A, NULL), R);
    ck_assert_int_eq(planned(e, V, M, A, NULL), -1);
    csro_ensemble_free(e);
}
END_TEST

/* Experimental preprocessing in the stage: the same as
 * csro_preprocess_experimental (checked against SciPy in test_preprocess)
 * then the forward pass; min-max and raw input give identical bits. */
START_TEST(experimental_path)
{
    csro_ensemble *e = mk_model("Ni", "Ni", CSRO_PRE_MINMAX, "experimental");
    enum { N = 9 };
    float raw[N * NB], x[N * NB], mm[N * NB], pre[N * NB], m1[N * NC], m2[N * NC], ref[N * NC];
    uint32_t f1[N] = { 0 }, f2[N] = { 0 };
    mk_rows(raw, N);
    int nd[N];
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(csro_preprocess_experimental(raw + i * NB, pre + i * NB, NB, &nd[i]), 0);
        ck_assert_int_eq(csro_preprocess_minmax(raw + i * NB, mm + i * NB, NB, NULL), 0);
    }
    ck_assert_int_eq(csro_net_forward(csro_ensemble_member(e, 0), N, pre, ref), 0);
    csro_zsdm_meta *in = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_RAW, "Ni");
    csro_classifier *c;
    ck_assert_int_eq(csro_classify_new(&c, e, in, NULL), 0);
    memcpy(x, raw, sizeof x);
    ck_assert_int_eq(csro_classify_rows(c, N, x, NULL, f1, m1, NULL), 0);
    csro_classify_free(c);
    csro_zsdm_meta_free(in);
    in = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_MINMAX, "Ni");
    ck_assert_int_eq(csro_classify_new(&c, e, in, NULL), 0);
    ck_assert_int_eq(csro_classify_rows(c, N, mm, NULL, f2, m2, NULL), 0);
    csro_classify_free(c);
    csro_zsdm_meta_free(in);
    /* min-max input was rounded to float before the experimental pipeline
     * (which normalises raw input in double): equal to float rounding */
    for (size_t i = 0; i < N * NC; i++) ck_assert_double_eq_tol(m1[i], m2[i], 2e-6);
    ck_assert_mem_eq(f1, f2, sizeof f1);
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_eq(f1[i], nd[i] ? CSRO_ROW_NODATA : 0);
        if (!nd[i])
            for (size_t k = 0; k < NC; k++) ck_assert_double_eq_tol(m1[i * NC + k], ref[i * NC + k], 1e-6);
    }
    csro_ensemble_free(e);
}
END_TEST

START_TEST(contract_and_pair)
{
    csro_zsdm_meta *ni = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_RAW, "Ni");
    csro_classifier *c;
    /* another pair: refused naming both */
    csro_ensemble *e = mk_model("Co", "Co", CSRO_PRE_MINMAX, NULL);
    ck_assert_int_eq(csro_classify_new(&c, e, ni, NULL), CSRO_EMISMATCH);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "Ni-Ni, the model expects Co-Co"));
    csro_ensemble_free(e);
    /* a model naming no pair never classifies a named pair in silence */
    e = mk_model(NULL, NULL, CSRO_PRE_MINMAX, NULL);
    ck_assert_int_eq(csro_classify_new(&c, e, ni, NULL), CSRO_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "names no species pair"));
    csro_zsdm_meta *nopair = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_RAW, NULL);
    ck_assert_int_eq(csro_classify_new(&c, e, nopair, NULL), 0);
    csro_classify_free(c);
    csro_zsdm_meta_free(nopair);
    csro_ensemble_free(e);
    /* other bins */
    e = mk_model("Ni", "Ni", CSRO_PRE_MINMAX, NULL);
    csro_zsdm_meta *wide = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS);
    csro_sdm_opts *so = csro_sdm_opts_new();
    ck_assert_int_eq(csro_sdm_opts_set_crop(so, -0.3, 0.3), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(wide, so), 0);
    csro_sdm_opts_free(so);
    ck_assert_int_eq(csro_zsdm_meta_set_pair(wide, "Ni", "Ni"), 0);
    ck_assert_int_eq(csro_classify_new(&c, e, wide, NULL), CSRO_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "bins"));
    csro_zsdm_meta_free(wide);
    /* a labelled bank's classes are replaced by the model's */
    csro_zsdm_meta *bank = mk_input(CSRO_ZSDM_BANK, CSRO_PRE_RAW, "Ni");
    ck_assert_int_eq(csro_zsdm_meta_add_class(bank, "X"), 0);
    ck_assert_int_eq(csro_classify_new(&c, e, bank, NULL), 0);
    const csro_zsdm_meta *om = csro_classify_output_meta(c);
    ck_assert_uint_eq(csro_zsdm_meta_nclasses(om), 2);
    ck_assert_str_eq(csro_zsdm_meta_class(om, 0), "FCC");
    ck_assert_str_eq(csro_zsdm_meta_text(om, "source"), "test_classify");
    ck_assert_ptr_null(csro_zsdm_meta_text(om, "classify_model")); /* unnamed */
    csro_classify_free(c);
    csro_zsdm_meta_free(bank);
    csro_ensemble_free(e);
    /* no contract: refused */
    ck_assert_int_eq(csro_ensemble_new(&e, 2), 0);
    ck_assert_int_eq(csro_classify_new(&c, e, ni, NULL), CSRO_EINVAL);
    csro_ensemble_free(e);
    csro_zsdm_meta_free(ni);
    /* options */
    csro_classify_opts *o = csro_classify_opts_new();
    ck_assert_int_eq(csro_classify_opts_set_batch(o, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_classify_opts_set_threads(o, -1), CSRO_EINVAL);
    ck_assert_int_eq(csro_classify_opts_set_preprocess(o, 7), CSRO_EINVAL);
    csro_classify_opts_free(o);
    ck_assert_str_eq(csro_preprocess_state_name(CSRO_PRE_EXPERIMENTAL), "experimental");
    ck_assert_str_eq(csro_preprocess_state_name(9), "unknown");
    ck_assert_int_eq(csro_preprocess_state_parse("minmax"), CSRO_PRE_MINMAX);
    ck_assert_int_eq(csro_preprocess_state_parse("min-max"), CSRO_EINVAL);
}
END_TEST

/* The stream (reader -> writer) gives exactly the rows of csro_classify_rows
 * with the same batch size, for any thread count. */
START_TEST(stream_equals_rows)
{
    enum { N = 300 };
    csro_ensemble *e = mk_model("Ni", "Ni", CSRO_PRE_MINMAX, "experimental");
    csro_zsdm_meta *in = mk_input(CSRO_ZSDM_VOXELS, CSRO_PRE_RAW, "Ni");
    float *x = malloc(N * NB * sizeof *x), *m = malloc(N * NC * sizeof *m), *s = malloc(N * NC * sizeof *s);
    float *m2 = malloc(N * NC * sizeof *m2), *s2 = malloc(N * NC * sizeof *s2);
    uint32_t fl[N] = { 0 }, f2[N];
    uint64_t idx[N], i2[N];
    mk_rows(x, N);
    for (size_t i = 0; i < N; i++) idx[i] = 3 * i;
    fl[17] = CSRO_ROW_NODATA;
    char *zp = tu_tmp("s.zsdm"), *pp = tu_tmp("s.prob");
    csro_zsdm_writer *zw;
    ck_assert_int_eq(csro_zsdm_writer_open(&zw, zp, in), 0);
    int wrc = csro_zsdm_writer_write(zw, N, x, idx, NULL, fl, NULL);
    ck_assert_msg(wrc == 0, "%s", csro_last_error());
    ck_assert_int_eq(csro_zsdm_writer_close(zw), 0);
    csro_classify_opts *o = csro_classify_opts_new();
    ck_assert_int_eq(csro_classify_opts_set_batch(o, 64), 0);
    ck_assert_int_eq(csro_classify_opts_set_threads(o, 2), 0);
    csro_zsdm_reader *r;
    ck_assert_int_eq(csro_zsdm_reader_open(&r, zp), 0);
    csro_classifier *c;
    ck_assert_int_eq(csro_classify_new(&c, e, csro_zsdm_reader_meta(r), o), 0);
    csro_prob_writer *w;
    ck_assert_int_eq(csro_prob_writer_open(&w, pp, csro_classify_output_meta(c)), 0);
    ck_assert_int_eq(csro_classify_stream(c, r, w, NULL, NULL), 0);
    ck_assert_int_eq(csro_prob_writer_close(w), 0);
    csro_zsdm_reader_close(r);
    ck_assert_uint_eq(csro_classify_nrows(c), N);
    csro_classify_free(c);
    /* rows in one call, one thread, same batch size */
    ck_assert_int_eq(csro_classify_opts_set_threads(o, 1), 0);
    ck_assert_int_eq(csro_classify_new(&c, e, in, o), 0);
    ck_assert_int_eq(csro_classify_rows(c, N, x, idx, fl, m, s), 0);
    csro_classify_free(c);
    csro_prob_reader *pr;
    size_t got;
    ck_assert_int_eq(csro_prob_reader_open(&pr, pp), 0);
    ck_assert_str_eq(csro_zsdm_meta_text(csro_prob_reader_meta(pr), "classify_preprocess"), "experimental");
    ck_assert_int_eq(csro_prob_reader_read(pr, N, i2, f2, m2, s2, &got), 0);
    ck_assert_uint_eq(got, N);
    csro_prob_reader_close(pr);
    ck_assert_mem_eq(i2, idx, sizeof idx);
    ck_assert_mem_eq(f2, fl, sizeof fl);
    ck_assert_mem_eq(m2, m, N * NC * sizeof *m);
    ck_assert_mem_eq(s2, s, N * NC * sizeof *s);
    csro_classify_opts_free(o);
    csro_zsdm_meta_free(in);
    csro_ensemble_free(e);
    free(x); free(m); free(s); free(m2); free(s2); free(zp); free(pp);
}
END_TEST

START_TEST(default_model)
{
    char buf[512], *dir = tu_tmp("models"), *f;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(csro_classify_default_model(buf, sizeof buf, "Co", "Co", dir), CSRO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "no default model for the pair Co-Co"));
    ck_assert_str_eq(buf, "");
    snprintf(cmd, sizeof cmd, "%s/Co-Co.csronet", dir);
    f = cmd;
    ck_assert_int_eq(tu_write(f, "x", 1), 0);
    ck_assert_int_eq(csro_classify_default_model(buf, sizeof buf, "Co", "Co", dir), 0);
    ck_assert_str_eq(buf, f);
    ck_assert_int_eq(csro_classify_default_model(buf, 8, "Co", "Co", dir), CSRO_EINVAL);
    setenv("CSRO_MODEL_DIR", dir, 1);
    ck_assert_int_eq(csro_classify_default_model(buf, sizeof buf, "Co", "Co", NULL), 0);
    ck_assert_str_eq(buf, f);
    ck_assert_int_eq(csro_classify_default_model(buf, sizeof buf, "Ni", "Ni", NULL), CSRO_ENOTFOUND);
    unsetenv("CSRO_MODEL_DIR");
    free(dir);
}
END_TEST

CSRO_TEST_MAIN("classify", 30, minmax_rows_against_numpy_like_reference, measured_data_rule,
               experimental_path, contract_and_pair, stream_equals_rows, default_model)
