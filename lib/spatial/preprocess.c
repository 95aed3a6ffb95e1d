/* preprocess.c: min-max normalisation, Moody background removal and the
 * ML-APT experimental preprocessing pipeline (see csro/preprocess.h). */
#include "base/internal.h"
#include "base/threads_impl.h"
#include "preprocess_impl.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

static const csro_preprocess_opts ref_opts = {15, 8, 1001};

csro_preprocess_opts *csro_preprocess_opts_new(void)
{
    csro_preprocess_opts *o = malloc(sizeof *o);
    if (o) *o = ref_opts;
    else cs_err(CSRO_ENOMEM, "preprocess: out of memory");
    return o;
}

void csro_preprocess_opts_free(csro_preprocess_opts *o) { free(o); }

int csro_preprocess_opts_set_savgol(csro_preprocess_opts *o, int window, int order)
{
    if (window < 3 || window % 2 == 0)
        return cs_err(CSRO_EINVAL, "preprocess: Savitzky-Golay window %d must be odd and >= 3", window);
    if (order < 0 || order >= window)
        return cs_err(CSRO_EINVAL, "preprocess: Savitzky-Golay order %d must be in [0, %d)", order, window);
    o->window = window;
    o->order = order;
    return 0;
}

int csro_preprocess_opts_set_moody_passes(csro_preprocess_opts *o, int passes)
{
    if (passes < 1) return cs_err(CSRO_EINVAL, "preprocess: Moody passes %d must be >= 1", passes);
    o->passes = passes;
    return 0;
}

/* Min-max normalise in double; 1 if there is no data (constant or not finite). */
static int minmax_d(const double *in, double *out, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(in[i])) { lo = hi = NAN; break; }
        if (in[i] < lo) lo = in[i];
        if (in[i] > hi) hi = in[i];
    }
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span)) {
        for (size_t i = 0; i < n; i++) out[i] = 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++) out[i] = (in[i] - lo) / span;
    return 0;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(CSRO_NO_CLONES)
#  define MINMAX_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define MINMAX_CLONES
#endif

/* out = (in - lo) / d in double, rounded to float; 4 at a time (the same
 * correctly rounded operations as the scalar loop, so the same bits). */
MINMAX_CLONES
static void minmax_scale(const float *in, float *out, size_t n, double lo, double d)
{
    typedef float v4f __attribute__((vector_size(16)));
    typedef double v4d __attribute__((vector_size(32)));
    size_t i = 0;
    const v4d vlo = {lo, lo, lo, lo}, vd = {d, d, d, d};
    for (; i + 4 <= n; i += 4) {
        v4f f;
        memcpy(&f, in + i, sizeof f);
        v4f r = __builtin_convertvector((__builtin_convertvector(f, v4d) - vlo) / vd, v4f);
        memcpy(out + i, &r, sizeof r);
    }
    for (; i < n; i++) out[i] = (float)(((double)in[i] - lo) / d);
}

int csro_preprocess_minmax(const float *in, float *out, size_t n, int *nodata)
{
    float lo = INFINITY, hi = -INFINITY;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= !isfinite(in[i]);
        lo = in[i] < lo ? in[i] : lo;
        hi = in[i] > hi ? in[i] : hi;
    }
    bad = bad || !n || !(hi > lo);
    if (nodata) *nodata = bad;
    if (bad) memset(out, 0, n * sizeof *out);
    else minmax_scale(in, out, n, lo, (double)hi - lo);
    return 0;
}

/* The Moody loop; see csro/preprocess.h rule 3. */
static int moody(const double *s, double *b, size_t n, int max_passes)
{
    size_t lm = 0;
    for (size_t i = n / 2 + 1; i + 1 < n; i++)
        if (s[i] < s[i - 1] && s[i] < s[i + 1]) { lm = i; break; }
    const size_t lo = n / 4, hi = 3 * n / 4;
    if (!lm || lo >= hi) {
        for (size_t i = 0; i < n; i++) b[i] = 0;
        return 0;
    }
    const double thr = s[lm];
    memcpy(b, s, n * sizeof *b);
    int passes = 0;
    for (;;) {
        double mx = b[lo];
        for (size_t i = lo + 1; i < hi; i++)
            if (b[i] > mx) mx = b[i];
        if (!(mx > thr)) break;
        if (passes == 0) {
            /* first pass: reads the unmodified curve s, writes b (whose
             * end points are the curve's own) */
            for (size_t m = 1; m + 1 < n; m++) {
                double avg = (s[m - 1] + s[m + 1]) / 2;
                b[m] = avg < s[m] ? avg : s[m];
            }
        } else {
            for (size_t m = 1; m + 1 < n; m++) {
                double avg = (b[m - 1] + b[m + 1]) / 2;
                if (avg < b[m]) b[m] = avg;
            }
        }
        if (++passes >= max_passes) break;
    }
    return passes;
}

int csro_preprocess_moody(const csro_preprocess_opts *o, const double *smoothed,
                          double *bg, size_t n, int *passes)
{
    if (passes) *passes = 0;
    if (n < 3) return cs_err(CSRO_EINVAL, "preprocess: Moody background needs >= 3 values, got %zu", n);
    int p = moody(smoothed, bg, n, (o ? o : &ref_opts)->passes);
    if (passes) *passes = p;
    return 0;
}

/* One profile through rules 1-4; work holds 3n doubles. */
static int experimental(const csro_preprocess_opts *o, const double *P, const float *in, float *out,
                        size_t n, double *work)
{
    double *y = work, *s = work + n, *b = work + 2 * n;
    for (size_t i = 0; i < n; i++) y[i] = in[i];
    int nodata = minmax_d(y, y, n);
    if (!nodata) {
        cs_savgol_apply(P, o->window, y, s, n);
        moody(s, b, n, o->passes);
        for (size_t i = 0; i < n; i++) y[i] = s[i] - b[i];
        nodata = minmax_d(y, y, n);
    }
    for (size_t i = 0; i < n; i++) out[i] = (float)y[i];
    return nodata;
}

typedef struct {
    const csro_preprocess_opts *o;
    const double *P;
    int state;
    const float *in;
    float *out;
    size_t nrows, nbins, next_block;
    uint32_t *flags;
    int *nodata;
    pthread_mutex_t lock;
    int rc;
} job;

#define BLOCK 64 /* rows per work item */

/* cs_parallel part: every part takes blocks until none is left */
static void worker(void *arg, int part)
{
    (void)part;
    job *j = arg;
    double *work = malloc(3 * j->nbins * sizeof *work);
    if (!work) {
        pthread_mutex_lock(&j->lock);
        j->rc = CSRO_ENOMEM;
        pthread_mutex_unlock(&j->lock);
        return;
    }
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t b = j->next_block++;
        int stop = j->rc;
        pthread_mutex_unlock(&j->lock);
        if (stop || b * BLOCK >= j->nrows) break;
        size_t end = (b + 1) * BLOCK < j->nrows ? (b + 1) * BLOCK : j->nrows;
        for (size_t r = b * BLOCK; r < end; r++) {
            const float *x = j->in + r * j->nbins;
            float *y = j->out + r * j->nbins;
            int nd;
            if (j->state == CSRO_PRE_MINMAX) csro_preprocess_minmax(x, y, j->nbins, &nd);
            else nd = experimental(j->o, j->P, x, y, j->nbins, work);
            if (j->flags) j->flags[r] = nd ? (j->flags[r] | CSRO_ROW_NODATA) : (j->flags[r] & ~(uint32_t)CSRO_ROW_NODATA);
            if (j->nodata) j->nodata[r] = nd;
        }
    }
    free(work);
}

/* Shared by csro_preprocess_rows and csro_preprocess_experimental. */
static int run_rows(const csro_preprocess_opts *o, int state, const float *in, float *out,
                    size_t nrows, size_t nbins, uint32_t *flags, int *nodata, int threads)
{
    if (!o) o = &ref_opts;
    if (state != CSRO_PRE_MINMAX && state != CSRO_PRE_EXPERIMENTAL)
        return cs_err(CSRO_EINVAL, "preprocess: state %d is not min-max (%d) or experimental (%d)", state,
                      CSRO_PRE_MINMAX, CSRO_PRE_EXPERIMENTAL);
    if (state == CSRO_PRE_EXPERIMENTAL && nbins < (size_t)o->window)
        return cs_err(CSRO_EINVAL, "preprocess: %zu bins are fewer than the Savitzky-Golay window %d", nbins, o->window);
    if (!nrows || !nbins) return 0;
    double *P = NULL;
    if (state == CSRO_PRE_EXPERIMENTAL) {
        P = malloc(sizeof *P * (size_t)o->window * (size_t)o->window);
        if (!P) return cs_err(CSRO_ENOMEM, "preprocess: out of memory");
        int rc = cs_savgol_proj(o->window, o->order, P);
        if (rc) { free(P); return rc; }
    }
    job j = {o, P, state, in, out, nrows, nbins, 0, flags, nodata, PTHREAD_MUTEX_INITIALIZER, 0};
    cs_parallel(cs_threads(threads < 0 ? 0 : threads, (nrows + BLOCK - 1) / BLOCK), worker, &j);
    free(P);
    pthread_mutex_destroy(&j.lock);
    if (j.rc) return cs_err(j.rc, "preprocess: out of memory");
    return 0;
}

int csro_preprocess_rows(const csro_preprocess_opts *o, int state, const float *in,
                         float *out, size_t nrows, size_t nbins, uint32_t *flags, int threads)
{
    return run_rows(o, state, in, out, nrows, nbins, flags, NULL, threads);
}

int csro_preprocess_experimental(const float *in, float *out, size_t nbins, int *nodata)
{
    int nd = 0;
    int rc = run_rows(NULL, CSRO_PRE_EXPERIMENTAL, in, out, 1, nbins, NULL, &nd, 1);
    if (nodata) *nodata = rc ? 0 : nd;
    return rc;
}
