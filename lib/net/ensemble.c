/* ensemble.c: k-member ensembles (class names, provenance texts) and their
 * batched, multi-threaded prediction (mean and standard deviation of the
 * members' outputs). Contract: ensemble_contract.c; files: ensemble_io.c. */
#include "net_impl.h"
#include "base/threads_impl.h"
#include <math.h>
#include <stdlib.h>

int csro_ensemble_new(csro_ensemble **out, size_t nclasses)
{
    *out = NULL;
    if (nclasses < 1) return cs_err(CSRO_EINVAL, "ensemble: needs at least one class");
    csro_ensemble *e = calloc(1, sizeof *e);
    if (!e || !(e->classes = calloc(nclasses, sizeof *e->classes))) {
        free(e);
        return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
    }
    e->nclasses = nclasses;
    *out = e;
    return 0;
}

void csro_ensemble_free(csro_ensemble *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->nclasses; i++) free(e->classes[i]);
    free(e->classes);
    for (size_t i = 0; i < e->n; i++) csro_net_free(e->members[i]);
    free(e->members);
    cs_ens_contract_free(e->contract);
    for (size_t i = 0; i < e->ntext; i++) { free(e->keys[i]); free(e->vals[i]); }
    free(e->keys);
    free(e->vals);
    free(e);
}

int csro_ensemble_keep(csro_ensemble *e, size_t n)
{
    if (!e) return cs_err(CSRO_EINVAL, "ensemble: NULL ensemble");
    if (n < 1 || n > e->n) return cs_err(CSRO_EINVAL, "ensemble: cannot keep %zu of %zu members", n, e->n);
    for (size_t i = n; i < e->n; i++) csro_net_free(e->members[i]);
    e->n = n;
    return 0;
}

int csro_ensemble_add(csro_ensemble *e, const csro_net *n)
{
    if (!e || !n) return cs_err(CSRO_EINVAL, "ensemble_add: NULL argument");
    if (!n->nlayers) return cs_err(CSRO_EINVAL, "ensemble_add: network has no layers");
    if (csro_net_output_size(n) != e->nclasses)
        return cs_err(CSRO_EMISMATCH, "ensemble_add: network has %zu outputs, the ensemble %zu classes",
                      csro_net_output_size(n), e->nclasses);
    if (e->n && csro_net_input_size(n) != csro_net_input_size(e->members[0]))
        return cs_err(CSRO_EMISMATCH, "ensemble_add: network takes %zu inputs, member 0 takes %zu",
                      csro_net_input_size(n), csro_net_input_size(e->members[0]));
    if (e->n == e->cap) {
        size_t c = e->cap ? 2 * e->cap : 8;
        csro_net **p = realloc(e->members, c * sizeof *p);
        if (!p) return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
        e->members = p;
        e->cap = c;
    }
    csro_net *c = csro_net_clone(n);
    if (!c) return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
    e->members[e->n++] = c;
    return 0;
}

size_t csro_ensemble_size(const csro_ensemble *e) { return e ? e->n : 0; }

const csro_net *csro_ensemble_member(const csro_ensemble *e, size_t i)
{
    return e && i < e->n ? e->members[i] : NULL;
}

size_t csro_ensemble_nclasses(const csro_ensemble *e) { return e ? e->nclasses : 0; }

int csro_ensemble_set_class(csro_ensemble *e, size_t i, const char *name)
{
    if (!e || !name) return cs_err(CSRO_EINVAL, "ensemble_set_class: NULL argument");
    if (i >= e->nclasses) return cs_err(CSRO_EINVAL, "ensemble_set_class: class %zu of %zu", i, e->nclasses);
    char *s = strdup(name);
    if (!s) return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
    free(e->classes[i]);
    e->classes[i] = s;
    return 0;
}

const char *csro_ensemble_class(const csro_ensemble *e, size_t i)
{
    return e && i < e->nclasses ? e->classes[i] : NULL;
}

int csro_ensemble_set_text(csro_ensemble *e, const char *key, const char *value)
{
    if (!e || !key || !value) return cs_err(CSRO_EINVAL, "ensemble_set_text: NULL argument");
    char *v = strdup(value);
    if (!v) return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
    for (size_t i = 0; i < e->ntext; i++)
        if (!strcmp(e->keys[i], key)) { free(e->vals[i]); e->vals[i] = v; return 0; }
    char *k = strdup(key);
    char **nk = realloc(e->keys, (e->ntext + 1) * sizeof *nk);
    if (nk) e->keys = nk;
    char **nv = realloc(e->vals, (e->ntext + 1) * sizeof *nv);
    if (nv) e->vals = nv;
    if (!k || !nk || !nv) { free(k); free(v); return cs_err(CSRO_ENOMEM, "ensemble: out of memory"); }
    e->keys[e->ntext] = k;
    e->vals[e->ntext++] = v;
    return 0;
}

const char *csro_ensemble_text(const csro_ensemble *e, const char *key)
{
    if (!e || !key) return NULL;
    for (size_t i = 0; i < e->ntext; i++)
        if (!strcmp(e->keys[i], key)) return e->vals[i];
    return NULL;
}

/* ---- prediction ---- */
#define CS_PRED_CHUNK 256

typedef struct {
    const csro_ensemble *e;
    size_t n, nchunks, isz, K;
    const float *in;
    float *mean, *std;
    int nthreads, tid, rc;
} pred_job;

/* cs_parallel part t: chunks t, t + nthreads, ... */
static void pred_run(void *arg, int t)
{
    pred_job *j = (pred_job *)arg + t;
    const csro_ensemble *e = j->e;
    size_t K = j->K, m = e->n;
    size_t chunk = j->n < CS_PRED_CHUNK ? j->n : CS_PRED_CHUNK;
    cs_ws **ws = calloc(m, sizeof *ws);
    double *s1 = malloc(chunk * K * sizeof *s1), *s2 = malloc(chunk * K * sizeof *s2);
    int ok = ws && s1 && s2;
    for (size_t i = 0; ok && i < m; i++) ok = (ws[i] = cs_ws_new(e->members[i], chunk, 0)) != NULL;
    if (!ok) { j->rc = CSRO_ENOMEM; goto done; }
    for (size_t c = (size_t)j->tid; c < j->nchunks; c += (size_t)j->nthreads) {
        size_t s = c * chunk, B = j->n - s < chunk ? j->n - s : chunk;
        memset(s1, 0, B * K * sizeof *s1);
        memset(s2, 0, B * K * sizeof *s2);
        for (size_t i = 0; i < m; i++) {
            const float *y = cs_net_fwd(e->members[i], ws[i], B, j->in + s * j->isz, 0, 0, 0);
            for (size_t k = 0; k < B * K; k++) { s1[k] += y[k]; s2[k] += (double)y[k] * y[k]; }
        }
        for (size_t k = 0; k < B * K; k++) {
            double mu = s1[k] / (double)m;
            j->mean[s * K + k] = (float)mu;
            if (j->std) {
                double var = s2[k] / (double)m - mu * mu;
                j->std[s * K + k] = (float)sqrt(var > 0 ? var : 0);
            }
        }
    }
done:
    if (ws) for (size_t i = 0; i < m; i++) cs_ws_free(ws[i]);
    free(ws); free(s1); free(s2);
}

int csro_ensemble_predict(const csro_ensemble *e, size_t n, const float *in,
                          float *mean, float *std, int threads)
{
    if (!e || (n && (!in || !mean))) return cs_err(CSRO_EINVAL, "ensemble_predict: NULL argument");
    if (!e->n) return cs_err(CSRO_EINVAL, "ensemble_predict: the ensemble has no members");
    if (!n) return 0;
    if (threads < 0) return cs_err(CSRO_EINVAL, "ensemble_predict: threads %d < 0", threads);
    size_t chunk = n < CS_PRED_CHUNK ? n : CS_PRED_CHUNK;
    size_t nchunks = (n + chunk - 1) / chunk;
    threads = cs_net_threads(threads, nchunks);
    pred_job *jobs = calloc((size_t)threads, sizeof *jobs);
    if (!jobs) return cs_err(CSRO_ENOMEM, "ensemble_predict: out of memory");
    for (int t = 0; t < threads; t++)
        jobs[t] = (pred_job){ e, n, nchunks, csro_net_input_size(e->members[0]), e->nclasses,
                              in, mean, std, threads, t, 0 };
    cs_parallel(threads, pred_run, jobs);
    int rc = 0;
    for (int t = 0; t < threads; t++) if (jobs[t].rc) rc = jobs[t].rc;
    free(jobs);
    if (rc) return cs_err(rc, "ensemble_predict: out of memory");
    return 0;
}
