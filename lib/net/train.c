/* train.c: k-fold training of a csro_net with Adam (Keras' update rule),
 * categorical cross-entropy, dropout, shift augmentation and a held-out
 * test of the resulting ensemble (confusion matrix, precision/recall/F1).
 *
 * Determinism: every random choice comes from cs_rng streams named by
 * (seed, purpose, fold, epoch, batch); folds are trained independently
 * (in parallel with pthreads), so the weights do not depend on the thread
 * count. The only other source of last-bit differences would be OpenBLAS'
 * own threading inside sgemm; set OPENBLAS_NUM_THREADS=1 (or call
 * openblas_set_num_threads(1)) to rule it out. */
#include "net_impl.h"
#include "base/threads_impl.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct csro_train_opts {
    int epochs, batch, folds, augment, shift_lo, shift_hi, threads;
    double lr, b1, b2, eps, holdout;
    uint64_t seed;
    csro_train_epoch_fn epoch_fn;   /* called per finished epoch, or NULL */
    void *epoch_user;
};

/* stream ids of the purposes */
enum { ST_SPLIT = 1, ST_SHIFT = 2, ST_INIT = 3, ST_EPOCH = 4, ST_DROP = 5 };
static uint64_t stream_id(uint64_t purpose, uint64_t fold, uint64_t epoch, uint64_t item)
{
    return purpose << 56 ^ fold << 48 ^ epoch << 32 ^ item;
}

csro_train_opts *csro_train_opts_new(void)
{
    csro_train_opts *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->epochs = 30; o->batch = 32; o->folds = 5;
    o->augment = 1; o->shift_lo = -2; o->shift_hi = 1;
    o->lr = 1e-3; o->b1 = 0.9; o->b2 = 0.999; o->eps = 1e-7;
    o->holdout = 0.1; o->seed = 1; o->threads = 0;
    return o;
}

void csro_train_opts_free(csro_train_opts *o) { free(o); }

int csro_train_opts_set_epochs(csro_train_opts *o, int epochs)
{
    if (!o || epochs < 1) return cs_err(CSRO_EINVAL, "train: epochs %d must be >= 1", epochs);
    o->epochs = epochs;
    return 0;
}

int csro_train_opts_set_batch(csro_train_opts *o, int batch)
{
    if (!o || batch < 1) return cs_err(CSRO_EINVAL, "train: batch %d must be >= 1", batch);
    o->batch = batch;
    return 0;
}

int csro_train_opts_set_adam(csro_train_opts *o, double lr, double beta1, double beta2, double eps)
{
    if (!o || !(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0))
        return cs_err(CSRO_EINVAL, "train: Adam lr %g, beta1 %g, beta2 %g, eps %g out of range", lr, beta1, beta2, eps);
    o->lr = lr; o->b1 = beta1; o->b2 = beta2; o->eps = eps;
    return 0;
}

int csro_train_opts_set_folds(csro_train_opts *o, int folds)
{
    if (!o || folds < 2 || folds > 1000) return cs_err(CSRO_EINVAL, "train: folds %d must be in [2, 1000]", folds);
    o->folds = folds;
    return 0;
}

int csro_train_opts_set_holdout(csro_train_opts *o, double fraction)
{
    if (!o || !(fraction >= 0 && fraction < 0.9))
        return cs_err(CSRO_EINVAL, "train: held-out fraction %g must be in [0, 0.9)", fraction);
    o->holdout = fraction;
    return 0;
}

int csro_train_opts_set_shift(csro_train_opts *o, int augment, int lo, int hi)
{
    if (!o || lo > hi || lo < -1000 || hi > 1000)
        return cs_err(CSRO_EINVAL, "train: shift range [%d, %d] is invalid", lo, hi);
    o->augment = augment != 0; o->shift_lo = lo; o->shift_hi = hi;
    return 0;
}

int csro_train_opts_set_seed(csro_train_opts *o, uint64_t seed)
{
    if (!o) return cs_err(CSRO_EINVAL, "train: NULL options");
    o->seed = seed;
    return 0;
}

int csro_train_opts_set_epoch_fn(csro_train_opts *o, csro_train_epoch_fn fn, void *user)
{
    if (!o) return cs_err(CSRO_EINVAL, "train: NULL options");
    o->epoch_fn = fn;
    o->epoch_user = user;
    return 0;
}

int csro_train_opts_set_threads(csro_train_opts *o, int threads)
{
    if (!o || threads < 0) return cs_err(CSRO_EINVAL, "train: threads %d must be >= 0", threads);
    o->threads = threads;
    return 0;
}

/* ---- numerical pieces ---- */
double cs_softmax_ce(const float *p, const int32_t *y, size_t B, size_t K, float *dlogits)
{
    double loss = 0, inv = 1.0 / (double)B;
    for (size_t b = 0; b < B; b++) {
        const float *q = p + b * K;
        double t = q[y[b]];
        if (t < 1e-7) t = 1e-7;
        if (t > 1 - 1e-7) t = 1 - 1e-7;
        loss -= log(t);
        if (dlogits)
            for (size_t k = 0; k < K; k++)
                dlogits[b * K + k] = (float)(((double)q[k] - ((int32_t)k == y[b])) * inv);
    }
    return loss;
}

/* Adam, Keras form: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),
 * p -= lr_t m / (sqrt(v) + eps). The AVX2 path does the same IEEE
 * operations in the same order (no FMA), so both give identical bits. */
static void adam_scalar(float *p, const float *g, float *m, float *v, size_t i0, size_t n, float lr_t,
                        float fb1, float fb2, float c1, float c2, float fe)
{
    for (size_t i = i0; i < n; i++) {
        float gi = g[i];
        m[i] = fb1 * m[i] + c1 * gi;
        v[i] = fb2 * v[i] + c2 * gi * gi;
        p[i] -= lr_t * m[i] / (sqrtf(v[i]) + fe);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2")))
static size_t adam_avx2(float *p, const float *g, float *m, float *v, size_t n, float lr_t,
                        float fb1, float fb2, float c1, float c2, float fe)
{
    __m256 B1 = _mm256_set1_ps(fb1), B2 = _mm256_set1_ps(fb2), C1 = _mm256_set1_ps(c1),
           C2 = _mm256_set1_ps(c2), E = _mm256_set1_ps(fe), LR = _mm256_set1_ps(lr_t);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(B1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(C1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(B2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(C2, gi), gi));
        __m256 st = _mm256_div_ps(_mm256_mul_ps(LR, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), E));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), st));
    }
    return i;
}
#endif

void cs_adam_step(float *p, const float *g, float *m, float *v, size_t n, long t,
                  double lr, double b1, double b2, double eps)
{
    float lr_t = (float)(lr * sqrt(1 - pow(b2, (double)t)) / (1 - pow(b1, (double)t)));
    float fb1 = (float)b1, fb2 = (float)b2, c1 = (float)(1 - b1), c2 = (float)(1 - b2), fe = (float)eps;
    size_t i0 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) i0 = adam_avx2(p, g, m, v, n, lr_t, fb1, fb2, c1, c2, fe);
#endif
    adam_scalar(p, g, m, v, i0, n, lr_t, fb1, fb2, c1, c2, fe);
}

static size_t argmax(const float *q, size_t K)
{
    size_t best = 0;
    for (size_t k = 1; k < K; k++) if (q[k] > q[best]) best = k;
    return best;
}

/* ---- the training job ---- */
typedef struct {
    const csro_net *arch;
    const float *x, *aug;       /* aug: shifted copy of every pattern (or NULL) */
    const int32_t *y;
    size_t n, isz, K;
    const size_t *perm;         /* shuffled pattern order: [0, ntrain) train+val, rest test */
    size_t ntrain;
    const csro_train_opts *o;
    csro_train_report *rep;
    csro_net **models;          /* per fold */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int next_fold, running, rc;
    atomic_int cancel;
    long epochs_done;
    size_t *fold_done;          /* epochs finished per fold (under mu) */
    size_t *fold_told;          /* epochs passed to the epoch callback (reporting thread only) */
} train_job;

static void fold_range(const train_job *j, size_t f, size_t *lo, size_t *hi)
{
    /* sklearn KFold sizes: the first ntrain % k folds get one more */
    size_t k = (size_t)j->o->folds, base = j->ntrain / k, extra = j->ntrain % k;
    *lo = f * base + (f < extra ? f : extra);
    *hi = *lo + base + (f < extra);
}

static int train_fold(train_job *j, size_t f)
{
    const csro_train_opts *o = j->o;
    size_t isz = j->isz, K = j->K, E = (size_t)o->epochs, Bm = (size_t)o->batch;
    size_t vlo, vhi;
    fold_range(j, f, &vlo, &vhi);
    size_t nv = vhi - vlo, nt = j->ntrain - nv, naug = j->aug ? 2 * nt : nt;
    csro_net *net = csro_net_clone(j->arch);
    size_t np = net ? net->nparams : 0, vb = nv < 256 ? (nv ? nv : 1) : 256;
    size_t *items = malloc(naug * sizeof *items);
    float *g = malloc((np + 1) * sizeof *g), *m = calloc(np + 1, sizeof *m), *v = calloc(np + 1, sizeof *v);
    float *xb = malloc(Bm * isz * sizeof *xb), *dl = malloc(Bm * K * sizeof *dl);
    int32_t *yb = malloc(Bm * sizeof *yb);
    cs_ws *w = net ? cs_ws_new(net, Bm, 1) : NULL, *wv = net ? cs_ws_new(net, vb, 0) : NULL;
    float *xv = malloc(vb * isz * sizeof *xv);
    int32_t *yv = malloc(vb * sizeof *yv);
    int rc = 0;
    if (!net || !items || !g || !m || !v || !xb || !dl || !yb || !w || !wv || !xv || !yv) {
        rc = CSRO_ENOMEM;
        goto done;
    }
    cs_rng r;
    cs_rng_init(&r, o->seed, stream_id(ST_INIT, f, 0, 0));
    csro_net_init(net, cs_rng_next(&r));
    /* training items: pattern order index p in [0, ntrain) outside the
     * validation block; item = 2 p (+1 for the shifted copy) */
    size_t c = 0;
    for (size_t p = 0; p < j->ntrain; p++) {
        if (p >= vlo && p < vhi) continue;
        items[c++] = 2 * p;
        if (j->aug) items[c++] = 2 * p + 1;
    }
    long step = 0;
    for (size_t e = 0; e < E; e++) {
        cs_rng_init(&r, o->seed, stream_id(ST_EPOCH, f, e, 0));
        for (size_t i = naug; i > 1; i--) { /* Fisher-Yates */
            size_t k = (size_t)cs_rng_below(&r, i), t = items[i - 1];
            items[i - 1] = items[k];
            items[k] = t;
        }
        double loss = 0;
        size_t correct = 0;
        for (size_t s = 0, bi = 0; s < naug; s += Bm, bi++) {
            size_t B = naug - s < Bm ? naug - s : Bm;
            for (size_t b = 0; b < B; b++) {
                size_t it = items[s + b], pat = j->perm[it / 2];
                memcpy(xb + b * isz, (it & 1 ? j->aug : j->x) + pat * isz, isz * sizeof *xb);
                yb[b] = j->y[pat];
            }
            const float *out = cs_net_fwd(net, w, B, xb, 1, o->seed, stream_id(ST_DROP, f, e, bi));
            loss += cs_softmax_ce(out, yb, B, K, dl);
            for (size_t b = 0; b < B; b++) correct += argmax(out + b * K, K) == (size_t)yb[b];
            memset(g, 0, np * sizeof *g);
            cs_net_bwd(net, w, B, net->nlayers - 1, dl, g, 0);
            cs_adam_step(net->params, g, m, v, np, ++step, o->lr, o->b1, o->b2, o->eps);
            if (j->cancel) { rc = CSRO_ECANCELED; goto done; }
        }
        double vloss = 0;
        size_t vcorrect = 0;
        for (size_t s = 0; s < nv; s += vb) {
            size_t B = nv - s < vb ? nv - s : vb;
            for (size_t b = 0; b < B; b++) {
                size_t pat = j->perm[vlo + s + b];
                memcpy(xv + b * isz, j->x + pat * isz, isz * sizeof *xv);
                yv[b] = j->y[pat];
            }
            const float *out = cs_net_fwd(net, wv, B, xv, 0, 0, 0);
            vloss += cs_softmax_ce(out, yv, B, K, NULL);
            for (size_t b = 0; b < B; b++) vcorrect += argmax(out + b * K, K) == (size_t)yv[b];
        }
        size_t at = f * E + e;
        j->rep->tr_loss[at] = loss / (double)naug;
        j->rep->tr_acc[at] = (double)correct / (double)naug;
        j->rep->va_loss[at] = nv ? vloss / (double)nv : NAN;
        j->rep->va_acc[at] = nv ? (double)vcorrect / (double)nv : NAN;
        pthread_mutex_lock(&j->mu);
        j->epochs_done++;
        j->fold_done[f] = e + 1;
        pthread_cond_signal(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    j->models[f] = net;
    net = NULL;
done:
    csro_net_free(net);
    free(items); free(g); free(m); free(v); free(xb); free(dl); free(yb); free(xv); free(yv);
    cs_ws_free(w);
    cs_ws_free(wv);
    return rc;
}

static void train_worker(train_job *j)
{
    for (;;) {
        pthread_mutex_lock(&j->mu);
        int f = j->cancel || j->rc ? j->o->folds : j->next_fold++;
        pthread_mutex_unlock(&j->mu);
        if (f >= j->o->folds) break;
        int rc = train_fold(j, (size_t)f);
        if (rc) {
            pthread_mutex_lock(&j->mu);
            if (!j->rc) j->rc = rc;
            pthread_mutex_unlock(&j->mu);
        }
    }
    pthread_mutex_lock(&j->mu);
    j->running--;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static csro_train_report *report_new(size_t K, size_t folds, size_t epochs)
{
    csro_train_report *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->nclasses = K; r->folds = folds; r->epochs = epochs;
    size_t fe = folds * epochs;
    r->tr_loss = calloc(fe, sizeof(double)); r->tr_acc = calloc(fe, sizeof(double));
    r->va_loss = calloc(fe, sizeof(double)); r->va_acc = calloc(fe, sizeof(double));
    r->conf = calloc(K * K, sizeof *r->conf);
    if (!r->tr_loss || !r->tr_acc || !r->va_loss || !r->va_acc || !r->conf) { csro_train_report_free(r); return NULL; }
    return r;
}

void csro_train_report_free(csro_train_report *r)
{
    if (!r) return;
    free(r->tr_loss); free(r->tr_acc); free(r->va_loss); free(r->va_acc); free(r->conf);
    free(r);
}

typedef struct {
    train_job *j;
    csro_progress_fn progress;
    void *user;
} train_run;

/* Pass the epochs finished since the last call to the epoch callback, in
 * epoch order within each fold (called with j->mu held; unlocks it around
 * the calls). Returns non-zero when the callback asked to stop. */
static int tell_epochs(train_job *j)
{
    const csro_train_opts *o = j->o;
    if (!o->epoch_fn) return 0;
    for (size_t f = 0; f < (size_t)o->folds; f++)
        while (j->fold_told[f] < j->fold_done[f] && !j->cancel) {
            size_t e = j->fold_told[f]++, at = f * (size_t)o->epochs + e;
            const csro_train_report *rep = j->rep;
            pthread_mutex_unlock(&j->mu);
            int stop = o->epoch_fn(f, e, rep->tr_loss[at], rep->tr_acc[at], rep->va_loss[at], rep->va_acc[at],
                                   o->epoch_user);
            pthread_mutex_lock(&j->mu);
            if (stop) return 1;
        }
    return 0;
}

/* Part 0 (the calling thread) reports progress and finished epochs until
 * the fold workers, parts 1.., have finished. */
static void train_part(void *ctx, int part)
{
    train_run *r = ctx;
    train_job *j = r->j;
    if (part) { train_worker(j); return; }
    double total = (double)j->o->folds * j->o->epochs;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        int running = j->running > 0;
        if (running) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000L;
            if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
            pthread_cond_timedwait(&j->cv, &j->mu, &ts);
        }
        if (!j->cancel && !j->rc && tell_epochs(j)) j->cancel = 1;
        if (running && r->progress && !j->cancel) {
            double frac = (double)j->epochs_done / total;
            pthread_mutex_unlock(&j->mu);
            int stop = r->progress(frac, r->user);
            pthread_mutex_lock(&j->mu);
            if (stop) j->cancel = 1;
        }
        if (!running) break;
    }
    pthread_mutex_unlock(&j->mu);
}

/* Run the fold workers; the calling thread reports progress. */
static int run_workers(train_job *j, int threads, csro_progress_fn progress, void *user)
{
    train_run r = {j, progress, user};
    j->running = threads;
    cs_parallel(threads + 1, train_part, &r);
    if (j->cancel) return cs_err(CSRO_ECANCELED, "train: canceled");
    if (j->rc) return cs_err(j->rc, "train: %s", j->rc == CSRO_ENOMEM ? "out of memory" : csro_strerror(j->rc));
    return 0;
}

/* Held-out test of the ensemble mean: confusion matrix. */
static int held_out_test(train_job *j, const csro_ensemble *e, int threads)
{
    size_t nt = j->n - j->ntrain, K = j->K;
    j->rep->ntest = nt;
    if (!nt) return 0;
    float *xt = malloc(nt * j->isz * sizeof *xt), *pm = malloc(nt * K * sizeof *pm);
    if (!xt || !pm) { free(xt); free(pm); return cs_err(CSRO_ENOMEM, "train: out of memory"); }
    for (size_t i = 0; i < nt; i++) memcpy(xt + i * j->isz, j->x + j->perm[j->ntrain + i] * j->isz, j->isz * sizeof *xt);
    int rc = csro_ensemble_predict(e, nt, xt, pm, NULL, threads);
    if (!rc)
        for (size_t i = 0; i < nt; i++)
            j->rep->conf[(size_t)j->y[j->perm[j->ntrain + i]] * K + argmax(pm + i * K, K)]++;
    free(xt);
    free(pm);
    return rc;
}

static void shift_copy(const float *x, float *out, size_t len, size_t ch, int s)
{
    for (size_t l = 0; l < len; l++) {
        ptrdiff_t q = (ptrdiff_t)l + s;
        if (q < 0 || q >= (ptrdiff_t)len) memset(out + l * ch, 0, ch * sizeof *out);
        else memcpy(out + l * ch, x + (size_t)q * ch, ch * sizeof *out);
    }
}

int csro_train(csro_ensemble **out, csro_train_report **report, const csro_net *arch,
               const float *x, const int32_t *y, size_t n, size_t nclasses,
               const csro_train_opts *o, csro_progress_fn progress, void *user)
{
    if (out) *out = NULL;
    if (report) *report = NULL;
    if (!out || !arch || !x || !y || !o) return cs_err(CSRO_EINVAL, "train: NULL argument");
    if (!arch->nlayers || arch->layers[arch->nlayers - 1].type != CSRO_LAYER_SOFTMAX)
        return cs_err(CSRO_EINVAL, "train: the network must end with a softmax layer");
    if (csro_net_output_size(arch) != nclasses)
        return cs_err(CSRO_EMISMATCH, "train: network has %zu outputs for %zu classes", csro_net_output_size(arch), nclasses);
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0 || (size_t)y[i] >= nclasses)
            return cs_err(CSRO_EINVAL, "train: pattern %zu has label %d, not in [0, %zu)", i, (int)y[i], nclasses);
    size_t isz0 = csro_net_input_size(arch);
    for (size_t i = 0; i < n * isz0; i++)
        if (!isfinite(x[i]))
            return cs_err(CSRO_EINVAL, "train: pattern %zu value %zu is not finite", i / isz0, i % isz0);
    size_t ntrain = (size_t)floor((double)n * (1.0 - o->holdout) + 1e-9);
    if (ntrain < (size_t)o->folds)
        return cs_err(CSRO_EINVAL, "train: %zu patterns (%zu after the held-out part) for %d folds", n, ntrain, o->folds);
    size_t isz = csro_net_input_size(arch);
    int threads = o->threads;
    threads = cs_net_threads(threads, (size_t)o->folds);
    if (threads >= CS_THREADS_MAX) threads = CS_THREADS_MAX - 1; /* + the reporting part */

    train_job j;
    memset(&j, 0, sizeof j);
    j.arch = arch; j.x = x; j.y = y; j.n = n; j.isz = isz; j.K = nclasses; j.ntrain = ntrain; j.o = o;
    size_t *perm = malloc(n * sizeof *perm);
    float *aug = o->augment ? malloc(n * isz * sizeof *aug) : NULL;
    j.models = calloc((size_t)o->folds, sizeof *j.models);
    j.rep = report_new(nclasses, (size_t)o->folds, (size_t)o->epochs);
    j.fold_done = calloc((size_t)o->folds, sizeof *j.fold_done);
    j.fold_told = calloc((size_t)o->folds, sizeof *j.fold_told);
    csro_ensemble *e = NULL;
    int rc = 0;
    if (!perm || (o->augment && !aug) || !j.models || !j.rep || !j.fold_done || !j.fold_told) { rc = cs_err(CSRO_ENOMEM, "train: out of memory"); goto done; }
    cs_rng r;
    cs_rng_init(&r, o->seed, stream_id(ST_SPLIT, 0, 0, 0));
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t k = (size_t)cs_rng_below(&r, i), t = perm[i - 1];
        perm[i - 1] = perm[k];
        perm[k] = t;
    }
    if (aug) {
        uint64_t span = (uint64_t)(o->shift_hi - o->shift_lo) + 1;
        for (size_t i = 0; i < n; i++) {
            cs_rng_init(&r, o->seed, stream_id(ST_SHIFT, 0, 0, i)); /* one stream per pattern */
            int s = o->shift_lo + (int)cs_rng_below(&r, span);
            shift_copy(x + i * isz, aug + i * isz, arch->in_len, arch->in_ch, s);
        }
    }
    j.perm = perm; j.aug = aug;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    rc = run_workers(&j, threads, progress, user);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (rc) goto done;
    if ((rc = csro_ensemble_new(&e, nclasses))) goto done;
    for (int f = 0; f < o->folds && !rc; f++) rc = csro_ensemble_add(e, j.models[f]);
    if (!rc) rc = held_out_test(&j, e, threads);
    if (!rc && progress && progress(1.0, user)) rc = cs_err(CSRO_ECANCELED, "train: canceled");
done:
    if (j.models) for (int f = 0; f < o->folds; f++) csro_net_free(j.models[f]);
    free(j.models); free(perm); free(aug); free(j.fold_done); free(j.fold_told);
    if (rc) { csro_ensemble_free(e); csro_train_report_free(j.rep); return rc; }
    *out = e;
    if (report) *report = j.rep;
    else csro_train_report_free(j.rep);
    return 0;
}

/* ---- report ---- */
size_t csro_train_report_nclasses(const csro_train_report *r) { return r ? r->nclasses : 0; }

int csro_train_report_confusion(const csro_train_report *r, uint64_t *m)
{
    if (!r || !m) return cs_err(CSRO_EINVAL, "train_report_confusion: NULL argument");
    memcpy(m, r->conf, r->nclasses * r->nclasses * sizeof *m);
    return 0;
}

double csro_train_report_accuracy(const csro_train_report *r)
{
    if (!r || !r->ntest) return NAN;
    uint64_t ok = 0;
    for (size_t k = 0; k < r->nclasses; k++) ok += r->conf[k * r->nclasses + k];
    return (double)ok / (double)r->ntest;
}

int csro_train_report_prf(const csro_train_report *r, double *precision, double *recall, double *f1)
{
    if (!r) return cs_err(CSRO_EINVAL, "train_report_prf: NULL report");
    size_t K = r->nclasses;
    for (size_t k = 0; k < K; k++) {
        uint64_t tp = r->conf[k * K + k], col = 0, row = 0;
        for (size_t q = 0; q < K; q++) { col += r->conf[q * K + k]; row += r->conf[k * K + q]; }
        /* sklearn's zero_division=0 convention */
        double p = col ? (double)tp / (double)col : 0, rc = row ? (double)tp / (double)row : 0;
        if (precision) precision[k] = p;
        if (recall) recall[k] = rc;
        if (f1) f1[k] = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
    }
    return 0;
}

int csro_train_report_write_log(const csro_train_report *r, const char *path)
{
    if (!r || !path) return cs_err(CSRO_EINVAL, "train_report_write_log: NULL argument");
    cs_out *o;
    int rc = cs_out_open(&o, path);
    if (rc) return rc;
    FILE *fp = cs_out_fp(o);
    fprintf(fp, "fold\tepoch\ttrain_loss\ttrain_accuracy\tval_loss\tval_accuracy\n");
    for (size_t f = 0; f < r->folds; f++)
        for (size_t e = 0; e < r->epochs; e++) {
            size_t i = f * r->epochs + e;
            fprintf(fp, "%zu\t%zu\t%.6f\t%.6f\t%.6f\t%.6f\n", f, e + 1, r->tr_loss[i], r->tr_acc[i],
                    r->va_loss[i], r->va_acc[i]);
        }
    return cs_out_commit(o);
}

int csro_train_report_epoch(const csro_train_report *r, size_t fold, size_t epoch, double *train_loss,
                            double *train_accuracy, double *val_loss, double *val_accuracy)
{
    if (!r) return cs_err(CSRO_EINVAL, "train_report_epoch: NULL report");
    if (fold >= r->folds || epoch >= r->epochs)
        return cs_err(CSRO_EINVAL, "train_report_epoch: fold %zu, epoch %zu out of range (%zu folds, %zu epochs)",
                      fold, epoch, r->folds, r->epochs);
    size_t i = fold * r->epochs + epoch;
    if (train_loss) *train_loss = r->tr_loss[i];
    if (train_accuracy) *train_accuracy = r->tr_acc[i];
    if (val_loss) *val_loss = r->va_loss[i];
    if (val_accuracy) *val_accuracy = r->va_acc[i];
    return 0;
}
