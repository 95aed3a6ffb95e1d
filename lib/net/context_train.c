/* context_train.c: training of the context stage (csro/context.h):
 * options, sub-cell truth, training sets, standardisation + csro_train. */
#include "context_impl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

csro_context_opts *csro_context_opts_new(void)
{
    csro_context_opts *o = calloc(1, sizeof *o);
    if (!o) { cs_err(CSRO_ENOMEM, "context: out of memory"); return NULL; }
    o->h = 4; o->use_std = 1;
    o->nhidden = 2; o->hidden[0] = 32; o->hidden[1] = 16;
    o->dropout = 0.1; o->lr = 2e-3; o->holdout = 0.1; o->sample = 1;
    o->members = 3; o->epochs = 12; o->batch = 64; o->threads = 0; o->seed = 1;
    return o;
}

void csro_context_opts_free(csro_context_opts *o) { free(o); }

#define OPT_CHECK(cond, ...) do { if (!o) return cs_err(CSRO_EINVAL, "context opts: NULL"); \
                                  if (!(cond)) return cs_err(CSRO_EINVAL, __VA_ARGS__); } while (0)

int csro_context_opts_set_halfwidth(csro_context_opts *o, int h)
{
    OPT_CHECK(h >= 1 && h <= 8, "context: half-width %d outside 1..8", h);
    o->h = h;
    return 0;
}
int csro_context_opts_set_use_std(csro_context_opts *o, int use)
{
    OPT_CHECK(1, "context opts");
    o->use_std = use != 0;
    return 0;
}
int csro_context_opts_set_hidden(csro_context_opts *o, size_t n, const size_t *units)
{
    OPT_CHECK(n <= CS_CTX_MAX_HIDDEN && (!n || units), "context: up to %d hidden layers", CS_CTX_MAX_HIDDEN);
    for (size_t i = 0; i < n; i++)
        if (units[i] < 1 || units[i] > 1024) return cs_err(CSRO_EINVAL, "context: hidden size %zu outside 1..1024", units[i]);
    o->nhidden = n;
    for (size_t i = 0; i < n; i++) o->hidden[i] = units[i];
    return 0;
}
int csro_context_opts_set_dropout(csro_context_opts *o, double rate)
{
    OPT_CHECK(rate >= 0 && rate < 1, "context: dropout %g outside [0, 1)", rate);
    o->dropout = rate;
    return 0;
}
int csro_context_opts_set_members(csro_context_opts *o, int k)
{
    OPT_CHECK(k >= 2 && k <= 16, "context: members %d outside 2..16", k);
    o->members = k;
    return 0;
}
int csro_context_opts_set_epochs(csro_context_opts *o, int epochs)
{
    OPT_CHECK(epochs >= 1 && epochs <= 10000, "context: epochs %d outside 1..10000", epochs);
    o->epochs = epochs;
    return 0;
}
int csro_context_opts_set_batch(csro_context_opts *o, int batch)
{
    OPT_CHECK(batch >= 1 && batch <= 65536, "context: batch %d outside 1..65536", batch);
    o->batch = batch;
    return 0;
}
int csro_context_opts_set_lr(csro_context_opts *o, double lr)
{
    OPT_CHECK(lr > 0 && lr < 1, "context: learning rate %g outside (0, 1)", lr);
    o->lr = lr;
    return 0;
}
int csro_context_opts_set_holdout(csro_context_opts *o, double fraction)
{
    OPT_CHECK(fraction >= 0 && fraction < 1, "context: held-out fraction %g outside [0, 1)", fraction);
    o->holdout = fraction;
    return 0;
}
int csro_context_opts_set_sample(csro_context_opts *o, double fraction)
{
    OPT_CHECK(fraction > 0 && fraction <= 1, "context: sampling fraction %g outside (0, 1]", fraction);
    o->sample = fraction;
    return 0;
}
int csro_context_opts_set_seed(csro_context_opts *o, uint64_t seed)
{
    OPT_CHECK(1, "context opts");
    o->seed = seed;
    return 0;
}
int csro_context_opts_set_threads(csro_context_opts *o, int threads)
{
    OPT_CHECK(threads >= 0, "context: threads %d < 0", threads);
    o->threads = threads;
    return 0;
}

int csro_context_truth(int8_t *label, size_t n, const csro_grid *g, const float *x, const float *y,
                       const float *z, const uint8_t *truth, size_t nions)
{
    if (!g || (n && !label) || (nions && (!x || !y || !z || !truth)))
        return cs_err(CSRO_EINVAL, "context_truth: NULL argument");
    if (n != csro_context_subcells(g) || !n)
        return cs_err(CSRO_EMISMATCH, "context_truth: %zu labels for a grid of %zu sub-cells", n,
                      csro_context_subcells(g));
    int r = cs_ctx_ratio(g);
    size_t vd[3], d[3];
    double lo[3], sp = csro_grid_stride(g);
    csro_grid_dims(g, vd);
    csro_grid_lo(g, lo);
    for (int a = 0; a < 3; a++) d[a] = vd[a] + (size_t)r - 1;
    uint32_t *tot = calloc(n, sizeof *tot), *pos = calloc(n, sizeof *pos);
    if (!tot || !pos) { free(tot); free(pos); return cs_err(CSRO_ENOMEM, "context_truth: out of memory"); }
    for (size_t i = 0; i < nions; i++) {
        double q[3] = {x[i], y[i], z[i]};
        size_t ix[3];
        int in = 1;
        for (int k = 0; k < 3 && in; k++) {
            double f = floor((q[k] - lo[k]) / sp);
            if (!(f >= 0 && f < (double)d[k])) in = 0;
            else ix[k] = (size_t)f;
        }
        if (!in) continue;
        size_t c = (ix[2] * d[1] + ix[1]) * d[0] + ix[0];
        tot[c]++;
        pos[c] += truth[i] != 0;
    }
    for (size_t c = 0; c < n; c++) label[c] = (int8_t)(!tot[c] ? -1 : 2 * pos[c] >= tot[c]);
    free(tot);
    free(pos);
    return 0;
}

struct csro_context_data {
    cs_ctx_feat f;
    size_t nf;
    double sample;
    uint64_t seed, nadded;
    size_t n, cap, npos;
    float *x;
    int32_t *y;
};

int csro_context_data_new(csro_context_data **out, const csro_context_opts *o)
{
    if (!out || !o) return cs_err(CSRO_EINVAL, "context_data_new: NULL argument");
    *out = NULL;
    csro_context_data *d = calloc(1, sizeof *d);
    if (!d) return cs_err(CSRO_ENOMEM, "context: out of memory");
    d->f.h = o->h;
    d->f.use_std = o->use_std;
    d->sample = o->sample;
    d->seed = o->seed;
    *out = d;
    return 0;
}

void csro_context_data_free(csro_context_data *d)
{
    if (!d) return;
    free(d->x);
    free(d->y);
    free(d);
}

size_t csro_context_data_count(const csro_context_data *d) { return d ? d->n : 0; }
size_t csro_context_data_positives(const csro_context_data *d) { return d ? d->npos : 0; }

int csro_context_data_add(csro_context_data *d, const csro_grid *g, const float *mean,
                          const float *std, const int8_t *label, size_t n)
{
    if (!d || !g || !mean || !label) return cs_err(CSRO_EINVAL, "context_data_add: NULL argument");
    int r = cs_ctx_ratio(g);
    if (!r) return cs_err(CSRO_EINVAL, "context_data_add: voxel/stride is not an integer");
    if (d->f.voxel > 0) {
        if (fabs(csro_grid_voxel(g) - d->f.voxel) > 1e-6 * d->f.voxel ||
            fabs(csro_grid_stride(g) - d->f.stride) > 1e-6 * d->f.stride)
            return cs_err(CSRO_EMISMATCH, "context_data_add: grid voxel %g / stride %g nm differs from the first "
                          "specimen's %g / %g nm", csro_grid_voxel(g), csro_grid_stride(g), d->f.voxel, d->f.stride);
    }
    cs_ctx_feat f = d->f;
    f.r = r;
    size_t nf = cs_ctx_nfeat(&f);
    float *feat = malloc((n ? n : 1) * nf * sizeof *feat);
    if (!feat) return cs_err(CSRO_ENOMEM, "context_data_add: out of memory for %zu sub-cells", n);
    int rc = cs_ctx_features(&f, g, mean, std, feat, n, 0);
    if (rc) { free(feat); return rc; }
    cs_rng rng;
    cs_rng_init(&rng, d->seed, 0x6374780000000000ull + d->nadded);
    size_t keep = 0;
    for (size_t c = 0; c < n; c++) {
        if (label[c] < 0 || isnan(feat[c * nf])) continue;
        if (d->sample < 1 && !(cs_rng_uniform(&rng) < d->sample)) continue;
        keep++;
    }
    if (d->n + keep > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->n + keep) cap *= 2;
        float *nx = realloc(d->x, cap * nf * sizeof *nx);
        if (nx) d->x = nx;
        int32_t *ny = nx ? realloc(d->y, cap * sizeof *ny) : NULL;
        if (ny) d->y = ny;
        if (!nx || !ny) { free(feat); return cs_err(CSRO_ENOMEM, "context_data_add: out of memory"); }
        d->cap = cap;
    }
    cs_rng_init(&rng, d->seed, 0x6374780000000000ull + d->nadded);
    for (size_t c = 0; c < n; c++) {
        if (label[c] < 0 || isnan(feat[c * nf])) continue;
        if (d->sample < 1 && !(cs_rng_uniform(&rng) < d->sample)) continue;
        memcpy(d->x + d->n * nf, feat + c * nf, nf * sizeof *feat);
        d->y[d->n++] = label[c] > 0;
        d->npos += label[c] > 0;
    }
    free(feat);
    if (d->f.voxel <= 0) { d->f.voxel = csro_grid_voxel(g); d->f.stride = csro_grid_stride(g); d->f.r = r; }
    d->nf = nf;
    d->nadded++;
    return 0;
}

int csro_context_train(csro_context **out, csro_train_report **report, const csro_context_data *d,
                       const csro_context_opts *o, csro_progress_fn progress, void *user)
{
    if (!out || !d || !o) return cs_err(CSRO_EINVAL, "context_train: NULL argument");
    *out = NULL;
    if (report) *report = NULL;
    if (d->n < 2 || !d->npos || d->npos == d->n)
        return cs_err(CSRO_EINVAL, "context_train: %zu samples (%zu CSRO): both classes are needed", d->n, d->npos);
    size_t nf = d->nf, n = d->n;
    csro_context *c = calloc(1, sizeof *c);
    float *xs = malloc(n * nf * sizeof *xs);
    csro_net *arch = NULL;
    csro_train_opts *to = csro_train_opts_new();
    int rc = 0;
    if (!c || !xs || !to) { rc = cs_err(CSRO_ENOMEM, "context_train: out of memory"); goto done; }
    c->f = d->f;
    c->nfeat = nf;
    c->nhidden = o->nhidden;
    memcpy(c->hidden, o->hidden, sizeof c->hidden);
    c->mu = malloc(nf * sizeof *c->mu);
    c->sc = malloc(nf * sizeof *c->sc);
    if (!c->mu || !c->sc) { rc = cs_err(CSRO_ENOMEM, "context_train: out of memory"); goto done; }
    for (size_t t = 0; t < nf; t++) {
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) s1 += d->x[i * nf + t];
        double mu = s1 / (double)n;
        for (size_t i = 0; i < n; i++) {
            double e = d->x[i * nf + t] - mu;
            s2 += e * e;
        }
        double sd = sqrt(s2 / (double)n);
        c->mu[t] = (float)mu;
        c->sc[t] = (float)(sd > 1e-6 ? 1.0 / sd : 1.0);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < nf; t++) xs[i * nf + t] = (d->x[i * nf + t] - c->mu[t]) * c->sc[t];
    if ((rc = cs_ctx_arch(&arch, nf, o->nhidden, o->hidden, o->dropout))) goto done;
    if ((rc = csro_net_init(arch, o->seed))) goto done;
    if ((rc = csro_train_opts_set_epochs(to, o->epochs)) || (rc = csro_train_opts_set_batch(to, o->batch)) ||
        (rc = csro_train_opts_set_adam(to, o->lr, 0.9, 0.999, 1e-7)) ||
        (rc = csro_train_opts_set_folds(to, o->members)) || (rc = csro_train_opts_set_holdout(to, o->holdout)) ||
        (rc = csro_train_opts_set_shift(to, 0, 0, 0)) || (rc = csro_train_opts_set_seed(to, o->seed)) ||
        (rc = csro_train_opts_set_threads(to, o->threads)))
        goto done;
    csro_ensemble *e = NULL;
    if ((rc = csro_train(&e, report, arch, xs, d->y, n, 2, to, progress, user))) goto done;
    /* rebuild members without dropout layers (same parameter layout) */
    csro_net *inf = NULL;
    if ((rc = cs_ctx_arch(&inf, nf, o->nhidden, o->hidden, 0)) || (rc = csro_ensemble_new(&c->ens, 2))) {
        csro_net_free(inf);
        csro_ensemble_free(e);
        goto done;
    }
    for (size_t m = 0; m < csro_ensemble_size(e) && !rc; m++) {
        const csro_net *src = csro_ensemble_member(e, m);
        if (csro_net_nparams((csro_net *)src) != csro_net_nparams(inf)) {
            rc = cs_err(CSRO_EINVAL, "context_train: parameter layouts differ");
            break;
        }
        memcpy(csro_net_params(inf), csro_net_params((csro_net *)src), csro_net_nparams(inf) * sizeof(float));
        rc = csro_ensemble_add(c->ens, inf);
    }
    csro_net_free(inf);
    csro_ensemble_free(e);
done:
    free(xs);
    csro_net_free(arch);
    csro_train_opts_free(to);
    if (rc) {
        csro_context_free(c);
        if (report && *report) { csro_train_report_free(*report); *report = NULL; }
        return rc;
    }
    *out = c;
    return 0;
}
