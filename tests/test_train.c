/* test_train.c: Adam step, fused softmax/cross-entropy gradient, k-fold
 * training on a separable toy problem, determinism, report and errors. */
#include "testutil.h"
#include "csro.h"
#include "net/net_impl.h"
#include <math.h>
#include <stdlib.h>

/* CSRO_SLOW_TESTS=0 (valgrind runs): smaller banks, fewer epochs */
static int quick(void)
{
    const char *s = getenv("CSRO_SLOW_TESTS");
    return s && !strcmp(s, "0");
}

#define NEAR(a, b, tol) ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), \
    "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

START_TEST(test_adam_first_steps)
{
    /* Adam's bias correction makes the first steps ~lr * sign(g) whatever
     * |g| (Kingma & Ba 2015, sec. 2.1), when |g| >> eps. */
    float p[3] = { 0, 0, 0 }, g[3] = { 0.5f, -3e-3f, 40 }, m[3] = { 0 }, v[3] = { 0 };
    cs_adam_step(p, g, m, v, 3, 1, 1e-3, 0.9, 0.999, 1e-7);
    /* Keras applies eps to the uncorrected sqrt(v): at t = 1 the step is
     * lr |g| / (|g| + eps / sqrt(1 - beta2)) */
    double eh = 1e-7 / sqrt(1 - 0.999);
    NEAR(p[0], -1e-3 * 0.5 / (0.5 + eh), 1e-9);
    NEAR(p[1], 1e-3 * 3e-3 / (3e-3 + eh), 1e-9);
    NEAR(p[2], -1e-3, 1e-9);
    float s = 0, gs = 1e-5f, ms = 0, vs = 0;
    cs_adam_step(&s, &gs, &ms, &vs, 1, 1, 1e-3, 0.9, 0.999, 1e-7);
    NEAR(s, -1e-3 * 1e-5 / (1e-5 + eh), 1e-9);   /* -7.6e-4, far from -lr */
    cs_adam_step(p, g, m, v, 3, 2, 1e-3, 0.9, 0.999, 1e-7);
    NEAR(p[2], -2e-3, 1e-8);
    /* zero gradient: no move */
    float q = 2, z = 0, mq = 0, vq = 0;
    cs_adam_step(&q, &z, &mq, &vq, 1, 1, 1e-3, 0.9, 0.999, 1e-7);
    ck_assert(q == 2.0f);
}
END_TEST

START_TEST(test_softmax_ce_gradient)
{
    /* d/dz of -log softmax(z)[y] (mean over the batch) by central differences */
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 1, 4), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    float z[8] = { 0.3f, -1.2f, 2.0f, 0.1f, -0.5f, 0.5f, 0.0f, 1.5f }, p[8], d[8];
    int32_t y[2] = { 2, 0 };
    ck_assert_int_eq(csro_net_forward(n, 2, z, p), 0);
    double L = cs_softmax_ce(p, y, 2, 4, d);
    /* -log p = logsumexp(z) - z_y by hand */
    double hand = 0;
    for (int b = 0; b < 2; b++) {
        double s = 0;
        for (int k = 0; k < 4; k++) s += exp(z[4 * b + k]);
        hand += log(s) - z[4 * b + y[b]];
    }
    NEAR(L, hand, 1e-5);
    for (int i = 0; i < 8; i++) {
        float save = z[i], q[8];
        z[i] = save + 1e-2f;
        ck_assert_int_eq(csro_net_forward(n, 2, z, q), 0);
        double lp = cs_softmax_ce(q, y, 2, 4, NULL) / 2;
        z[i] = save - 1e-2f;
        ck_assert_int_eq(csro_net_forward(n, 2, z, q), 0);
        double lm = cs_softmax_ce(q, y, 2, 4, NULL) / 2;
        z[i] = save;
        NEAR(d[i], (lp - lm) / 2e-2, 1e-4);
    }
    csro_net_free(n);
}
END_TEST

/* Two classes of 93-bin profiles: a Gaussian peak at bin 30 (class 0) or
 * 60 (class 1) of random height on a noisy background, min-max normalised. */
static void toy(size_t n, float **x, int32_t **y, uint64_t seed)
{
    *x = malloc(n * 93 * sizeof **x);
    *y = malloc(n * sizeof **y);
    cs_rng r;
    cs_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % 2);
        double mu = c ? 60 : 30, h = 1 + cs_rng_uniform(&r), lo = 1e9, hi = -1e9;
        float *p = *x + i * 93;
        for (int k = 0; k < 93; k++) {
            double v = h * exp(-0.5 * (k - mu) * (k - mu) / 9.0) + 0.3 * cs_rng_uniform(&r);
            p[k] = (float)v;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        for (int k = 0; k < 93; k++) p[k] = (float)((p[k] - lo) / (hi - lo));
        (*y)[i] = c;
    }
}

/* A small net for the valgrind-friendly tests: Conv1D(4, 5) ReLU
 * Dropout(0.5) MaxPool(2) Flatten Dense(16) ReLU Dense(2) Softmax. */
static csro_net *small_net(void)
{
    csro_net *n;
    ck_assert_int_eq(csro_net_new(&n, 93, 1), 0);
    ck_assert_int_eq(csro_net_add_conv1d(n, 4, 5, CSRO_PAD_SAME), 0);
    ck_assert_int_eq(csro_net_add_relu(n), 0);
    ck_assert_int_eq(csro_net_add_dropout(n, 0.5), 0);
    ck_assert_int_eq(csro_net_add_maxpool1d(n, 2), 0);
    ck_assert_int_eq(csro_net_add_flatten(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 16), 0);
    ck_assert_int_eq(csro_net_add_relu(n), 0);
    ck_assert_int_eq(csro_net_add_dense(n, 2), 0);
    ck_assert_int_eq(csro_net_add_softmax(n), 0);
    return n;
}

static csro_train_opts *small_opts(int epochs, int folds, uint64_t seed, int threads)
{
    csro_train_opts *o = csro_train_opts_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(csro_train_opts_set_epochs(o, epochs), 0);
    ck_assert_int_eq(csro_train_opts_set_folds(o, folds), 0);
    ck_assert_int_eq(csro_train_opts_set_seed(o, seed), 0);
    ck_assert_int_eq(csro_train_opts_set_threads(o, threads), 0);
    return o;
}

static int count_progress(double f, void *user)
{
    int *calls = user;
    ck_assert(f >= 0 && f <= 1);
    (*calls)++;
    return 0;
}

START_TEST(test_train_toy_separable)
{
    size_t n = quick() ? 300 : 600;
    float *x;
    int32_t *y;
    toy(n, &x, &y, 11);
    csro_net *arch;
    if (quick()) arch = small_net(); /* the reference net is slow under valgrind */
    else ck_assert_int_eq(csro_net_new_default(&arch, 93, 2), 0);
    int epochs = quick() ? 2 : 3;
    csro_train_opts *o = small_opts(epochs, 3, 5, 2);
    ck_assert_int_eq(csro_train_opts_set_holdout(o, 0.2), 0);
    csro_ensemble *e;
    csro_train_report *rep;
    int calls = 0;
    ck_assert_int_eq(csro_train(&e, &rep, arch, x, y, n, 2, o, count_progress, &calls), 0);
    ck_assert_int_gt(calls, 0);
    ck_assert_uint_eq(csro_ensemble_size(e), 3);
    ck_assert_uint_eq(csro_train_report_nclasses(rep), 2);
    uint64_t m[4];
    ck_assert_int_eq(csro_train_report_confusion(rep, m), 0);
    ck_assert_uint_eq(m[0] + m[1] + m[2] + m[3], n / 5); /* 20% held out */
    ck_assert_msg(csro_train_report_accuracy(rep) >= 0.99, "held-out accuracy %g", csro_train_report_accuracy(rep));
    double p[2], r[2], f[2];
    ck_assert_int_eq(csro_train_report_prf(rep, p, r, f), 0);
    for (int k = 0; k < 2; k++) ck_assert(p[k] >= 0.98 && r[k] >= 0.98 && f[k] >= 0.98);
    /* the ensemble also classifies fresh patterns from the same law */
    float *x2, mean[400];
    int32_t *y2;
    toy(200, &x2, &y2, 12);
    ck_assert_int_eq(csro_ensemble_predict(e, 200, x2, mean, NULL, 1), 0);
    int ok = 0;
    for (int i = 0; i < 200; i++) ok += (mean[2 * i + 1] > mean[2 * i]) == (y2[i] == 1);
    ck_assert_int_ge(ok, 198);
    /* log: header + folds * epochs rows; training loss falls */
    char *log = tu_tmp("train.tsv");
    ck_assert_int_eq(csro_train_report_write_log(rep, log), 0);
    size_t sz;
    char *t = tu_read(log, &sz);
    ck_assert_ptr_nonnull(t);
    size_t lines = 0;
    for (size_t i = 0; i < sz; i++) lines += t[i] == '\n';
    ck_assert_uint_eq(lines, 1 + 3 * (size_t)epochs);
    ck_assert(strncmp(t, "fold\tepoch\ttrain_loss", 21) == 0);
    for (size_t fo = 0; fo < 3; fo++)
        ck_assert(rep->tr_loss[fo * (size_t)epochs + (size_t)epochs - 1] < rep->tr_loss[fo * (size_t)epochs]);
    free(t); free(log); free(x2); free(y2);
    csro_train_report_free(rep);
    csro_ensemble_free(e);
    csro_train_opts_free(o);
    csro_net_free(arch);
    free(x); free(y);
}
END_TEST

static csro_ensemble *train_once(const float *x, const int32_t *y, size_t n, uint64_t seed, int threads)
{
    csro_net *arch = small_net();
    csro_train_opts *o = small_opts(2, 3, seed, threads);
    csro_ensemble *e;
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 2, o, NULL, NULL), 0);
    csro_train_opts_free(o);
    csro_net_free(arch);
    return e;
}

static int same_params(const csro_ensemble *a, const csro_ensemble *b)
{
    for (size_t k = 0; k < csro_ensemble_size(a); k++) {
        const csro_net *p = csro_ensemble_member(a, k), *q = csro_ensemble_member(b, k);
        if (memcmp(p->params, q->params, p->nparams * sizeof(float))) return 0;
    }
    return 1;
}

START_TEST(test_train_deterministic)
{
    size_t n = 200;
    float *x;
    int32_t *y;
    toy(n, &x, &y, 21);
    csro_ensemble *a = train_once(x, y, n, 9, 1), *b = train_once(x, y, n, 9, 3), *c = train_once(x, y, n, 10, 2);
    ck_assert_msg(same_params(a, b), "same seed, different thread count: weights differ");
    ck_assert(!same_params(a, c));
    /* folds start from different initial weights */
    ck_assert(memcmp(csro_ensemble_member(a, 0)->params, csro_ensemble_member(a, 1)->params, 64) != 0);
    csro_ensemble_free(a); csro_ensemble_free(b); csro_ensemble_free(c);
    free(x); free(y);
}
END_TEST

/* Epoch callback: every (fold, epoch) once, epochs in order within a fold,
 * the numbers the report holds afterwards; a non-zero return stops the
 * training before its end (so the calls come while it runs). */
typedef struct { size_t calls, next[3], stop_after; double loss[3][4], acc[3][4]; } epochs_seen;

static int on_epoch(size_t fold, size_t epoch, double tl, double ta, double vl, double va, void *user)
{
    epochs_seen *s = user;
    ck_assert_uint_lt(fold, 3);
    ck_assert_uint_eq(epoch, s->next[fold]);
    s->next[fold]++;
    ck_assert(epoch < 4 && isfinite(tl) && ta >= 0 && ta <= 1 && isfinite(vl) && va >= 0 && va <= 1);
    s->loss[fold][epoch] = tl;
    s->acc[fold][epoch] = va;
    return ++s->calls == s->stop_after;
}

START_TEST(test_train_epoch_callback)
{
    size_t n = 120;
    float *x;
    int32_t *y;
    toy(n, &x, &y, 31);
    csro_net *arch = small_net();
    csro_train_opts *o = small_opts(4, 3, 3, 2);
    epochs_seen s = { 0 };
    ck_assert_int_eq(csro_train_opts_set_epoch_fn(o, on_epoch, &s), 0);
    ck_assert_int_eq(csro_train_opts_set_epoch_fn(NULL, on_epoch, &s), CSRO_EINVAL);
    csro_ensemble *e;
    csro_train_report *rep;
    ck_assert_int_eq(csro_train(&e, &rep, arch, x, y, n, 2, o, NULL, NULL), 0);
    ck_assert_uint_eq(s.calls, 12);
    for (size_t f = 0; f < 3; f++) {
        ck_assert_uint_eq(s.next[f], 4);
        for (size_t ep = 0; ep < 4; ep++) {
            double tl, va;
            ck_assert_int_eq(csro_train_report_epoch(rep, f, ep, &tl, NULL, NULL, &va), 0);
            ck_assert(tl == s.loss[f][ep] && va == s.acc[f][ep]);
        }
    }
    csro_train_report_free(rep);
    csro_ensemble_free(e);
    /* stop after the 2nd epoch (one thread: fold 0 only): canceled, no more calls */
    ck_assert_int_eq(csro_train_opts_set_threads(o, 1), 0);
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    ck_assert_int_eq(csro_train(&e, &rep, arch, x, y, n, 2, o, NULL, NULL), CSRO_ECANCELED);
    ck_assert_ptr_null(e);
    ck_assert_ptr_null(rep);
    ck_assert_uint_eq(s.calls, 2);
    /* fn NULL: no calls */
    ck_assert_int_eq(csro_train_opts_set_epoch_fn(o, NULL, &s), 0);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 2, o, NULL, NULL), 0);
    ck_assert_uint_eq(s.calls, 0);
    csro_ensemble_free(e);
    csro_train_opts_free(o);
    csro_net_free(arch);
    free(x); free(y);
}
END_TEST

START_TEST(test_report_prf_by_hand)
{
    /* confusion [[5, 1], [2, 2]] (row = truth): precision_0 = 5/7,
     * recall_0 = 5/6, precision_1 = 2/3, recall_1 = 1/2, accuracy 7/10 */
    csro_train_report r = { 0 };
    uint64_t conf[4] = { 5, 1, 2, 2 };
    r.nclasses = 2; r.ntest = 10; r.conf = conf;
    double p[2], rc[2], f[2];
    ck_assert_int_eq(csro_train_report_prf(&r, p, rc, f), 0);
    NEAR(p[0], 5.0 / 7, 1e-12); NEAR(rc[0], 5.0 / 6, 1e-12);
    NEAR(p[1], 2.0 / 3, 1e-12); NEAR(rc[1], 0.5, 1e-12);
    NEAR(f[0], 2 * (5.0 / 7) * (5.0 / 6) / (5.0 / 7 + 5.0 / 6), 1e-12);
    NEAR(f[1], 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), 1e-12);
    NEAR(csro_train_report_accuracy(&r), 0.7, 1e-12);
}
END_TEST

static int cancel_now(double f, void *user) { (void)f; (void)user; return 1; }

START_TEST(test_train_errors)
{
    size_t n = 60;
    float *x;
    int32_t *y;
    toy(n, &x, &y, 1);
    csro_net *arch = small_net(), *nosoft;
    ck_assert_int_eq(csro_net_new(&nosoft, 93, 1), 0);
    ck_assert_int_eq(csro_net_add_flatten(nosoft), 0);
    ck_assert_int_eq(csro_net_add_dense(nosoft, 2), 0);
    csro_train_opts *o = small_opts(1, 2, 1, 1);
    csro_ensemble *e = (csro_ensemble *)1;
    ck_assert_int_eq(csro_train(&e, NULL, nosoft, x, y, n, 2, o, NULL, NULL), CSRO_EINVAL);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 3, o, NULL, NULL), CSRO_EMISMATCH);
    y[7] = 2;
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 2, o, NULL, NULL), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "pattern 7") != NULL);
    y[7] = 1;
    x[93 * 5 + 4] = NAN;
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 2, o, NULL, NULL), CSRO_EINVAL);
    ck_assert_msg(strstr(csro_last_error(), "pattern 5 value 4"), "%s", csro_last_error());
    x[93 * 5 + 4] = 0;
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, 1, 2, o, NULL, NULL), CSRO_EINVAL);
    ck_assert_int_eq(csro_train(&e, NULL, arch, x, y, n, 2, o, cancel_now, NULL), CSRO_ECANCELED);
    ck_assert_int_eq(csro_train_opts_set_folds(o, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_train_opts_set_holdout(o, 0.95), CSRO_EINVAL);
    ck_assert_int_eq(csro_train_opts_set_adam(o, 0, 0.9, 0.999, 1e-7), CSRO_EINVAL);
    ck_assert_int_eq(csro_train_opts_set_shift(o, 1, 2, -2), CSRO_EINVAL);
    ck_assert_int_eq(csro_train_opts_set_batch(o, 0), CSRO_EINVAL);
    csro_train_opts_free(o);
    csro_train_opts_free(NULL);
    csro_train_report_free(NULL);
    csro_net_free(arch);
    csro_net_free(nosoft);
    free(x); free(y);
}
END_TEST

CSRO_TEST_MAIN("train", 120, test_adam_first_steps, test_softmax_ce_gradient,
               test_report_prf_by_hand, test_train_toy_separable, test_train_deterministic,
               test_train_epoch_callback, test_train_errors)
