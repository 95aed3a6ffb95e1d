/* zsdm_meta.c: metadata of .zsdm files (bins, pair, grid, preprocessing,
 * classes, parameter names, provenance) and its header codec. */
#include "base/internal.h"
#include "zsdm_impl.h"
#include "spatial/sdm_impl.h"
#include "spatial/grid_impl.h"
#include <math.h>
#include <stdlib.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

static void free_strs(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

csro_zsdm_meta *csro_zsdm_meta_new(int kind)
{
    if (kind != CSRO_ZSDM_VOXELS && kind != CSRO_ZSDM_BANK) {
        cs_err(CSRO_EINVAL, "zsdm: unknown kind %d", kind);
        return NULL;
    }
    csro_zsdm_meta *m = calloc(1, sizeof *m);
    if (!m) { cs_err(CSRO_ENOMEM, "zsdm: out of memory"); return NULL; }
    m->kind = kind;
    m->preprocess = CSRO_PRE_RAW;
    return m;
}

void csro_zsdm_meta_free(csro_zsdm_meta *m)
{
    if (!m) return;
    free(m->left);
    free(m->pair[0]); free(m->pair[1]);
    csro_grid_free(m->grid);
    free_strs(m->classes, m->nclasses);
    free_strs(m->params, m->nparams);
    free_strs(m->keys, m->ntexts);
    free_strs(m->vals, m->ntexts);
    free(m);
}

static int copy_strs(char ***dst, char *const *src, size_t n)
{
    *dst = NULL;
    if (!n) return 0;
    char **v = calloc(n, sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = dupstr(src[i]))) { free_strs(v, n); return -1; }
    *dst = v;
    return 0;
}

csro_zsdm_meta *csro_zsdm_meta_clone(const csro_zsdm_meta *m)
{
    if (!m) return NULL;
    csro_zsdm_meta *c = calloc(1, sizeof *c);
    if (!c) goto oom;
    *c = *m;
    c->left = NULL; c->pair[0] = c->pair[1] = NULL; c->grid = NULL;
    c->classes = c->params = c->keys = c->vals = NULL;
    size_t nc = c->nclasses, np = c->nparams, nt = c->ntexts;
    c->nclasses = c->nparams = c->ntexts = 0;
    if (m->nbins) {
        if (!(c->left = malloc(m->nbins * sizeof *c->left))) goto oom;
        memcpy(c->left, m->left, m->nbins * sizeof *c->left);
    }
    for (int i = 0; i < 2; i++)
        if (m->pair[i] && !(c->pair[i] = dupstr(m->pair[i]))) goto oom;
    if (m->grid) {
        if (!(c->grid = malloc(sizeof *c->grid))) goto oom;
        *c->grid = *m->grid;
    }
    if (copy_strs(&c->classes, m->classes, nc)) goto oom;
    c->nclasses = nc;
    if (copy_strs(&c->params, m->params, np)) goto oom;
    c->nparams = np;
    if (copy_strs(&c->keys, m->keys, nt)) goto oom;
    if (copy_strs(&c->vals, m->vals, nt)) { free_strs(c->keys, nt); c->keys = NULL; goto oom; }
    c->ntexts = nt;
    return c;
oom:
    csro_zsdm_meta_free(c);
    cs_err(CSRO_ENOMEM, "zsdm: out of memory");
    return NULL;
}

int csro_zsdm_meta_set_sdm(csro_zsdm_meta *m, const csro_sdm_opts *o)
{
    size_t n = csro_sdm_opts_nbins(o);
    if (n == 0) return cs_err(CSRO_EINVAL, "zsdm: SDM options keep no bins");
    if (n > CS_ZSDM_MAX_BINS) return cs_err(CSRO_EINVAL, "zsdm: %zu bins is more than %u", n, CS_ZSDM_MAX_BINS);
    double *left = malloc(n * sizeof *left);
    if (!left) return cs_err(CSRO_ENOMEM, "zsdm: out of memory");
    for (size_t i = 0; i < n; i++) left[i] = csro_sdm_opts_bin_left(o, i);
    free(m->left);
    m->left = left;
    m->nbins = n;
    m->first = csro_sdm_opts_first_bin(o);
    m->radius = csro_sdm_opts_radius(o);
    m->bin_width = csro_sdm_opts_bin_width(o);
    m->crop_lo = o->crop_lo;
    m->crop_hi = o->crop_hi;
    csro_sdm_opts_direction(o, m->dir);
    m->has_bins = 1;
    return 0;
}

int csro_zsdm_meta_set_pair(csro_zsdm_meta *m, const char *a, const char *b)
{
    if (!a || !b || !*a || !*b) return cs_err(CSRO_EINVAL, "zsdm: empty species name");
    char *x = dupstr(a), *y = dupstr(b);
    if (!x || !y) { free(x); free(y); return cs_err(CSRO_ENOMEM, "zsdm: out of memory"); }
    free(m->pair[0]); free(m->pair[1]);
    m->pair[0] = x; m->pair[1] = y;
    return 0;
}

int csro_zsdm_meta_set_grid(csro_zsdm_meta *m, const csro_grid *g)
{
    csro_grid *c = NULL;
    if (g) {
        if (!(c = malloc(sizeof *c))) return cs_err(CSRO_ENOMEM, "zsdm: out of memory");
        *c = *g;
    }
    csro_grid_free(m->grid);
    m->grid = c;
    return 0;
}

int csro_zsdm_meta_set_preprocess(csro_zsdm_meta *m, int state)
{
    if (state != CSRO_PRE_RAW && state != CSRO_PRE_MINMAX && state != CSRO_PRE_EXPERIMENTAL)
        return cs_err(CSRO_EINVAL, "zsdm: unknown preprocessing state %d", state);
    m->preprocess = state;
    return 0;
}

static int add_name(char ***v, size_t *n, size_t max, const char *name, const char *what)
{
    if (!name || !*name) return cs_err(CSRO_EINVAL, "zsdm: empty %s name", what);
    if (*n >= max) return cs_err(CSRO_EINVAL, "zsdm: more than %zu %s names", max, what);
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], name)) return cs_err(CSRO_EINVAL, "zsdm: duplicate %s name '%s'", what, name);
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return cs_err(CSRO_ENOMEM, "zsdm: out of memory");
    *v = nv;
    if (!(nv[*n] = dupstr(name))) return cs_err(CSRO_ENOMEM, "zsdm: out of memory");
    return (int)(*n)++;
}

int csro_zsdm_meta_add_class(csro_zsdm_meta *m, const char *name)
{
    return add_name(&m->classes, &m->nclasses, CS_ZSDM_MAX_CLASSES, name, "class");
}

int csro_zsdm_meta_add_param(csro_zsdm_meta *m, const char *name)
{
    return add_name(&m->params, &m->nparams, CS_ZSDM_MAX_PARAMS, name, "parameter");
}

int csro_zsdm_meta_set_text(csro_zsdm_meta *m, const char *key, const char *value)
{
    if (!key || !*key) return cs_err(CSRO_EINVAL, "zsdm: empty text key");
    size_t i;
    for (i = 0; i < m->ntexts; i++)
        if (!strcmp(m->keys[i], key)) break;
    if (!value) { /* remove */
        if (i == m->ntexts) return 0;
        free(m->keys[i]); free(m->vals[i]);
        memmove(m->keys + i, m->keys + i + 1, (m->ntexts - i - 1) * sizeof *m->keys);
        memmove(m->vals + i, m->vals + i + 1, (m->ntexts - i - 1) * sizeof *m->vals);
        m->ntexts--;
        return 0;
    }
    char *v = dupstr(value);
    if (!v) return cs_err(CSRO_ENOMEM, "zsdm: out of memory");
    if (i < m->ntexts) { free(m->vals[i]); m->vals[i] = v; return 0; }
    if (m->ntexts >= CS_ZSDM_MAX_TEXTS) { free(v); return cs_err(CSRO_EINVAL, "zsdm: too many texts"); }
    char *k = dupstr(key);
    char **nk = realloc(m->keys, (m->ntexts + 1) * sizeof *nk);
    if (nk) m->keys = nk;
    char **nvv = nk ? realloc(m->vals, (m->ntexts + 1) * sizeof *nvv) : NULL;
    if (nvv) m->vals = nvv;
    if (!k || !nk || !nvv) { free(k); free(v); return cs_err(CSRO_ENOMEM, "zsdm: out of memory"); }
    m->keys[m->ntexts] = k;
    m->vals[m->ntexts] = v;
    m->ntexts++;
    return 0;
}

int csro_zsdm_meta_kind(const csro_zsdm_meta *m) { return m->kind; }
size_t csro_zsdm_meta_nbins(const csro_zsdm_meta *m) { return m->nbins; }
double csro_zsdm_meta_bin_left(const csro_zsdm_meta *m, size_t i) { return i < m->nbins ? m->left[i] : NAN; }
double csro_zsdm_meta_bin_width(const csro_zsdm_meta *m) { return m->has_bins ? m->bin_width : NAN; }
double csro_zsdm_meta_radius(const csro_zsdm_meta *m) { return m->has_bins ? m->radius : NAN; }
size_t csro_zsdm_meta_first_bin(const csro_zsdm_meta *m) { return m->first; }
int csro_zsdm_meta_crop(const csro_zsdm_meta *m, double *lo, double *hi)
{
    if (!m->has_bins) return cs_err(CSRO_ENOTFOUND, "zsdm: metadata has no bins");
    *lo = m->crop_lo;
    *hi = m->crop_hi;
    return 0;
}
int csro_zsdm_meta_direction(const csro_zsdm_meta *m, double u[3])
{
    if (!m->has_bins) return cs_err(CSRO_ENOTFOUND, "zsdm: metadata has no bins");
    for (int a = 0; a < 3; a++) u[a] = m->dir[a];
    return 0;
}

/* Options equal to the stored parameters, or NULL (error text set). */
static csro_sdm_opts *rebuild_opts(const csro_zsdm_meta *m)
{
    if (!m->has_bins) { cs_err(CSRO_ENOTFOUND, "zsdm: metadata has no bins"); return NULL; }
    csro_sdm_opts *o = csro_sdm_opts_new();
    if (!o) { cs_err(CSRO_ENOMEM, "zsdm: out of memory"); return NULL; }
    int rc = csro_sdm_opts_set_bins(o, m->radius, m->bin_width);
    if (!rc) rc = csro_sdm_opts_set_crop(o, m->crop_lo, m->crop_hi) ||
                  csro_sdm_opts_set_direction(o, m->dir[0], m->dir[1], m->dir[2]);
    if (rc) { csro_sdm_opts_free(o); return NULL; }
    return o;
}

csro_sdm_opts *csro_zsdm_meta_sdm_opts(const csro_zsdm_meta *m) { return rebuild_opts(m); }

const char *csro_zsdm_meta_pair(const csro_zsdm_meta *m, int which)
{
    return (which == 0 || which == 1) ? m->pair[which] : NULL;
}
const csro_grid *csro_zsdm_meta_grid(const csro_zsdm_meta *m) { return m->grid; }
int csro_zsdm_meta_preprocess(const csro_zsdm_meta *m) { return m->preprocess; }
size_t csro_zsdm_meta_nclasses(const csro_zsdm_meta *m) { return m->nclasses; }
const char *csro_zsdm_meta_class(const csro_zsdm_meta *m, size_t i) { return i < m->nclasses ? m->classes[i] : NULL; }
size_t csro_zsdm_meta_nparams(const csro_zsdm_meta *m) { return m->nparams; }
const char *csro_zsdm_meta_param(const csro_zsdm_meta *m, size_t i) { return i < m->nparams ? m->params[i] : NULL; }
size_t csro_zsdm_meta_ntexts(const csro_zsdm_meta *m) { return m->ntexts; }
const char *csro_zsdm_meta_text_key(const csro_zsdm_meta *m, size_t i) { return i < m->ntexts ? m->keys[i] : NULL; }

const char *csro_zsdm_meta_text(const csro_zsdm_meta *m, const char *key)
{
    if (!key) return NULL;
    for (size_t i = 0; i < m->ntexts; i++)
        if (!strcmp(m->keys[i], key)) return m->vals[i];
    return NULL;
}

static int close_to(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

int csro_zsdm_meta_same_bins(const csro_zsdm_meta *a, const csro_zsdm_meta *b)
{
    if (!a->has_bins || !b->has_bins)
        return cs_err(CSRO_EMISMATCH, "zsdm: %s has no bins", a->has_bins ? "second" : "first");
    if (a->nbins != b->nbins)
        return cs_err(CSRO_EMISMATCH, "zsdm: %zu bins vs %zu bins", a->nbins, b->nbins);
    if (!close_to(a->bin_width, b->bin_width))
        return cs_err(CSRO_EMISMATCH, "zsdm: bin width %g nm vs %g nm", a->bin_width, b->bin_width);
    if (!close_to(a->radius, b->radius))
        return cs_err(CSRO_EMISMATCH, "zsdm: SDM radius %g nm vs %g nm", a->radius, b->radius);
    for (size_t i = 0; i < a->nbins; i++)
        if (!close_to(a->left[i], b->left[i]))
            return cs_err(CSRO_EMISMATCH, "zsdm: bin %zu starts at %g nm vs %g nm", i, a->left[i], b->left[i]);
    for (int k = 0; k < 3; k++)
        if (fabs(a->dir[k] - b->dir[k]) > 1e-9)
            return cs_err(CSRO_EMISMATCH, "zsdm: analysis direction (%g, %g, %g) vs (%g, %g, %g)",
                          a->dir[0], a->dir[1], a->dir[2], b->dir[0], b->dir[1], b->dir[2]);
    return 0;
}

size_t cs_zsdm_row_bytes(const csro_zsdm_meta *m)
{
    return 16 + 4 * (m->nparams + m->nbins);
}

/* ---- header codec (layout in man/man5/csro-zsdm.5) ---- */

static void put_strs(cs_buf *b, char *const *v, size_t n)
{
    cs_buf_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) cs_buf_str(b, v[i]);
}

void cs_zsdm_meta_encode(const csro_zsdm_meta *m, cs_buf *b)
{
    cs_buf_u32(b, (uint32_t)m->kind);
    cs_buf_u32(b, (uint32_t)m->preprocess);
    cs_buf_u32(b, (uint32_t)m->has_bins);
    cs_buf_f64(b, m->radius);
    cs_buf_f64(b, m->bin_width);
    cs_buf_f64(b, m->crop_lo);
    cs_buf_f64(b, m->crop_hi);
    for (int a = 0; a < 3; a++) cs_buf_f64(b, m->dir[a]);
    cs_buf_u32(b, (uint32_t)m->nbins);
    cs_buf_u32(b, (uint32_t)m->first);
    for (size_t i = 0; i < m->nbins; i++) cs_buf_f64(b, m->left[i]);
    cs_buf_str(b, m->pair[0] ? m->pair[0] : "");
    cs_buf_str(b, m->pair[1] ? m->pair[1] : "");
    cs_buf_u32(b, m->grid ? 1 : 0);
    if (m->grid) {
        const csro_grid *g = m->grid;
        for (int a = 0; a < 3; a++) cs_buf_f64(b, g->lo[a]);
        for (int a = 0; a < 3; a++) cs_buf_f64(b, g->hi[a]);
        cs_buf_f64(b, g->voxel);
        cs_buf_f64(b, g->stride);
        cs_buf_u32(b, (uint32_t)g->shape);
        for (int a = 0; a < 3; a++) cs_buf_u64(b, g->dims[a]);
    }
    put_strs(b, m->classes, m->nclasses);
    put_strs(b, m->params, m->nparams);
    cs_buf_u32(b, (uint32_t)m->ntexts);
    for (size_t i = 0; i < m->ntexts; i++) { cs_buf_str(b, m->keys[i]); cs_buf_str(b, m->vals[i]); }
    cs_buf_u32(b, (uint32_t)cs_zsdm_row_bytes(m));
}

#define BAD(...) do { rc = cs_err(CSRO_EFORMAT, __VA_ARGS__); goto fail; } while (0)

/* Read a string; NULL if truncated or it holds a NUL byte. */
static char *get_str(cs_cur *c)
{
    if (c->bad || c->n - c->off < 4) { c->bad = 1; return NULL; }
    uint32_t len = cs_rd_le32(c->p + c->off);
    char *s = cs_cur_str(c);
    if (s && strlen(s) != len) { free(s); return NULL; }
    return s;
}

int cs_zsdm_meta_decode(csro_zsdm_meta **out, const unsigned char *p, size_t n, const char *path)
{
    *out = NULL;
    int rc = 0;
    cs_cur c = {p, n, 0, 0};
    csro_zsdm_meta *m = calloc(1, sizeof *m);
    csro_sdm_opts *o = NULL;
    if (!m) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    uint32_t kind = cs_cur_u32(&c), pre = cs_cur_u32(&c), hb = cs_cur_u32(&c);
    if (c.bad) BAD("%s: truncated header", path);
    if (kind != CSRO_ZSDM_VOXELS && kind != CSRO_ZSDM_BANK) BAD("%s: unknown kind %u in header", path, kind);
    if (pre > CSRO_PRE_EXPERIMENTAL) BAD("%s: unknown preprocessing state %u in header", path, pre);
    if (hb != 1) BAD("%s: header has no bins", path);
    m->kind = (int)kind;
    m->preprocess = (int)pre;
    m->has_bins = 1;
    m->radius = cs_cur_f64(&c);
    m->bin_width = cs_cur_f64(&c);
    m->crop_lo = cs_cur_f64(&c);
    m->crop_hi = cs_cur_f64(&c);
    for (int a = 0; a < 3; a++) m->dir[a] = cs_cur_f64(&c);
    uint32_t nb = cs_cur_u32(&c), first = cs_cur_u32(&c);
    if (c.bad) BAD("%s: truncated header", path);
    if (!isfinite(m->radius) || !(m->radius > 0) || !isfinite(m->bin_width) || !(m->bin_width > 0) ||
        !(m->bin_width <= m->radius) || 2 * m->radius / m->bin_width > CSRO_SDM_MAX_BINS)
        BAD("%s: implausible SDM radius %g / bin width %g", path, m->radius, m->bin_width);
    if (!isfinite(m->crop_lo) || !isfinite(m->crop_hi) || !(m->crop_lo < m->crop_hi))
        BAD("%s: implausible SDM crop [%g, %g)", path, m->crop_lo, m->crop_hi);
    double dn = sqrt(m->dir[0] * m->dir[0] + m->dir[1] * m->dir[1] + m->dir[2] * m->dir[2]);
    if (!isfinite(dn) || fabs(dn - 1.0) > 1e-6) BAD("%s: analysis direction is not a unit vector", path);
    if (nb == 0 || nb > CS_ZSDM_MAX_BINS) BAD("%s: implausible bin count %u", path, nb);
    if ((size_t)nb * 8 > n - c.off) BAD("%s: truncated header (bin edges)", path);
    m->nbins = nb;
    m->first = first;
    if (!(m->left = malloc((size_t)nb * sizeof *m->left))) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path); goto fail; }
    for (size_t i = 0; i < nb; i++) m->left[i] = cs_cur_f64(&c);
    if (!(o = rebuild_opts(m))) {
        char why[256];
        snprintf(why, sizeof why, "%s", csro_last_error());
        BAD("%s: SDM parameters in header rejected: %s", path, why);
    }
    if (csro_sdm_opts_nbins(o) != nb || csro_sdm_opts_first_bin(o) != first)
        BAD("%s: header says %u bins from bin %u, its SDM parameters give %zu from %zu", path, nb, first,
            csro_sdm_opts_nbins(o), csro_sdm_opts_first_bin(o));
    for (size_t i = 0; i < nb; i++)
        if (!isfinite(m->left[i]) || !close_to(m->left[i], csro_sdm_opts_bin_left(o, i)))
            BAD("%s: bin %zu left edge %g does not match the SDM parameters", path, i, m->left[i]);
    for (int k = 0; k < 2; k++) {
        char *s = get_str(&c);
        if (!s) BAD("%s: bad species name in header", path);
        if (!*s) free(s);
        else m->pair[k] = s;
    }
    uint32_t hg = cs_cur_u32(&c);
    if (c.bad || hg > 1) BAD("%s: bad grid flag in header", path);
    if (hg) {
        double lo[3], hi[3];
        uint64_t d[3];
        for (int a = 0; a < 3; a++) lo[a] = cs_cur_f64(&c);
        for (int a = 0; a < 3; a++) hi[a] = cs_cur_f64(&c);
        double v = cs_cur_f64(&c), s = cs_cur_f64(&c);
        uint32_t shape = cs_cur_u32(&c);
        for (int a = 0; a < 3; a++) d[a] = cs_cur_u64(&c);
        if (c.bad) BAD("%s: truncated header (grid)", path);
        if (csro_grid_new(&m->grid, lo, hi, v, s, (int)shape)) {
            char why[256];
            snprintf(why, sizeof why, "%s", csro_last_error());
            BAD("%s: bad grid in header: %s", path, why);
        }
        for (int a = 0; a < 3; a++)
            if (m->grid->dims[a] != d[a])
                BAD("%s: grid dimension %c is %llu in header but %zu from its geometry", path, "xyz"[a],
                    (unsigned long long)d[a], m->grid->dims[a]);
    }
    char ***lists[2] = {&m->classes, &m->params};
    size_t *counts[2] = {&m->nclasses, &m->nparams};
    const uint32_t maxes[2] = {CS_ZSDM_MAX_CLASSES, CS_ZSDM_MAX_PARAMS};
    const char *what[2] = {"class", "parameter"};
    for (int l = 0; l < 2; l++) {
        uint32_t k = cs_cur_u32(&c);
        if (c.bad) BAD("%s: truncated header (%s names)", path, what[l]);
        if (k > maxes[l] || (size_t)k * 4 > n - c.off) BAD("%s: implausible %s count %u", path, what[l], k);
        if (k && !(*lists[l] = calloc(k, sizeof **lists[l]))) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path); goto fail; }
        for (uint32_t i = 0; i < k; i++) {
            char *s = get_str(&c);
            if (!s || !*s) { free(s); BAD("%s: bad %s name %u in header", path, what[l], i); }
            (*lists[l])[i] = s;
            (*counts[l])++;
        }
    }
    uint32_t nt = cs_cur_u32(&c);
    if (c.bad) BAD("%s: truncated header (texts)", path);
    if (nt > CS_ZSDM_MAX_TEXTS || (size_t)nt * 8 > n - c.off) BAD("%s: implausible text count %u", path, nt);
    if (nt && (!(m->keys = calloc(nt, sizeof *m->keys)) || !(m->vals = calloc(nt, sizeof *m->vals)))) {
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    for (uint32_t i = 0; i < nt; i++) {
        char *k = get_str(&c), *v = k ? get_str(&c) : NULL;
        if (!k || !v || !*k) { free(k); free(v); BAD("%s: bad text %u in header", path, i); }
        m->keys[i] = k; m->vals[i] = v;
        m->ntexts++;
    }
    uint32_t rb = cs_cur_u32(&c);
    if (c.bad) BAD("%s: truncated header (row size)", path);
    if (rb != cs_zsdm_row_bytes(m)) BAD("%s: row size %u in header, expected %zu", path, rb, cs_zsdm_row_bytes(m));
    if (c.off != n) BAD("%s: %zu unexpected bytes at the end of the header", path, n - c.off);
    csro_sdm_opts_free(o);
    *out = m;
    return 0;
fail:
    csro_sdm_opts_free(o);
    csro_zsdm_meta_free(m);
    return rc;
}
