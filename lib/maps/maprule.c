/* maprule.c: the map rule a model carries (map.* texts copied into the
 * .prob by csro-classify): smoothing, sub-cell scoring against a per-ion
 * truth, and csro_probmap_load_auto (see csro/probmap.h). */
#include "base/internal.h"
#include "probmap_impl.h"
#include "csro/context.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One 1D pass of a normalised (NaN-aware) Gaussian along axis a:
 * out = sum w v / sum w over valid neighbours; NaN stays NaN. */
static void smooth_axis(const float *in, float *out, const size_t d[3], int a, const double *k, int rad)
{
    size_t st[3] = {1, d[0], d[0] * d[1]};
    size_t n = d[0] * d[1] * d[2];
    for (size_t idx = 0; idx < n; idx++) {
        if (isnan(in[idx])) { out[idx] = NAN; continue; }
        size_t c[3] = {idx % d[0], (idx / d[0]) % d[1], idx / (d[0] * d[1])};
        double s = 0, w = 0;
        for (int o = -rad; o <= rad; o++) {
            long p = (long)c[a] + o;
            if (p < 0 || p >= (long)d[a]) continue;
            float v = in[idx + (size_t)((long)st[a] * o)];
            if (isnan(v)) continue;
            s += k[o + rad] * v;
            w += k[o + rad];
        }
        out[idx] = (float)(s / w);
    }
}

int csro_probmap_smooth(csro_probmap *m, double sigma)
{
    if (!m) return cs_err(CSRO_EINVAL, "probmap: NULL map");
    if (!(sigma >= 0) || !isfinite(sigma)) return cs_err(CSRO_EINVAL, "probmap: smoothing sigma %g must be >= 0", sigma);
    if (sigma == 0) return 0;
    double sc = sigma / m->spacing;
    int rad = (int)ceil(3 * sc);
    if (rad < 1) return 0;
    double *k = malloc((size_t)(2 * rad + 1) * sizeof *k);
    size_t n = m->dims[0] * m->dims[1] * m->dims[2];
    float *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!k || !tmp) { free(k); free(tmp); return cs_err(CSRO_ENOMEM, "probmap: out of memory"); }
    for (int o = -rad; o <= rad; o++) k[o + rad] = exp(-0.5 * (double)o * o / (sc * sc));
    smooth_axis(m->data, tmp, m->dims, 0, k, rad);
    smooth_axis(tmp, m->data, m->dims, 1, k, rad);
    smooth_axis(m->data, tmp, m->dims, 2, k, rad);
    memcpy(m->data, tmp, n * sizeof *tmp);
    free(k);
    free(tmp);
    return 0;
}

int csro_probmap_subcell_truth(const csro_probmap *m, const float *x, const float *y, const float *z,
                               const uint8_t *truth, size_t n, int8_t *cells, size_t ncells)
{
    size_t nc = m ? m->dims[0] * m->dims[1] * m->dims[2] : 0;
    if (!m || !cells || (n && (!x || !y || !z || !truth)))
        return cs_err(CSRO_EINVAL, "probmap: NULL argument to csro_probmap_subcell_truth");
    if (ncells != nc) return cs_err(CSRO_EMISMATCH, "probmap: %zu truth cells for a map of %zu sub-cells", ncells, nc);
    uint32_t *tot = calloc(nc ? nc : 1, sizeof *tot), *pos = calloc(nc ? nc : 1, sizeof *pos);
    if (!tot || !pos) { free(tot); free(pos); return cs_err(CSRO_ENOMEM, "probmap: out of memory"); }
    for (size_t i = 0; i < n; i++) {
        double q[3] = {x[i], y[i], z[i]};
        size_t ix[3];
        int in = 1;
        for (int a = 0; a < 3 && in; a++) {
            double f = floor((q[a] - m->origin[a]) / m->spacing);
            if (!(f >= 0) || f >= (double)m->dims[a]) in = 0;
            else ix[a] = (size_t)f;
        }
        if (!in) continue;
        size_t c = (ix[2] * m->dims[1] + ix[1]) * m->dims[0] + ix[0];
        tot[c]++;
        pos[c] += truth[i] != 0;
    }
    for (size_t i = 0; i < nc; i++) cells[i] = !tot[i] ? -1 : 2 * pos[i] >= tot[i] ? 1 : 0;
    free(tot);
    free(pos);
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

int csro_probmap_threshold_f1(const csro_probmap *m, double floor_thr, double *threshold)
{
    if (!m || !threshold) return cs_err(CSRO_EINVAL, "probmap: NULL argument to csro_probmap_threshold_f1");
    if (!isfinite(floor_thr)) return cs_err(CSRO_EINVAL, "probmap: floor threshold %g is not finite", floor_thr);
    size_t nc = m->dims[0] * m->dims[1] * m->dims[2], n = 0;
    float *v = malloc((nc ? nc : 1) * sizeof *v);
    if (!v) return cs_err(CSRO_ENOMEM, "probmap: out of memory");
    double total = 0;
    for (size_t i = 0; i < nc; i++) {
        float x = m->data[i];
        if (isnan(x)) continue;
        if (!(x >= 0 && x <= 1)) {
            free(v);
            return cs_err(CSRO_EINVAL, "probmap: value %g outside [0, 1]: the expected-F1 rule needs probabilities", x);
        }
        v[n++] = x;
        total += x;
    }
    qsort(v, n, sizeof *v, cmp_desc);
    /* select the k largest values (whole groups of equal values) that
     * maximise 2 sum_top / (k + total); the threshold lies midway to the
     * next value, so a printed, rounded threshold selects the same cells */
    double best = 0, top = 0, t = n ? v[0] : 0;
    for (size_t k = 1; k <= n; k++) {
        top += v[k - 1];
        if (k < n && v[k] == v[k - 1]) continue;
        double e = 2 * top / ((double)k + total);
        if (e > best) {
            best = e;
            t = 0.5 * ((double)v[k - 1] + (k < n ? (double)v[k] : 0.0));
        }
    }
    free(v);
    *threshold = t > floor_thr ? t : floor_thr;
    return 0;
}

/* The context stage's sub-cell map from the first-stage voxel field. */
static int context_map(csro_probmap **out, const csro_grid *g, const float *mean, const float *std,
                       const char *text, const char *what)
{
    csro_context *c;
    int rc = csro_context_from_text(&c, text);
    if (rc) return cs_err(rc, "%s: map.context: %s", what, csro_last_error());
    if (csro_context_uses_std(c) && !std) {
        csro_context_free(c);
        return cs_err(CSRO_EINVAL, "%s: the model's context stage needs the ensemble std of every row", what);
    }
    size_t n = csro_context_subcells(g);
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", what);
    if (!rc) rc = csro_context_apply(c, g, mean, csro_context_uses_std(c) ? std : NULL, v, n, 0);
    if (!rc) rc = csro_probmap_new_subcells(out, g, v, n);
    free(v);
    csro_context_free(c);
    return rc;
}

/* The rule of a .prob's metadata applied to the voxel values (mean, std:
 * one per voxel of the grid, NaN = no data) of class ci; what names the
 * source in messages. */
static int apply_rule(csro_probmap **out, double *threshold, const csro_zsdm_meta *meta, const float *mean,
                      const float *std, size_t ci, const char *what, char *note, size_t notelen)
{
    const char *tm = csro_zsdm_meta_text(meta, "map.mode"), *tt = csro_zsdm_meta_text(meta, "map.threshold");
    const char *ts = csro_zsdm_meta_text(meta, "map.smooth"), *tmodel = csro_zsdm_meta_text(meta, "classify_model");
    const char *tc = csro_zsdm_meta_text(meta, "map.context");
    const char *tr = csro_zsdm_meta_text(meta, "map.threshold_rule");
    int mode = CSRO_PROBMAP_SUM, have_rule = tt != NULL, context = 0, ef1 = 0, rc = 0;
    double thr = 3.75, smooth = 0;
    char *end;
    if (have_rule) {
        errno = 0;
        thr = strtod(tt, &end);
        if (end == tt || *end || errno || !isfinite(thr))
            rc = cs_err(CSRO_EFORMAT, "%s: map.threshold '%s' is not a number", what, tt);
        if (!rc && tm) {
            if (!strcmp(tm, "sum")) mode = CSRO_PROBMAP_SUM;
            else if (!strcmp(tm, "mean")) mode = CSRO_PROBMAP_MEAN;
            else if (!strcmp(tm, "context")) {
                context = 1;
                mode = CSRO_PROBMAP_MEAN;
                if (!tc) rc = cs_err(CSRO_EFORMAT, "%s: map.mode is context but there is no map.context text", what);
            }
            else rc = cs_err(CSRO_EFORMAT, "%s: map.mode '%s' is not sum, mean or context", what, tm);
        }
        if (!rc && tr) {
            if (!strcmp(tr, "expected-f1")) ef1 = 1;
            else if (strcmp(tr, "fixed"))
                rc = cs_err(CSRO_EFORMAT, "%s: map.threshold_rule '%s' is not fixed or expected-f1", what, tr);
        }
        if (!rc && ts) {
            errno = 0;
            smooth = strtod(ts, &end);
            if (end == ts || *end || errno || !(smooth >= 0) || !isfinite(smooth))
                rc = cs_err(CSRO_EFORMAT, "%s: map.smooth '%s' is not a sigma >= 0 (nm)", what, ts);
        }
    }
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    if (!rc && context) rc = context_map(out, g, mean, std, tc, what);
    else if (!rc) rc = csro_probmap_new(out, g, mean, csro_grid_count(g), mode);
    if (!rc) cs_probmap_set_label(*out, meta, ci, 0);
    if (!rc && smooth > 0 && (rc = csro_probmap_smooth(*out, smooth))) {
        csro_probmap_free(*out);
        *out = NULL;
    }
    double floor_thr = thr;
    if (!rc && ef1 && (rc = csro_probmap_threshold_f1(*out, floor_thr, &thr))) {
        csro_probmap_free(*out);
        *out = NULL;
    }
    if (!rc) {
        *threshold = thr;
        if (note && notelen) {
            char sm[48] = "", ru[96] = "";
            const char *model = tmodel ? tmodel : "the model";
            if (smooth > 0) snprintf(sm, sizeof sm, " smoothed (sigma %g nm)", smooth);
            if (ef1) snprintf(ru, sizeof ru, " (expected-F1 rule on this map, floor %g)", floor_thr);
            /* %.9g: the threshold as printed selects the same sub-cells */
            if (!have_rule)
                snprintf(note, notelen, "%s carries no calibrated map rule: reference sum map, threshold %g", model, thr);
            else
                snprintf(note, notelen, "map rule of %s: %s map%s, threshold %.9g%s", model,
                         context ? "context-stage" : mode == CSRO_PROBMAP_SUM ? "sum" : "mean", sm, thr, ru);
        }
    }
    return rc;
}

int csro_probmap_load_auto(csro_probmap **out, double *threshold, const char *path, char *note, size_t notelen)
{
    return csro_probmap_load_auto_parts(out, threshold, &path, 1, note, notelen);
}

int csro_probmap_load_auto_parts(csro_probmap **out, double *threshold, const char *const *paths, size_t npaths,
                                 char *note, size_t notelen)
{
    if (!out || !threshold || !paths || !npaths || !paths[0])
        return cs_err(CSRO_EINVAL, "probmap: NULL argument to csro_probmap_load_auto");
    *out = NULL;
    if (note && notelen) note[0] = 0;
    /* one pass over the files (they may be pipes): voxels of the whole grid,
     * then the rule (the same in every part), so that context and smoothing
     * see the neighbours across part boundaries */
    float *mean, *std;
    size_t ci;
    csro_zsdm_meta *meta;
    int rc = cs_probmap_read_voxels(paths, npaths, NULL, &mean, &std, &ci, &meta);
    if (rc) return rc;
    rc = apply_rule(out, threshold, meta, mean, std, ci, paths[0], note, notelen);
    free(mean);
    free(std);
    csro_zsdm_meta_free(meta);
    return rc;
}

int csro_probmap_new_auto(csro_probmap **out, double *threshold, const csro_zsdm_meta *meta, size_t n,
                          const uint64_t *index, const uint32_t *flags, const float *mean, const float *std,
                          char *note, size_t notelen)
{
    const char *what = "probmap";
    if (out) *out = NULL;
    if (note && notelen) note[0] = 0;
    if (!out || !threshold || !meta || (n && (!index || !mean)))
        return cs_err(CSRO_EINVAL, "probmap: NULL argument to csro_probmap_new_auto");
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    size_t nc = csro_zsdm_meta_nclasses(meta), ci, count;
    if (!g) return cs_err(CSRO_EINVAL, "%s: the metadata has no voxel grid", what);
    int rc = cs_probmap_find_class(&ci, meta, NULL, what);
    if (rc) return rc;
    count = csro_grid_count(g);
    float *pm, *ps = NULL;
    if ((rc = cs_probmap_voxels_alloc(&pm, std ? &ps : NULL, count, what))) return rc;
    rc = cs_probmap_scatter(pm, ps, count, n, index, flags, mean, std, nc, ci, what);
    if (!rc) rc = apply_rule(out, threshold, meta, pm, ps, ci, what, note, notelen);
    free(pm);
    free(ps);
    return rc;
}
