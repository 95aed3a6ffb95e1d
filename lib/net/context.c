/* context.c: the learned 3D context stage (csro/context.h): symmetric
 * neighbourhood features of the first-stage voxel field, the MLP ensemble
 * forward pass and the one-line text form. Training: context_train.c. */
#include "context_impl.h"
#include "net_impl.h"
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTX_BLOCK 16384 /* sub-cells per apply block (fixed: results do not depend on threads) */

int cs_ctx_ratio(const csro_grid *g)
{
    double q = csro_grid_voxel(g) / csro_grid_stride(g), rr = floor(q + 0.5);
    if (rr < 1 || rr > 64 || fabs(q - rr) > 1e-6 * rr) return 0;
    return (int)rr;
}

size_t csro_context_subcells(const csro_grid *g)
{
    if (!g) return 0;
    int r = cs_ctx_ratio(g);
    if (!r) return 0;
    size_t d[3];
    csro_grid_dims(g, d);
    return (d[0] + (size_t)r - 1) * (d[1] + (size_t)r - 1) * (d[2] + (size_t)r - 1);
}

/* Window along one axis: offsets a = K - k of the voxels whose centre lies
 * within h - 1/2 strides of the sub-cell centre; their level (distance
 * class 0..h-1) and side (-1, 0, +1). */
typedef struct {
    int w, a0;         /* w offsets a0 .. a0 + w - 1 */
    int lev[32], side[32];
} axis_win;

static void axis_window(axis_win *A, int r, int h)
{
    /* centre offset in strides: o = a + (r - 1)/2 */
    if (r % 2 == 0) { A->w = 2 * h; A->a0 = -h - r / 2 + 1; }
    else { A->w = 2 * h - 1; A->a0 = -(h - 1) - (r - 1) / 2; }
    for (int t = 0; t < A->w; t++) {
        int a = A->a0 + t;
        int o2 = 2 * a + r - 1; /* 2 o */
        int ao2 = o2 < 0 ? -o2 : o2;
        A->lev[t] = r % 2 == 0 ? (ao2 - 1) / 2 : ao2 / 2;
        A->side[t] = (o2 > 0) - (o2 < 0);
    }
}

static size_t norbits(int h) { return (size_t)h * (size_t)(h + 1) / 2 * (size_t)h; }
static size_t n_inner(int r) { return r % 2 == 0 ? 8 : 1; }

size_t cs_ctx_nfeat(const cs_ctx_feat *f)
{
    return norbits(f->h) * (f->use_std ? 2 : 1) + n_inner(f->r) + 5;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const cs_ctx_feat *f;
    const float *mean, *std;
    size_t vd[3], sd[3];
    axis_win A;
    float *feat;
    size_t nf;
    size_t k0, k1; /* sub-cell z slices of this job */
    size_t row0;   /* feat row 0 = this global sub-cell */
} feat_job;

/* Features of the sub-cells in z slices [k0, k1). */
static void *feat_run(void *arg)
{
    feat_job *J = arg;
    const cs_ctx_feat *f = J->f;
    const axis_win *A = &J->A;
    int h = f->h, r = f->r, W = A->w;
    size_t no = norbits(h), ni = n_inner(r), nf = J->nf;
    double ps[512], ss[512];
    unsigned cnt[512];
    float inner[8];
    for (size_t k = J->k0; k < J->k1; k++)
        for (size_t j = 0; j < J->sd[1]; j++)
            for (size_t i = 0; i < J->sd[0]; i++) {
                size_t c = i + J->sd[0] * (j + J->sd[1] * k);
                float *F = J->feat + (c - J->row0) * nf;
                memset(ps, 0, no * sizeof *ps);
                memset(ss, 0, no * sizeof *ss);
                memset(cnt, 0, no * sizeof *cnt);
                double tp = 0, tsd = 0;
                size_t nvalid = 0, nwin = 0, nin = 0;
                int covered = 0;
                /* gradient accumulators: [inner/all][axis x,y,z][side -,+] sums and counts */
                double gs[2][3][2] = {{{0}}};
                unsigned gc[2][3][2] = {{{0}}};
                for (int tz = 0; tz < W; tz++) {
                    long K = (long)k + A->a0 + tz;
                    for (int ty = 0; ty < W; ty++) {
                        long JJ = (long)j + A->a0 + ty;
                        for (int tx = 0; tx < W; tx++) {
                            long I = (long)i + A->a0 + tx;
                            nwin++;
                            if (K < 0 || JJ < 0 || I < 0 || K >= (long)J->vd[2] || JJ >= (long)J->vd[1] ||
                                I >= (long)J->vd[0])
                                continue;
                            size_t v = (size_t)I + J->vd[0] * ((size_t)JJ + J->vd[1] * (size_t)K);
                            float p = J->mean[v];
                            if (isnan(p)) continue;
                            float sdv = J->std ? J->std[v] : 0.0f;
                            if (isnan(sdv)) sdv = 0;
                            int lx = A->lev[tx], ly = A->lev[ty], lz = A->lev[tz];
                            int lo = lx < ly ? lx : ly, hi = lx < ly ? ly : lx;
                            size_t o = ((size_t)(hi * (hi + 1) / 2 + lo)) * (size_t)h + (size_t)lz;
                            ps[o] += p;
                            ss[o] += sdv;
                            cnt[o]++;
                            tp += p;
                            tsd += sdv;
                            nvalid++;
                            long ak = K - (long)k, aj = JJ - (long)j, ai = I - (long)i;
                            if (ak <= 0 && ak > -r && aj <= 0 && aj > -r && ai <= 0 && ai > -r) covered = 1;
                            if (lx == 0 && ly == 0 && lz == 0 && nin < 8) inner[nin++] = p;
                            int sides[3] = {A->side[tx], A->side[ty], A->side[tz]};
                            int isin = lx <= 1 && ly <= 1 && lz <= 1;
                            for (int ax = 0; ax < 3; ax++) {
                                if (!sides[ax]) continue;
                                int sd = sides[ax] > 0;
                                gs[1][ax][sd] += p; gc[1][ax][sd]++;
                                if (isin) { gs[0][ax][sd] += p; gc[0][ax][sd]++; }
                            }
                        }
                    }
                }
                if (!covered) {
                    for (size_t t = 0; t < nf; t++) F[t] = NAN;
                    continue;
                }
                double fillp = tp / (double)nvalid, fills = tsd / (double)nvalid;
                size_t t = 0;
                for (size_t o = 0; o < no; o++) F[t++] = (float)(cnt[o] ? ps[o] / cnt[o] : fillp);
                if (f->use_std)
                    for (size_t o = 0; o < no; o++) F[t++] = (float)(cnt[o] ? ss[o] / cnt[o] : fills);
                while (nin < ni) inner[nin++] = (float)fillp;
                qsort(inner, ni, sizeof *inner, cmp_float);
                for (size_t q = 0; q < ni; q++) F[t++] = inner[q];
                for (int s = 0; s < 2; s++) {
                    double g[3];
                    for (int ax = 0; ax < 3; ax++)
                        g[ax] = gc[s][ax][0] && gc[s][ax][1]
                                    ? gs[s][ax][1] / gc[s][ax][1] - gs[s][ax][0] / gc[s][ax][0] : 0;
                    F[t++] = (float)sqrt(g[0] * g[0] + g[1] * g[1]);
                    F[t++] = (float)fabs(g[2]);
                }
                F[t++] = (float)((double)nvalid / (double)nwin);
            }
    return NULL;
}

static int check_geometry(const cs_ctx_feat *f, const csro_grid *g, const char *who)
{
    int r = cs_ctx_ratio(g);
    if (!r) return cs_err(CSRO_EINVAL, "%s: voxel %g nm is not an integer multiple of the stride %g nm", who,
                          csro_grid_voxel(g), csro_grid_stride(g));
    if (f->voxel > 0 && (fabs(csro_grid_voxel(g) - f->voxel) > 1e-6 * f->voxel ||
                         fabs(csro_grid_stride(g) - f->stride) > 1e-6 * f->stride))
        return cs_err(CSRO_EMISMATCH, "%s: the context stage was trained on voxel %g nm, stride %g nm; the grid has "
                      "voxel %g nm, stride %g nm", who, f->voxel, f->stride, csro_grid_voxel(g), csro_grid_stride(g));
    return 0;
}

static int nthreads(int threads)
{
    if (threads > 0) return threads;
    int n = cs_net_threads(0, 1u << 20);
    return n > 0 ? n : 1;
}

int cs_ctx_features(const cs_ctx_feat *f, const csro_grid *g, const float *mean, const float *std,
                    float *feat, size_t n, int threads)
{
    if (!g || !mean || (!feat && n)) return cs_err(CSRO_EINVAL, "context: NULL argument");
    if (threads < 0) return cs_err(CSRO_EINVAL, "context: threads %d < 0", threads);
    int rc = check_geometry(f, g, "context");
    if (rc) return rc;
    if (f->use_std && !std) return cs_err(CSRO_EINVAL, "context: this context stage needs the ensemble std");
    if (n != csro_context_subcells(g))
        return cs_err(CSRO_EMISMATCH, "context: %zu outputs for a grid of %zu sub-cells", n, csro_context_subcells(g));
    cs_ctx_feat ff = *f;
    ff.r = cs_ctx_ratio(g);
    if (ff.h < 1 || 2 * ff.h > 16) return cs_err(CSRO_EINVAL, "context: window half-width %d outside 1..8", ff.h);
    feat_job base = {0};
    base.f = &ff;
    base.mean = mean;
    base.std = f->use_std ? std : NULL;
    csro_grid_dims(g, base.vd);
    for (int a = 0; a < 3; a++) base.sd[a] = base.vd[a] + (size_t)ff.r - 1;
    axis_window(&base.A, ff.r, ff.h);
    base.feat = feat;
    base.nf = cs_ctx_nfeat(&ff);
    int T = nthreads(threads);
    if ((size_t)T > base.sd[2]) T = (int)base.sd[2];
    if (T < 1) T = 1;
    feat_job *jobs = calloc((size_t)T, sizeof *jobs);
    pthread_t *tids = calloc((size_t)T, sizeof *tids);
    if (!jobs || !tids) { free(jobs); free(tids); return cs_err(CSRO_ENOMEM, "context: out of memory"); }
    int started = 0, fail = 0;
    for (int t = 0; t < T; t++) {
        jobs[t] = base;
        jobs[t].k0 = base.sd[2] * (size_t)t / (size_t)T;
        jobs[t].k1 = base.sd[2] * (size_t)(t + 1) / (size_t)T;
        if (t == 0) continue;
        if (pthread_create(&tids[t], NULL, feat_run, &jobs[t])) { fail = 1; break; }
        started = t;
    }
    if (!fail) feat_run(&jobs[0]);
    for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    free(jobs);
    free(tids);
    if (fail) return cs_err(CSRO_ENOMEM, "context: could not start threads");
    return 0;
}

int csro_context_features(const csro_context *c, const csro_grid *g, const float *mean, const float *std,
                          float *feat, size_t n, int threads)
{
    if (!c) return cs_err(CSRO_EINVAL, "context: NULL context");
    return cs_ctx_features(&c->f, g, mean, std, feat, n, threads);
}

int csro_context_apply(const csro_context *c, const csro_grid *g, const float *mean,
                       const float *std, float *out, size_t n, int threads)
{
    if (!c || !g || !mean || (!out && n)) return cs_err(CSRO_EINVAL, "context_apply: NULL argument");
    if (threads < 0) return cs_err(CSRO_EINVAL, "context_apply: threads %d < 0", threads);
    int rc = check_geometry(&c->f, g, "context_apply");
    if (rc) return rc;
    if (c->f.use_std && !std) return cs_err(CSRO_EINVAL, "context_apply: this context stage needs the ensemble std");
    if (n != csro_context_subcells(g))
        return cs_err(CSRO_EMISMATCH, "context_apply: %zu outputs for a grid of %zu sub-cells", n,
                      csro_context_subcells(g));
    /* Features of the whole map at once would take n * nfeat floats; do it
     * in blocks of z slices instead, each through the ensemble. */
    size_t nf = c->nfeat, sd[3], vd[3];
    csro_grid_dims(g, vd);
    int r = cs_ctx_ratio(g);
    for (int a = 0; a < 3; a++) sd[a] = vd[a] + (size_t)r - 1;
    size_t slice = sd[0] * sd[1];
    size_t per = slice ? (CTX_BLOCK + slice - 1) / slice : 1; /* z slices per block */
    float *feat = malloc(per * slice * nf * sizeof *feat + 1);
    float *pm = malloc(per * slice * 2 * sizeof *pm + 1);
    uint8_t *nodata = malloc(per * slice + 1);
    if (!feat || !pm || !nodata) { free(feat); free(pm); free(nodata); return cs_err(CSRO_ENOMEM, "context_apply: out of memory"); }
    cs_ctx_feat ff = c->f;
    ff.r = r;
    axis_win A;
    axis_window(&A, r, ff.h);
    int T = nthreads(threads);
    for (size_t k0 = 0; k0 < sd[2] && !rc; k0 += per) {
        size_t k1 = k0 + per < sd[2] ? k0 + per : sd[2];
        size_t nb = (k1 - k0) * slice;
        /* features of slices [k0, k1) in threads */
        int TT = T;
        if ((size_t)TT > k1 - k0) TT = (int)(k1 - k0);
        feat_job jobs[64];
        pthread_t tids[64];
        if (TT > 64) TT = 64;
        int started = 0, fail = 0;
        for (int t = 0; t < TT; t++) {
            feat_job *J = &jobs[t];
            memset(J, 0, sizeof *J);
            J->f = &ff;
            J->mean = mean;
            J->std = c->f.use_std ? std : NULL;
            memcpy(J->vd, vd, sizeof vd);
            memcpy(J->sd, sd, sizeof sd);
            J->A = A;
            J->nf = nf;
            J->feat = feat;
            J->row0 = k0 * slice;
            J->k0 = k0 + (k1 - k0) * (size_t)t / (size_t)TT;
            J->k1 = k0 + (k1 - k0) * (size_t)(t + 1) / (size_t)TT;
            if (t == 0) continue;
            if (pthread_create(&tids[t], NULL, feat_run, J)) { fail = 1; break; }
            started = t;
        }
        if (!fail) feat_run(&jobs[0]);
        for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
        if (fail) { rc = cs_err(CSRO_ENOMEM, "context_apply: could not start threads"); break; }
        for (size_t q = 0; q < nb; q++) {
            float *F = feat + q * nf;
            if (isnan(F[0])) { for (size_t t = 0; t < nf; t++) F[t] = 0; pm[2 * q] = NAN; continue; }
            pm[2 * q] = 0;
            for (size_t t = 0; t < nf; t++) F[t] = (F[t] - c->mu[t]) * c->sc[t];
        }
        for (size_t q = 0; q < nb; q++) nodata[q] = isnan(pm[2 * q]);
        rc = csro_ensemble_predict(c->ens, nb, feat, pm, NULL, threads);
        if (rc) break;
        for (size_t q = 0; q < nb; q++) out[k0 * slice + q] = nodata[q] ? NAN : pm[2 * q + 1];
    }
    free(feat);
    free(pm);
    free(nodata);
    return rc;
}

/* ---- construction, text form ---- */

int cs_ctx_arch(csro_net **out, size_t nfeat, size_t nhidden, const size_t *hidden, double dropout)
{
    csro_net *n;
    int rc = csro_net_new(&n, 1, nfeat);
    for (size_t i = 0; !rc && i < nhidden; i++) {
        rc = csro_net_add_dense(n, hidden[i]);
        if (!rc) rc = csro_net_add_relu(n);
        if (!rc && dropout > 0) rc = csro_net_add_dropout(n, dropout);
    }
    if (!rc) rc = csro_net_add_dense(n, 2);
    if (!rc) rc = csro_net_add_softmax(n);
    if (rc) { csro_net_free(n); *out = NULL; return rc; }
    *out = n;
    return 0;
}

void csro_context_free(csro_context *c)
{
    if (!c) return;
    free(c->mu);
    free(c->sc);
    csro_ensemble_free(c->ens);
    free(c);
}

size_t csro_context_nfeatures(const csro_context *c) { return c ? c->nfeat : 0; }
int csro_context_halfwidth(const csro_context *c) { return c ? c->f.h : 0; }
int csro_context_uses_std(const csro_context *c) { return c ? c->f.use_std : 0; }
size_t csro_context_members(const csro_context *c) { return c ? csro_ensemble_size(c->ens) : 0; }

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append n floats (little-endian float32) as base64. */
static void put_b64(cs_buf *b, const float *v, size_t n)
{
    size_t nbytes = 4 * n;
    unsigned char q[3];
    for (size_t i = 0; i < nbytes; i += 3) {
        size_t m = nbytes - i < 3 ? nbytes - i : 3;
        for (size_t t = 0; t < 3; t++) {
            size_t bi = i + t;
            q[t] = bi < nbytes ? (unsigned char)(cs_f2u(v[bi / 4]) >> (8 * (bi % 4))) : 0;
        }
        char o[4] = {B64[q[0] >> 2], B64[((q[0] & 3) << 4) | (q[1] >> 4)], B64[((q[1] & 15) << 2) | (q[2] >> 6)],
                     B64[q[2] & 63]};
        if (m < 3) o[3] = '=';
        if (m < 2) o[2] = '=';
        cs_buf_put(b, o, 4);
    }
}

static int b64val(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

/* Decode exactly n floats from s (length len). 0 on success. */
static int get_b64(float *v, size_t n, const char *s, size_t len)
{
    size_t nbytes = 4 * n;
    if (len != (nbytes + 2) / 3 * 4) return -1;
    uint32_t *u = calloc(n ? n : 1, sizeof *u);
    if (!u) return -2;
    size_t bi = 0;
    for (size_t i = 0; i < len; i += 4) {
        int c[4];
        for (int t = 0; t < 4; t++) c[t] = s[i + t] == '=' ? 0 : b64val(s[i + t]);
        if (c[0] < 0 || c[1] < 0 || c[2] < 0 || c[3] < 0) { free(u); return -1; }
        unsigned char q[3] = {(unsigned char)((c[0] << 2) | (c[1] >> 4)), (unsigned char)((c[1] << 4) | (c[2] >> 2)),
                              (unsigned char)((c[2] << 6) | c[3])};
        for (int t = 0; t < 3; t++, bi++) {
            if (bi < nbytes) u[bi / 4] |= (uint32_t)q[t] << (8 * (bi % 4));
            else if (q[t]) { free(u); return -1; }
        }
        int pad = (s[i + 3] == '=') + (s[i + 2] == '=');
        if (pad && i + 4 != len) { free(u); return -1; }
        if (s[i + 2] == '=' && s[i + 3] != '=') { free(u); return -1; }
    }
    for (size_t i = 0; i < n; i++) v[i] = cs_u2f(u[i]);
    free(u);
    return 0;
}

static void put_str(cs_buf *b, const char *s) { cs_buf_put(b, s, strlen(s)); }

int csro_context_to_text(const csro_context *c, char **out)
{
    if (!c || !out) return cs_err(CSRO_EINVAL, "context_to_text: NULL argument");
    *out = NULL;
    cs_buf b = {0};
    char tmp[256];
    snprintf(tmp, sizeof tmp, "csro-context 1 voxel=%.17g stride=%.17g h=%d std=%d nf=%zu hidden=", c->f.voxel,
             c->f.stride, c->f.h, c->f.use_std, c->nfeat);
    put_str(&b, tmp);
    for (size_t i = 0; i < c->nhidden; i++) {
        snprintf(tmp, sizeof tmp, "%s%zu", i ? "," : "", c->hidden[i]);
        put_str(&b, tmp);
    }
    if (!c->nhidden) put_str(&b, "0");
    size_t m = csro_ensemble_size(c->ens);
    snprintf(tmp, sizeof tmp, " members=%zu mu=", m);
    put_str(&b, tmp);
    put_b64(&b, c->mu, c->nfeat);
    put_str(&b, " sc=");
    put_b64(&b, c->sc, c->nfeat);
    for (size_t i = 0; i < m; i++) {
        csro_net *n = (csro_net *)csro_ensemble_member(c->ens, i);
        put_str(&b, " w=");
        put_b64(&b, csro_net_params(n), csro_net_nparams(n));
    }
    cs_buf_put(&b, "", 1);
    if (b.oom) { free(b.p); return cs_err(CSRO_ENOMEM, "context_to_text: out of memory"); }
    *out = (char *)b.p;
    return 0;
}

/* Next space-separated token "key=value" of *s: key and value spans. */
static int next_kv(const char **s, const char *key, const char **val, size_t *len)
{
    const char *p = *s;
    if (*p != ' ') return -1;
    p++;
    size_t kl = strlen(key);
    if (strncmp(p, key, kl) || p[kl] != '=') return -1;
    p += kl + 1;
    const char *e = strchr(p, ' ');
    if (!e) e = p + strlen(p);
    *val = p;
    *len = (size_t)(e - p);
    *s = e;
    return 0;
}

static int parse_size(const char *v, size_t len, size_t *out, size_t max)
{
    if (!len || len > 9) return -1;
    size_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    if (x > max) return -1;
    *out = x;
    return 0;
}

static int parse_double(const char *v, size_t len, double *out)
{
    char tmp[64];
    if (!len || len >= sizeof tmp) return -1;
    memcpy(tmp, v, len);
    tmp[len] = 0;
    char *end;
    errno = 0;
    double x = strtod(tmp, &end);
    if (*end || errno || !isfinite(x) || !(x > 0)) return -1;
    *out = x;
    return 0;
}

#define BAD(...) do { rc = cs_err(CSRO_EFORMAT, "context text: " __VA_ARGS__); goto fail; } while (0)

int csro_context_from_text(csro_context **out, const char *text)
{
    if (!out || !text) return cs_err(CSRO_EINVAL, "context_from_text: NULL argument");
    *out = NULL;
    int rc = 0;
    csro_context *c = calloc(1, sizeof *c);
    csro_net *arch = NULL;
    if (!c) return cs_err(CSRO_ENOMEM, "context: out of memory");
    for (const char *q = text; *q; q++)
        if (*q < 32 || *q > 126) BAD("not one line of printable ASCII");
    const char *head = "csro-context 1";
    if (strncmp(text, head, strlen(head))) BAD("does not start with '%s'", head);
    const char *s = text + strlen(head), *v;
    size_t len, x;
    if (next_kv(&s, "voxel", &v, &len) || parse_double(v, len, &c->f.voxel)) BAD("bad or missing voxel=");
    if (next_kv(&s, "stride", &v, &len) || parse_double(v, len, &c->f.stride)) BAD("bad or missing stride=");
    double q = c->f.voxel / c->f.stride, rr = floor(q + 0.5);
    if (rr < 1 || rr > 64 || fabs(q - rr) > 1e-6 * rr) BAD("voxel/stride is not an integer 1..64");
    c->f.r = (int)rr;
    if (next_kv(&s, "h", &v, &len) || parse_size(v, len, &x, 8) || x < 1) BAD("bad or missing h= (1..8)");
    c->f.h = (int)x;
    if (next_kv(&s, "std", &v, &len) || parse_size(v, len, &x, 1)) BAD("bad or missing std= (0 or 1)");
    c->f.use_std = (int)x;
    if (next_kv(&s, "nf", &v, &len) || parse_size(v, len, &x, 100000) || x != cs_ctx_nfeat(&c->f))
        BAD("bad or missing nf= (must be %zu for these settings)", cs_ctx_nfeat(&c->f));
    c->nfeat = x;
    if (next_kv(&s, "hidden", &v, &len)) BAD("missing hidden=");
    if (len == 1 && v[0] == '0') c->nhidden = 0;
    else {
        const char *p = v, *e = v + len;
        while (p < e) {
            const char *cm = memchr(p, ',', (size_t)(e - p));
            if (!cm) cm = e;
            if (c->nhidden == CS_CTX_MAX_HIDDEN || parse_size(p, (size_t)(cm - p), &x, 1024) || !x)
                BAD("bad hidden= (up to %d sizes 1..1024)", CS_CTX_MAX_HIDDEN);
            c->hidden[c->nhidden++] = x;
            p = cm < e ? cm + 1 : e;
            if (cm + 1 == e) BAD("bad hidden=");
        }
    }
    size_t m;
    if (next_kv(&s, "members", &v, &len) || parse_size(v, len, &m, 64) || !m) BAD("bad or missing members= (1..64)");
    c->mu = malloc(c->nfeat * sizeof *c->mu);
    c->sc = malloc(c->nfeat * sizeof *c->sc);
    if (!c->mu || !c->sc) { rc = cs_err(CSRO_ENOMEM, "context: out of memory"); goto fail; }
    if (next_kv(&s, "mu", &v, &len) || get_b64(c->mu, c->nfeat, v, len)) BAD("bad or missing mu=");
    if (next_kv(&s, "sc", &v, &len) || get_b64(c->sc, c->nfeat, v, len)) BAD("bad or missing sc=");
    for (size_t t = 0; t < c->nfeat; t++)
        if (!isfinite(c->mu[t]) || !isfinite(c->sc[t])) BAD("non-finite standardisation");
    if ((rc = cs_ctx_arch(&arch, c->nfeat, c->nhidden, c->hidden, 0))) goto fail;
    if ((rc = csro_ensemble_new(&c->ens, 2))) goto fail;
    for (size_t i = 0; i < m; i++) {
        if (next_kv(&s, "w", &v, &len) || get_b64(csro_net_params(arch), csro_net_nparams(arch), v, len))
            BAD("bad or missing weights of member %zu", i + 1);
        const float *w = csro_net_params(arch);
        for (size_t t = 0; t < csro_net_nparams(arch); t++)
            if (!isfinite(w[t])) BAD("non-finite weight in member %zu", i + 1);
        if ((rc = csro_ensemble_add(c->ens, arch))) goto fail;
    }
    if (*s) BAD("unexpected text after the last member");
    csro_net_free(arch);
    *out = c;
    return 0;
fail:
    csro_net_free(arch);
    csro_context_free(c);
    return rc;
}
