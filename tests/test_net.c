/* test_net.c: layers forward against hand-computed tiny cases, backward
 * against central finite differences (every layer type), initialisation,
 * ensembles (prediction, mean/std), .csronet round trip and corruption. */
#include "testutil.h"
#include <sys/resource.h>
#include <unistd.h>
#include "csro.h"
#include "net/net_impl.h"
#include <math.h>
#include <stdlib.h>

#define NEAR(a, b, tol) ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), \
    "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

static void setw(csro_net *n, size_t layer, const float *w, const float *b)
{
    float *pw, *pb;
    size_t nw, nb;
    ck_assert_int_eq(csro_net_layer_params(n, layer, &pw, &nw, &pb, &nb), 0);
    memcpy(pw, w, nw * sizeof *pw);
    memcpy(pb, b, nb * sizeof *pb);
}

START_TEST(test_conv_valid_by_hand)
{
    /* x = 1..5; filter 0 = [1, 0, -1] -> x[l] - x[l+2] = -2;
     * filter 1 = [.5, .5, .5] + 1 -> (x[l]+x[l+1]+x[l+2])/2 + 1 = 4, 5.5, 7.
     * Keras kernel layout [k][cin][filters]. */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 5, 1), 0);
    ck_assert_int_eq(csro_net_add_conv1d(n, 2, 3, CSRO_PAD_VALID), 0);
    size_t l, c;
    csro_net_layer_shape(n, 0, &l, &c);
    ck_assert_uint_eq(l, 3);
    ck_assert_uint_eq(c, 2);
    ck_assert_uint_eq(csro_net_nparams(n), 3 * 2 + 2);
    float w[6] = { 1, .5f, 0, .5f, -1, .5f }, b[2] = { 0, 1 };
    setw(n, 0, w, b);
    float x[10] = { 1, 2, 3, 4, 5, 2, 2, 2, 2, 2 }, y[12];
    ck_assert_int_eq(csro_net_forward(n, 2, x, y), 0);
    float want[12] = { -2, 4, -2, 5.5f, -2, 7, 0, 4, 0, 4, 0, 4 };
    for (int i = 0; i < 12; i++) NEAR(y[i], want[i], 1e-6);
    csro_net_free(n);
}
END_TEST

START_TEST(test_conv_same_even_kernel)
{
    /* Keras 'same' with k = 4: pad_left = 1, pad_right = 2.
     * [1,0,0,0] -> x[l-1] = 0,1,2,3,4; [0,0,0,1] -> x[l+2] = 3,4,5,0,0. */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 5, 1), 0);
    ck_assert_int_eq(csro_net_add_conv1d(n, 2, 4, CSRO_PAD_SAME), 0);
    size_t l, c;
    csro_net_layer_shape(n, 0, &l, &c);
    ck_assert_uint_eq(l, 5);
    float w[8] = { 1, 0, 0, 0, 0, 0, 0, 1 }, b[2] = { 0, 0 };
    setw(n, 0, w, b);
    float x[5] = { 1, 2, 3, 4, 5 }, y[10];
    ck_assert_int_eq(csro_net_forward(n, 1, x, y), 0);
    float want[10] = { 0, 3, 1, 4, 2, 5, 3, 0, 4, 0 };
    for (int i = 0; i < 10; i++) NEAR(y[i], want[i], 1e-6);
    csro_net_free(n);
}
END_TEST

START_TEST(test_conv_channels_layout)
{
    /* input [3][2]; kernel 2, 1 filter: W[1][0][0] = 1, W[0][1][0] = 10:
     * y[l] = x[l+1][0] + 10 x[l][1] */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 3, 2), 0);
    ck_assert_int_eq(csro_net_add_conv1d(n, 1, 2, CSRO_PAD_VALID), 0);
    float w[4] = { 0, 10, 1, 0 }, b[1] = { 0.5f };
    setw(n, 0, w, b);
    float x[6] = { 1, 2, 3, 4, 5, 6 }, y[2];
    ck_assert_int_eq(csro_net_forward(n, 1, x, y), 0);
    NEAR(y[0], 3 + 20 + 0.5, 1e-5);
    NEAR(y[1], 5 + 40 + 0.5, 1e-5);
    csro_net_free(n);
}
END_TEST

START_TEST(test_pool_dense_softmax_by_hand)
{
    /* [5][1] = 1,3,2,0,7 -> maxpool 2 (valid) -> 3,2 -> relu -> flatten ->
     * dense 2: W = [[1,0],[0,-1]], b = [0, ln3 + 2] -> [3, ln3] -> minus
     * nothing; softmax of (3, ln3) = (e^3, 3)/(e^3 + 3). */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 5, 1), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d(n, 2), 0);
    ck_assert_int_eq(csro_net_add_relu(n), 0);
    ck_assert_int_eq(csro_net_add_dropout(n, 0.5), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    ck_assert_uint_eq(csro_net_nlayers(n), 6);
    ck_assert_int_eq(csro_net_layer_type(n, 4), CSRO_LAYER_DENSE);
    size_t l, c;
    csro_net_layer_shape(n, 3, &l, &c);
    ck_assert_uint_eq(l, 1);
    ck_assert_uint_eq(c, 2);
    float w[4] = { 1, 0, 0, -1 }, b[2] = { 0, (float)(log(3.0) + 2) };
    setw(n, 4, w, b);
    float x[5] = { 1, 3, 2, 0, 7 }, y[2];
    ck_assert_int_eq(csro_net_forward(n, 1, x, y), 0);
    double e3 = exp(3.0);
    NEAR(y[0], e3 / (e3 + 3), 1e-6);
    NEAR(y[1], 3 / (e3 + 3), 1e-6);
    float *pw;
    size_t nw;
    ck_assert_int_eq(csro_net_layer_params(n, 1, &pw, &nw, NULL, NULL), 0);
    ck_assert_ptr_null(pw);
    ck_assert_uint_eq(nw, 0);
    ck_assert_int_eq(csro_net_layer_params(n, 9, &pw, &nw, NULL, NULL), CSRO_EINVAL);
    csro_net_free(n);
}
END_TEST

START_TEST(test_default_shapes_and_errors)
{
    csro_net *n;
    ck_assert_int_eq(csro_net_new_default(&n, 93, 2), 0);
    ck_assert_uint_eq(csro_net_nlayers(n), 9);
    size_t l, c;
    csro_net_layer_shape(n, 3, &l, &c); /* maxpool */
    ck_assert_uint_eq(l, 42);
    ck_assert_uint_eq(c, 16);
    csro_net_layer_shape(n, 4, &l, &c); /* flatten */
    ck_assert_uint_eq(l * c, 672);
    /* 10*1*16+16 + 672*256+256 + 256*2+2 */
    ck_assert_uint_eq(csro_net_nparams(n), 176 + 172288 + 514);
    ck_assert_uint_eq(csro_net_input_size(n), 93);
    ck_assert_uint_eq(csro_net_output_size(n), 2);
    ck_assert_int_eq(csro_net_add_conv1d(n, 0, 3, CSRO_PAD_VALID), CSRO_EINVAL);
    ck_assert_int_eq(csro_net_add_dropout(n, 1.0), CSRO_EINVAL);
    ck_assert_int_eq(csro_net_add_maxpool1d(n, 5), CSRO_EINVAL);
    csro_net_free(n);
    ck_assert_int_eq(csro_net_new(&n, 0, 1), CSRO_EINVAL);
    ck_assert_ptr_null(n);
    ck_assert_int_eq(csro_net_new(&n, 5, 1), 0);
    ck_assert_int_eq(csro_net_add_conv1d(n, 2, 6, CSRO_PAD_VALID), CSRO_EINVAL);
    float x = 0, y = 0;
    ck_assert_int_eq(csro_net_forward(n, 1, &x, &y), CSRO_EINVAL); /* no layers */
    csro_net_free(n);
    csro_net_free(NULL);
}
END_TEST

START_TEST(test_glorot_init)
{
    /* Keras glorot_uniform: U(-lim, lim), lim = sqrt(6 / (fan_in + fan_out));
     * conv fans include the kernel: fan_in = k*cin, fan_out = k*filters. */
    csro_net *n;
    ck_assert_int_eq(csro_net_new_default(&n, 93, 2), 0);
    ck_assert_int_eq(csro_net_init(n, 7), 0);
    float *w, *b;
    size_t nw, nb;
    ck_assert_int_eq(csro_net_layer_params(n, 5, &w, &nw, &b, &nb), 0);
    double lim = sqrt(6.0 / (672 + 256)), s = 0, s2 = 0, mx = 0;
    for (size_t i = 0; i < nw; i++) { s += w[i]; s2 += (double)w[i] * w[i]; if (fabs(w[i]) > mx) mx = fabs(w[i]); }
    ck_assert(mx <= lim && mx > 0.99 * lim);
    NEAR(s / nw, 0, 0.01 * lim);
    NEAR(s2 / nw, lim * lim / 3, 0.01 * lim * lim);  /* variance of U(-a, a) = a^2/3 */
    for (size_t i = 0; i < nb; i++) ck_assert(b[i] == 0.0f);
    ck_assert_int_eq(csro_net_layer_params(n, 0, &w, &nw, &b, &nb), 0);
    lim = sqrt(6.0 / (10 + 160));
    mx = 0;
    for (size_t i = 0; i < nw; i++) if (fabs(w[i]) > mx) mx = fabs(w[i]);
    ck_assert(mx <= lim && mx > 0.8 * lim);
    /* same seed, same bits; other seed, other bits */
    csro_net *m = csro_net_clone(n), *o = csro_net_clone(n);
    ck_assert_int_eq(csro_net_init(m, 7), 0);
    ck_assert_int_eq(csro_net_init(o, 8), 0);
    ck_assert(memcmp(csro_net_params(n), csro_net_params(m), csro_net_nparams(n) * 4) == 0);
    ck_assert(memcmp(csro_net_params(n), csro_net_params(o), csro_net_nparams(n) * 4) != 0);
    csro_net_free(n); csro_net_free(m); csro_net_free(o);
}
END_TEST

/* ---- finite-difference gradient checks ---- */
static double loss_of(const csro_net *n, cs_ws *w, size_t B, const float *x, const float *r, int train)
{
    const float *y = cs_net_fwd(n, w, B, x, train, 99, 3);
    size_t m = B * csro_net_output_size(n);
    double s = 0;
    for (size_t i = 0; i < m; i++) s += (double)r[i] * y[i];
    return s;
}

/* loss = sum r .* out; compare analytic d/dparams and d/dinput with central
 * differences; returns the number of mismatches (tolerance atol + rtol). */
static size_t gradcheck(csro_net *n, size_t B, int train, float xmin_abs, double eps, size_t *nchecked)
/* (mismatches are printed only when none are tolerated: nchecked NULL) */
{
    size_t isz = csro_net_input_size(n), osz = csro_net_output_size(n), np = csro_net_nparams(n);
    cs_rng rng;
    cs_rng_init(&rng, 1234, 0);
    csro_net_init(n, 5);
    float *p = csro_net_params(n);
    for (size_t i = 0; i < np; i++) p[i] += (float)(0.1 * cs_rng_normal(&rng)); /* non-zero biases */
    float *x = malloc(B * isz * sizeof *x), *r = malloc(B * osz * sizeof *r), *g = calloc(np + 1, sizeof *g);
    float *dx = malloc(B * isz * sizeof *dx);
    for (size_t i = 0; i < B * isz; i++) {
        double v = cs_rng_normal(&rng);
        if (fabs(v) < xmin_abs) v = v < 0 ? -xmin_abs - fabs(v) : xmin_abs + v;
        x[i] = (float)v;
    }
    for (size_t i = 0; i < B * osz; i++) r[i] = (float)cs_rng_normal(&rng);
    cs_ws *w = cs_ws_new(n, B, 1);
    ck_assert_ptr_nonnull(w);
    cs_net_fwd(n, w, B, x, train, 99, 3);
    cs_net_bwd(n, w, B, n->nlayers, r, g, 1);
    memcpy(dx, w->grad[0], B * isz * sizeof *dx);
    size_t bad = 0, checked = 0;
    /* big nets: every stride-th parameter (always all inputs) */
    size_t stride = np > 2000 ? np / 2000 : 1;
    for (size_t k = 0; k < np + B * isz; k = k < np && k + stride < np ? k + stride : k + 1 > np ? k + 1 : np) {
        float *v = k < np ? &p[k] : &x[k - np];
        double a = k < np ? g[k] : dx[k - np];
        float save = *v;
        *v = (float)(save + eps);
        double lp = loss_of(n, w, B, x, r, train);
        *v = (float)(save - eps);
        double lm = loss_of(n, w, B, x, r, train);
        *v = save;
        double num = (lp - lm) / (2 * eps);
        checked++;
        if (fabs(a - num) > 3e-3 + 1e-2 * fmax(fabs(a), fabs(num))) {
            if (bad < 5 && !nchecked) fprintf(stderr, "gradcheck: %s %zu analytic %.6g numeric %.6g\n",
                                 k < np ? "param" : "input", k < np ? k : k - np, a, num);
            bad++;
        }
    }
    cs_ws_free(w);
    free(x); free(r); free(g); free(dx);
    if (nchecked) *nchecked = checked;
    return bad;
}

static csro_net *mk(size_t len, size_t ch)
{
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, len, ch), 0);
    return n;
}

START_TEST(test_maxpool_same_by_hand)
{
    /* Keras MaxPooling1D(2, padding='same') on 5 samples: 3 windows
     * [0,2) [2,4) [4,5): 1,3,2,0,7 -> 3, 2, 7. Pool 3 on 4 samples: total
     * padding 2, left 1: windows {x0,x1} {x2,x3}: 1,5,7,0 -> 5, 7. */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 5, 1), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d_padded(n, 2, CSRO_PAD_SAME), 0);
    size_t l, c;
    csro_net_layer_shape(n, 0, &l, &c);
    ck_assert_uint_eq(l, 3);
    float x[5] = { 1, 3, 2, 0, 7 }, y[3];
    ck_assert_int_eq(csro_net_forward(n, 1, x, y), 0);
    NEAR(y[0], 3, 0); NEAR(y[1], 2, 0); NEAR(y[2], 7, 0);
    csro_net_free(n);
    ck_assert_int_eq(csro_net_new(&n, 4, 1), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d_padded(n, 3, CSRO_PAD_SAME), 0);
    float x2[4] = { 1, 5, 7, 0 }, y2[2];
    ck_assert_int_eq(csro_net_forward(n, 1, x2, y2), 0);
    NEAR(y2[0], 5, 0); NEAR(y2[1], 7, 0);
    ck_assert_int_eq(csro_net_add_maxpool1d_padded(n, 2, 5), CSRO_EINVAL);
    csro_net_free(n);
    /* gradient through the clipped windows */
    n = mk(11, 2);
    ck_assert_int_eq(csro_net_add_maxpool1d_padded(n, 4, CSRO_PAD_SAME), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 3), 0);
    ck_assert_uint_eq(gradcheck(n, 2, 1, 0, 1e-3, NULL), 0);
    csro_net_free(n);
}
END_TEST

START_TEST(test_grad_conv_valid)
{
    csro_net *n = mk(12, 2);
    ck_assert_int_eq(csro_net_add_conv1d(n, 3, 4, CSRO_PAD_VALID), 0);
    ck_assert_uint_eq(gradcheck(n, 3, 1, 0, 1e-2, NULL), 0);
    csro_net_free(n);
}
END_TEST

START_TEST(test_grad_conv_same)
{
    for (size_t k = 3; k <= 4; k++) {
        csro_net *n = mk(9, 2);
        ck_assert_int_eq(csro_net_add_conv1d(n, 3, k, CSRO_PAD_SAME), 0);
        ck_assert_uint_eq(gradcheck(n, 2, 1, 0, 1e-2, NULL), 0);
        csro_net_free(n);
    }
}
END_TEST

START_TEST(test_grad_relu_pool_flatten)
{
    csro_net *n = mk(11, 2);   /* pool 3: 3 windows, the tail sample is dropped */
    ck_assert_int_eq(csro_net_add_relu(n), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d(n, 3), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_uint_eq(gradcheck(n, 3, 1, 0.05f, 1e-3, NULL), 0);
    csro_net_free(n);
}
END_TEST

START_TEST(test_grad_dense_softmax)
{
    csro_net *n = mk(1, 7);
    ck_assert_int_eq(csro_net_add_dense(n, 5), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    ck_assert_uint_eq(gradcheck(n, 4, 1, 0, 1e-2, NULL), 0);
    csro_net_free(n);
    n = mk(3, 4);             /* Keras Dense on [3][4]: per position */
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_uint_eq(gradcheck(n, 2, 1, 0, 1e-2, NULL), 0);
    csro_net_free(n);
}
END_TEST

START_TEST(test_grad_dropout_fixed_mask)
{
    /* the mask comes from a fixed (seed, stream): identical in every pass */
    csro_net *n = mk(10, 3);
    ck_assert_int_eq(csro_net_add_dropout(n, 0.4), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_uint_eq(gradcheck(n, 3, 1, 0, 1e-2, NULL), 0);
    /* inverted dropout: kept entries scaled by 1/(1 - rate), mean preserved */
    cs_ws *w = cs_ws_new(n, 1000, 1);
    float *x = malloc(30000 * sizeof *x);
    for (int i = 0; i < 30000; i++) x[i] = 1.0f;
    cs_net_fwd(n, w, 1000, x, 1, 5, 0);
    size_t kept = 0;
    for (int i = 0; i < 30000; i++) {
        float v = w->act[1][i];
        ck_assert(v == 0.0f || fabsf(v - 1 / 0.6f) < 1e-6f);
        kept += v != 0.0f;
    }
    NEAR(kept / 30000.0, 0.6, 0.015);
    free(x);
    cs_ws_free(w);
    csro_net_free(n);
}
END_TEST

START_TEST(test_grad_whole_default_net)
{
    /* conv -> relu -> dropout -> pool -> flatten -> dense -> relu -> dense -> softmax;
     * ReLU kinks may flip under a perturbation: allow 0.5% of mismatches. */
    csro_net *n;
    ck_assert_int_eq(csro_net_new_default(&n, 24, 3), 0);
    size_t checked;
    size_t bad = gradcheck(n, 2, 1, 0, 1e-3, &checked);
    ck_assert_msg(bad * 200 <= checked, "%zu of %zu gradients off", bad, checked);
    csro_net_free(n);
}
END_TEST

/* ---- ensembles ---- */
static csro_net *two_way(float b0, float b1)
{
    csro_net *n = mk(1, 2);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    float w[4] = { 0, 0, 0, 0 }, b[2] = { b0, b1 };
    setw(n, 0, w, b);
    return n;
}

START_TEST(test_ensemble_mean_std)
{
    /* members give (1/4, 3/4) and (3/4, 1/4): mean 1/2, std 1/4 */
    csro_ensemble *e;
    ck_assert_int_eq(csro_ensemble_new(&e, 2), 0);
    csro_net *a = two_way(0, (float)log(3.0)), *b = two_way((float)log(3.0), 0);
    ck_assert_int_eq(csro_ensemble_add(e, a), 0);
    ck_assert_int_eq(csro_ensemble_add(e, b), 0);
    ck_assert_uint_eq(csro_ensemble_size(e), 2);
    size_t n = 1500;
    float *x = calloc(2 * n, sizeof *x), *m = malloc(2 * n * sizeof *m), *s = malloc(2 * n * sizeof *s);
    for (size_t i = 0; i < 2 * n; i++) x[i] = (float)i;
    ck_assert_int_eq(csro_ensemble_predict(e, n, x, m, s, 2), 0);
    for (size_t i = 0; i < 2 * n; i++) { NEAR(m[i], 0.5, 1e-6); NEAR(s[i], 0.25, 1e-6); }
    ck_assert_int_eq(csro_ensemble_predict(e, n, x, m, NULL, 1), 0);
    /* wrong output count */
    csro_net *c = mk(1, 2);
    ck_assert_int_eq(csro_net_add_dense(c, 3), 0);
    ck_assert_int_eq(csro_ensemble_add(e, c), CSRO_EMISMATCH);
    csro_net_free(a); csro_net_free(b); csro_net_free(c);
    free(x); free(m); free(s);
    csro_ensemble_free(e);
    csro_ensemble_free(NULL);
}
END_TEST

static csro_ensemble *random_ensemble(size_t members, size_t nbins)
{
    csro_ensemble *e;
    ck_assert_int_eq(csro_ensemble_new(&e, 2), 0);
    for (size_t i = 0; i < members; i++) {
        csro_net *n;
        ck_assert_int_eq(csro_net_new_default(&n, nbins, 2), 0);
        ck_assert_int_eq(csro_net_init(n, 100 + i), 0);
        float *p = csro_net_params(n);
        for (size_t k = 0; k < csro_net_nparams(n); k += 7) p[k] += 0.01f; /* non-zero biases too */
        ck_assert_int_eq(csro_ensemble_add(e, n), 0);
        csro_net_free(n);
    }
    ck_assert_int_eq(csro_ensemble_set_class(e, 0, "random"), 0);
    ck_assert_int_eq(csro_ensemble_set_class(e, 1, "L12"), 0);
    ck_assert_int_eq(csro_ensemble_set_text(e, "seed", "1"), 0);
    ck_assert_int_eq(csro_ensemble_set_text(e, "seed", "42"), 0);
    ck_assert_int_eq(csro_ensemble_set_text(e, "bank", "bank.zsdm"), 0);
    return e;
}

START_TEST(test_ensemble_matches_members)
{
    csro_ensemble *e = random_ensemble(3, 40);
    size_t n = 100;
    float *x = malloc(n * 40 * sizeof *x), *m = malloc(n * 2 * sizeof *m), *y = malloc(n * 2 * sizeof *y);
    cs_rng r;
    cs_rng_init(&r, 3, 0);
    for (size_t i = 0; i < n * 40; i++) x[i] = (float)cs_rng_uniform(&r);
    ck_assert_int_eq(csro_ensemble_predict(e, n, x, m, NULL, 0), 0);
    double *acc = calloc(n * 2, sizeof *acc);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(csro_net_forward(csro_ensemble_member(e, k), n, x, y), 0);
        for (size_t i = 0; i < 2 * n; i++) acc[i] += y[i] / 3.0;
    }
    for (size_t i = 0; i < 2 * n; i++) NEAR(m[i], acc[i], 1e-6);
    for (size_t i = 0; i < n; i++) NEAR(m[2 * i] + m[2 * i + 1], 1.0, 1e-6);
    free(x); free(m); free(y); free(acc);
    csro_ensemble_free(e);
}
END_TEST

START_TEST(test_csronet_roundtrip)
{
    csro_ensemble *e = random_ensemble(3, 40), *f;
    char *path = tu_tmp("m.csronet");
    ck_assert_int_eq(csro_ensemble_save(e, path), 0);
    ck_assert_int_eq(csro_ensemble_load(&f, path), 0);
    ck_assert_uint_eq(csro_ensemble_size(f), 3);
    ck_assert_uint_eq(csro_ensemble_nclasses(f), 2);
    ck_assert_str_eq(csro_ensemble_class(f, 0), "random");
    ck_assert_str_eq(csro_ensemble_class(f, 1), "L12");
    ck_assert_str_eq(csro_ensemble_text(f, "seed"), "42");
    ck_assert_str_eq(csro_ensemble_text(f, "bank"), "bank.zsdm");
    ck_assert_ptr_null(csro_ensemble_text(f, "nope"));
    for (size_t k = 0; k < 3; k++) {
        const csro_net *a = csro_ensemble_member(e, k), *b = csro_ensemble_member(f, k);
        ck_assert_uint_eq(csro_net_nlayers(a), csro_net_nlayers(b));
        for (size_t i = 0; i < csro_net_nlayers(a); i++) {
            ck_assert_int_eq(csro_net_layer_type(a, i), csro_net_layer_type(b, i));
            ck_assert(a->layers[i].rate == b->layers[i].rate);
        }
        ck_assert_uint_eq(csro_net_nparams(a), csro_net_nparams(b));
        ck_assert(memcmp(a->params, b->params, a->nparams * 4) == 0);
    }
    csro_ensemble_free(f);
    /* corruption: flip one payload byte; truncate; wrong magic */
    size_t sz;
    unsigned char *d = tu_read(path, &sz);
    ck_assert_ptr_nonnull(d);
    char *bad = tu_tmp("bad.csronet");
    d[sz - 100] ^= 0x20;
    ck_assert_int_eq(tu_write(bad, d, sz), 0);
    int rc = csro_ensemble_load(&f, bad);
    ck_assert(rc == CSRO_ECHECKSUM || rc == CSRO_EFORMAT);
    ck_assert_ptr_null(f);
    ck_assert(strstr(csro_last_error(), "bad.csronet") != NULL);
    d[sz - 100] ^= 0x20;
    d[40] ^= 1; /* header */
    ck_assert_int_eq(tu_write(bad, d, sz), 0);
    ck_assert_int_eq(csro_ensemble_load(&f, bad), CSRO_ECHECKSUM);
    d[40] ^= 1;
    for (size_t cut = sz - 1; cut > 8; cut = cut * 2 / 3) {
        ck_assert_int_eq(tu_write(bad, d, cut), 0);
        rc = csro_ensemble_load(&f, bad);
        ck_assert_msg(rc == CSRO_EFORMAT || rc == CSRO_ECHECKSUM, "cut %zu: rc %d", cut, rc);
    }
    d[0] = 'X';
    ck_assert_int_eq(tu_write(bad, d, sz), 0);
    ck_assert_int_eq(csro_ensemble_load(&f, bad), CSRO_EFORMAT);
    ck_assert_int_eq(csro_ensemble_load(&f, "/nonexistent/x.csronet"), CSRO_EIO);
    free(d); free(bad); free(path);
    csro_ensemble_free(e);
}
END_TEST

static csro_zsdm_meta *meta_for(double width, const char *a, const char *b, int pre)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_sdm_opts_set_bin_width(o, width), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, o), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_pair(m, a, b), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, pre), 0);
    csro_sdm_opts_free(o);
    return m;
}

START_TEST(test_contract)
{
    csro_ensemble *e = random_ensemble(2, 93), *f;
    csro_zsdm_meta *m = meta_for(0.015, "Co", "Co", CSRO_PRE_MINMAX);
    ck_assert_uint_eq(csro_zsdm_meta_nbins(m), 93);
    ck_assert_ptr_null(csro_ensemble_contract(e));
    ck_assert_int_eq(csro_ensemble_check_input(e, m), 0); /* no contract: sizes only */
    ck_assert_int_eq(csro_ensemble_set_contract(e, m), 0);
    char *path = tu_tmp("c.csronet");
    ck_assert_int_eq(csro_ensemble_save(e, path), 0);
    ck_assert_int_eq(csro_ensemble_load(&f, path), 0);
    const csro_zsdm_meta *c = csro_ensemble_contract(f);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(c, m), 0);
    ck_assert_str_eq(csro_zsdm_meta_pair(c, 0), "Co");
    ck_assert_int_eq(csro_zsdm_meta_preprocess(c), CSRO_PRE_MINMAX);
    ck_assert_int_eq(csro_ensemble_check_input(f, m), 0);
    csro_zsdm_meta *d = meta_for(0.015, "Ni", "Ni", CSRO_PRE_MINMAX);
    ck_assert_int_eq(csro_ensemble_check_input(f, d), CSRO_EMISMATCH);
    ck_assert_msg(strstr(csro_last_error(), "Ni-Ni") && strstr(csro_last_error(), "Co-Co"), "%s", csro_last_error());
    csro_zsdm_meta_free(d);
    d = meta_for(0.015, "Co", "Co", CSRO_PRE_RAW);
    ck_assert_int_eq(csro_ensemble_check_input(f, d), CSRO_EMISMATCH);
    ck_assert_msg(strstr(csro_last_error(), "min-max"), "%s", csro_last_error());
    csro_zsdm_meta_free(d);
    /* 0.015 -> 0.0151 nm bins: still 93 bins, other edges */
    d = meta_for(0.0151, "Co", "Co", CSRO_PRE_MINMAX);
    ck_assert_uint_eq(csro_zsdm_meta_nbins(d), 93);
    ck_assert_int_eq(csro_ensemble_check_input(f, d), CSRO_EMISMATCH);
    ck_assert_msg(strstr(csro_last_error(), "bin"), "%s", csro_last_error());
    csro_zsdm_meta_free(d);
    d = meta_for(0.03, "Co", "Co", CSRO_PRE_MINMAX); /* 47 bins */
    ck_assert_int_eq(csro_ensemble_check_input(f, d), CSRO_EMISMATCH);
    ck_assert_int_eq(csro_ensemble_set_contract(f, d), CSRO_EMISMATCH);
    csro_zsdm_meta_free(d);
    csro_zsdm_meta_free(m);
    csro_ensemble_free(f);
    csro_ensemble_free(e);
    free(path);
}
END_TEST

/* A checksum-valid file whose header describes an impossible network. */
static int load_crafted(uint64_t len, uint32_t type, uint64_t a, uint64_t k, uint64_t nparams)
{
    static const char magic[8] = { 'C', 'S', 'R', 'O', 'N', 'E', 'T', 0 };
    cs_buf b = { 0 };
    cs_buf_u32(&b, 2); cs_buf_str(&b, "a"); cs_buf_str(&b, "b");
    cs_buf_u32(&b, 1);                                   /* one member */
    cs_buf_u64(&b, len); cs_buf_u64(&b, 1); cs_buf_u32(&b, 1);
    cs_buf_u32(&b, type); cs_buf_u32(&b, 0); cs_buf_u64(&b, a); cs_buf_u64(&b, k); cs_buf_f64(&b, 0);
    cs_buf_u64(&b, nparams);
    cs_buf_u32(&b, 0);                                   /* texts */
    cs_buf_u32(&b, 0);                                   /* no contract */
    char *path = tu_tmp("crafted.csronet");
    cs_cw *w;
    ck_assert_int_eq(cs_cw_open(&w, path, magic, 1, b.p, (uint32_t)b.n), 0);
    float zero[64] = { 0 };
    ck_assert_int_eq(cs_cw_write(w, zero, sizeof zero), 0);
    ck_assert_int_eq(cs_cw_close(w), 0);
    csro_ensemble *e;
    int rc = csro_ensemble_load(&e, path);
    if (!rc) csro_ensemble_free(e);
    free(b.p);
    free(path);
    return rc;
}

START_TEST(test_csronet_bad_headers)
{
    ck_assert_int_eq(load_crafted(8, 99, 0, 0, 0), CSRO_EFORMAT);
    ck_assert_msg(strstr(csro_last_error(), "unknown type 99"), "%s", csro_last_error());
    ck_assert_int_eq(load_crafted(8, CSRO_LAYER_CONV1D, 2, 9, 20), CSRO_EFORMAT); /* kernel 9 > 8 */
    ck_assert_msg(strstr(csro_last_error(), "longer than the input"), "%s", csro_last_error());
    ck_assert_int_eq(load_crafted(8, CSRO_LAYER_CONV1D, (uint64_t)1 << 40, 3, 0), CSRO_EFORMAT);
    /* right layer, wrong parameter count */
    ck_assert_int_eq(load_crafted(1, CSRO_LAYER_DENSE, 2, 0, 5), CSRO_EFORMAT);
    ck_assert_msg(strstr(csro_last_error(), "parameters"), "%s", csro_last_error());
    /* dense 1 -> 2 outputs: 2 params + 2 biases = 4 floats, but 64 stored */
    ck_assert_int_eq(load_crafted(1, CSRO_LAYER_DENSE, 2, 0, 4), CSRO_EFORMAT);
    ck_assert_msg(strstr(csro_last_error(), "after the last"), "%s", csro_last_error());
}
END_TEST

/* Cap this (forked) test's address space at its current size + extra MiB,
 * so that an allocation the input does not warrant fails with ENOMEM. Not
 * under ASan (its shadow memory) or without fork (the cap would stay). */
static void cap_memory(size_t extra_mib)
{
#if !defined(__SANITIZE_ADDRESS__)
    const char *f = getenv("CK_FORK");
    if (f && !strcmp(f, "no")) return;
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!fp) return;
    if (fscanf(fp, "%lu", &pages) != 1) pages = 0;
    fclose(fp);
    if (!pages) return;
    struct rlimit rl = { 0, 0 };
    getrlimit(RLIMIT_AS, &rl);
    rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)extra_mib << 20);
    setrlimit(RLIMIT_AS, &rl);
#else
    (void)extra_mib;
#endif
}

/* #14 item 3: a header that promises 2^27 + 2 parameters (512 MiB) over a
 * 256-byte payload is refused as truncated, having allocated about what
 * the file holds (it used to allocate all 512 MiB first). */
START_TEST(test_csronet_alloc_bomb)
{
    cap_memory(128);
    ck_assert_int_eq(load_crafted((uint64_t)1 << 26, CSRO_LAYER_CONV1D, 2, (uint64_t)1 << 26, ((uint64_t)1 << 27) + 2),
                     CSRO_EFORMAT);
    ck_assert_msg(strstr(csro_last_error(), "truncated") || strstr(csro_last_error(), "ends early"), "%s",
                  csro_last_error());
}
END_TEST

/* #14 item 2: every size product of the builder is checked; a refused
 * layer leaves the network as it was, and init/forward still work. */
START_TEST(test_net_size_overflow)
{
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, SIZE_MAX / 2, 4), CSRO_EINVAL);
    ck_assert_int_eq(csro_net_new(&n, 8, 4), 0);
    ck_assert_int_eq(csro_net_add_dense(n, SIZE_MAX / 2), CSRO_EINVAL);       /* 4 x (2^63) overflows */
    ck_assert_int_eq(csro_net_add_dense(n, (size_t)1 << 40), CSRO_EINVAL);    /* no overflow, too large */
    ck_assert_int_eq(csro_net_add_conv1d(n, SIZE_MAX / 3, 3, CSRO_PAD_VALID), CSRO_EINVAL);
    ck_assert_int_eq(csro_net_add_conv1d(n, 3, SIZE_MAX / 2, CSRO_PAD_SAME), CSRO_EINVAL);
    ck_assert_uint_eq(csro_net_nparams(n), 0);
    ck_assert_uint_eq(csro_net_nlayers(n), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_uint_eq(csro_net_nparams(n), 32 * 2 + 2);
    ck_assert_int_eq(csro_net_init(n, 1), 0);
    float x[32] = { 0 }, y[2];
    ck_assert_int_eq(csro_net_forward(n, 1, x, y), 0);
    csro_net_free(n);
}
END_TEST

START_TEST(test_csronet_roundtrip_padding)
{
    /* conv same + maxpool same survive save/load, outputs identical */
    csro_net *n = mk(17, 2);
    ck_assert_int_eq(csro_net_add_conv1d(n, 3, 4, CSRO_PAD_SAME), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d_padded(n, 2, CSRO_PAD_SAME), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    ck_assert_int_eq(csro_net_init(n, 3), 0);
    csro_ensemble *e, *f;
    ck_assert_int_eq(csro_ensemble_new(&e, 2), 0);
    ck_assert_int_eq(csro_ensemble_add(e, n), 0);
    char *path = tu_tmp("pad.csronet");
    ck_assert_int_eq(csro_ensemble_save(e, path), 0);
    ck_assert_int_eq(csro_ensemble_load(&f, path), 0);
    const csro_net *g = csro_ensemble_member(f, 0);
    size_t l, c;
    csro_net_layer_shape(g, 1, &l, &c);
    ck_assert_uint_eq(l, 9);
    float x[34], a[2], b[2];
    for (int i = 0; i < 34; i++) x[i] = (float)((i * 7) % 11) - 5;
    ck_assert_int_eq(csro_net_forward(n, 1, x, a), 0);
    ck_assert_int_eq(csro_net_forward(g, 1, x, b), 0);
    ck_assert(a[0] == b[0] && a[1] == b[1]);
    csro_ensemble_free(e); csro_ensemble_free(f); csro_net_free(n);
    free(path);
}
END_TEST

CSRO_TEST_MAIN("net", 60, test_conv_valid_by_hand, test_conv_same_even_kernel,
               test_conv_channels_layout, test_pool_dense_softmax_by_hand,
               test_maxpool_same_by_hand, test_default_shapes_and_errors, test_glorot_init,
               test_grad_conv_valid, test_grad_conv_same, test_grad_relu_pool_flatten,
               test_grad_dense_softmax, test_grad_dropout_fixed_mask, test_grad_whole_default_net,
               test_ensemble_mean_std, test_ensemble_matches_members, test_csronet_roundtrip,
               test_contract, test_csronet_roundtrip_padding, test_csronet_bad_headers,
               test_csronet_alloc_bomb, test_net_size_overflow)
