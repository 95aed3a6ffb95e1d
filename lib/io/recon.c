/* recon.c: csro_recon core: options, format names, creation, accessors,
 * extra fields, metadata, bounds, shuffle and subset (see csro/recon.h). */
#include "recon_impl.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/mman.h>

/* ---- load options ---- */

csro_load_opts *csro_load_opts_new(void)
{
    csro_load_opts *o = calloc(1, sizeof *o);
    if (o) o->sniff = 1;
    return o;
}

void csro_load_opts_free(csro_load_opts *o) { free(o); }

int csro_load_opts_set_max_stream_ions(csro_load_opts *o, size_t n)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    if (!n) return cs_err(CSRO_EINVAL, "load options: the stream cap must be at least 1 ion");
    o->max_stream = n;
    return 0;
}

size_t cs_recon_max_ions(const csro_load_opts *o, const cs_rin *in)
{
    if (in->size_known) return SIZE_MAX;
    return o->max_stream ? o->max_stream : CSRO_LOAD_MAX_STREAM_IONS;
}

int cs_recon_too_many(const cs_rin *in, size_t max)
{
    return cs_err(CSRO_EFORMAT, "%s: more than %zu ions from a stream (the cap of input of unknown size; "
                  "read it from a file, or raise it with csro_load_opts_set_max_stream_ions)", in->path, max);
}

int csro_load_opts_set_format(csro_load_opts *o, int fmt)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    if (fmt < CSRO_FMT_AUTO || fmt > CSRO_FMT_ATO) return cs_err(CSRO_EINVAL, "load options: unknown format %d", fmt);
    o->fmt = fmt;
    return 0;
}

int csro_load_opts_set_drop_nonfinite(csro_load_opts *o, int drop)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    o->drop = drop != 0;
    return 0;
}

int csro_load_opts_set_sniff(csro_load_opts *o, int sniff)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    o->sniff = sniff != 0;
    return 0;
}

int csro_load_opts_set_meta_only(csro_load_opts *o, int meta_only)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    o->meta_only = meta_only != 0;
    return 0;
}

int csro_load_opts_set_progress(csro_load_opts *o, csro_progress_fn fn, void *user)
{
    if (!o) return cs_err(CSRO_EINVAL, "load options: NULL");
    o->progress = fn;
    o->user = user;
    return 0;
}

/* ---- format names ---- */

int csro_format_from_name(const char *name)
{
    if (!name) return cs_err(CSRO_EINVAL, "format name: NULL");
    static const struct { const char *s; int f; } t[] = {
        {"auto", CSRO_FMT_AUTO}, {"pos", CSRO_FMT_POS}, {"epos", CSRO_FMT_EPOS}, {"apt", CSRO_FMT_APT},
        {"csv", CSRO_FMT_CSV}, {"tsv", CSRO_FMT_CSV}, {"txt", CSRO_FMT_CSV}, {"ato", CSRO_FMT_ATO}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(name, t[i].s)) return t[i].f;
    return cs_err(CSRO_EINVAL, "unknown reconstruction format '%s' (pos, epos, apt, ato, csv)", name);
}

const char *csro_format_name(int fmt)
{
    switch (fmt) {
    case CSRO_FMT_AUTO: return "auto";
    case CSRO_FMT_POS: return "pos";
    case CSRO_FMT_EPOS: return "epos";
    case CSRO_FMT_APT: return "apt";
    case CSRO_FMT_CSV: return "csv";
    case CSRO_FMT_ATO: return "ato";
    default: return "unknown";
    }
}

int csro_format_from_path(const char *path)
{
    if (!path) return cs_err(CSRO_EINVAL, "format: NULL path");
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || !dot[1] || !strcasecmp(dot + 1, "auto"))
        return cs_err(CSRO_EINVAL, "%s: cannot tell the format from the file name (use .pos, .epos, .apt, .ato, .csv, .tsv or .txt, or give the format)", path);
    int f = csro_format_from_name(dot + 1);
    if (f <= 0)
        return cs_err(CSRO_EINVAL, "%s: unknown extension '%s' (use .pos, .epos, .apt, .ato, .csv, .tsv or .txt, or give the format)", path, dot);
    return f;
}

/* ---- creation and destruction ---- */

static char *dupstr(const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static float *dup_floats(const float *src, size_t n)
{
    float *d = malloc(n ? n * sizeof *d : 1);
    if (d && n) memcpy(d, src, n * sizeof *d);
    return d;
}

int csro_recon_from_arrays(csro_recon **out, size_t n, const float *x, const float *y,
                           const float *z, const float *mass)
{
    if (!out) return cs_err(CSRO_EINVAL, "recon: NULL output");
    *out = NULL;
    if (n && (!x || !y || !z || !mass)) return cs_err(CSRO_EINVAL, "recon: NULL array for %zu ions", n);
    if (n > SIZE_MAX / 16) return cs_err(CSRO_EINVAL, "recon: %zu ions is too many", n);
    csro_recon *r = calloc(1, sizeof *r);
    if (!r) return cs_err(CSRO_ENOMEM, "recon: out of memory");
    r->n = n;
    if (n) {
        r->x = dup_floats(x, n);
        r->y = dup_floats(y, n);
        r->z = dup_floats(z, n);
        r->m = dup_floats(mass, n);
        if (!r->x || !r->y || !r->z || !r->m) {
            csro_recon_free(r);
            return cs_err(CSRO_ENOMEM, "recon: out of memory for %zu ions", n);
        }
    }
    *out = r;
    return 0;
}

void csro_recon_free(csro_recon *r)
{
    if (!r) return;
    free(r->x); free(r->y); free(r->z); free(r->m);
    for (size_t i = 0; i < r->nf; i++) { free(r->f[i].name); free(r->f[i].unit); free(r->f[i].data); }
    free(r->f);
    for (size_t i = 0; i < r->nsec; i++) { free(r->sec[i].name); free(r->sec[i].unit); }
    free(r->sec);
    for (size_t i = 0; i < 2 * r->nmeta; i++) free(r->meta[i]);
    free(r->meta);
    free(r);
}

/* ---- accessors ---- */

size_t csro_recon_count(const csro_recon *r) { return r ? r->n : 0; }
const float *csro_recon_x(const csro_recon *r) { return r && r->n ? r->x : NULL; }
const float *csro_recon_y(const csro_recon *r) { return r && r->n ? r->y : NULL; }
const float *csro_recon_z(const csro_recon *r) { return r && r->n ? r->z : NULL; }
const float *csro_recon_mass(const csro_recon *r) { return r && r->n ? r->m : NULL; }
int csro_recon_format(const csro_recon *r) { return r ? r->fmt : CSRO_FMT_AUTO; }
size_t csro_recon_dropped(const csro_recon *r) { return r ? r->dropped : 0; }

int csro_recon_bounds(const csro_recon *r, double lo[3], double hi[3])
{
    if (!r || !r->n || !r->x) return cs_err(CSRO_EINVAL, "recon: no ions, no bounds");
    const float *c[3] = {r->x, r->y, r->z};
    for (int a = 0; a < 3; a++) {
        float mn = c[a][0], mx = c[a][0];
        for (size_t i = 1; i < r->n; i++) {
            float v = c[a][i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
        lo[a] = mn;
        hi[a] = mx;
    }
    return 0;
}

/* ---- fields ---- */

size_t csro_field_type_size(int type)
{
    switch (type) {
    case CSRO_FIELD_I8: case CSRO_FIELD_U8: return 1;
    case CSRO_FIELD_I16: case CSRO_FIELD_U16: return 2;
    case CSRO_FIELD_F32: case CSRO_FIELD_I32: case CSRO_FIELD_U32: return 4;
    case CSRO_FIELD_F64: case CSRO_FIELD_I64: case CSRO_FIELD_U64: return 8;
    default: return 0;
    }
}

size_t csro_recon_nfields(const csro_recon *r) { return r ? r->nf : 0; }

const char *csro_recon_field_name(const csro_recon *r, size_t i)
{ return r && i < r->nf ? r->f[i].name : NULL; }

int csro_recon_field_type(const csro_recon *r, size_t i)
{ return r && i < r->nf ? r->f[i].type : cs_err(CSRO_EINVAL, "recon: no field %zu", i); }

size_t csro_recon_field_width(const csro_recon *r, size_t i)
{ return r && i < r->nf ? r->f[i].width : 0; }

const char *csro_recon_field_unit(const csro_recon *r, size_t i)
{ return r && i < r->nf ? r->f[i].unit : NULL; }

const void *csro_recon_field_data(const csro_recon *r, size_t i)
{ return r && i < r->nf && r->n ? r->f[i].data : NULL; }

int csro_recon_field_index(const csro_recon *r, const char *name)
{
    if (r && name)
        for (size_t i = 0; i < r->nf; i++)
            if (!strcmp(r->f[i].name, name)) return (int)i;
    return cs_err(CSRO_ENOTFOUND, "recon: no field '%s'", name ? name : "(null)");
}

int cs_recon_add_field_own(csro_recon *r, const char *name, int type, size_t width,
                           const char *unit, void *data)
{
    cs_rfield *nf = realloc(r->f, (r->nf + 1) * sizeof *nf);
    if (!nf) { free(data); return cs_err(CSRO_ENOMEM, "recon: out of memory"); }
    r->f = nf;
    cs_rfield *f = &r->f[r->nf];
    f->name = dupstr(name);
    f->unit = dupstr(unit);
    if (!f->name || !f->unit) {
        free(f->name); free(f->unit); free(data);
        return cs_err(CSRO_ENOMEM, "recon: out of memory");
    }
    f->type = type;
    f->width = width;
    f->data = data;
    r->nf++;
    return 0;
}

int csro_recon_set_field(csro_recon *r, const char *name, int type, size_t width,
                         const char *unit, const void *data)
{
    if (!r || !name || !*name) return cs_err(CSRO_EINVAL, "recon: field needs a name");
    size_t es = csro_field_type_size(type);
    if (!es) return cs_err(CSRO_EINVAL, "recon: field '%s': unknown type %d", name, type);
    if (width < 1 || width > 4096) return cs_err(CSRO_EINVAL, "recon: field '%s': width %zu", name, width);
    if (r->meta_only) return cs_err(CSRO_EINVAL, "recon: field '%s': reconstruction was loaded without data", name);
    if (r->n && !data) return cs_err(CSRO_EINVAL, "recon: field '%s': NULL data", name);
    if (r->n > SIZE_MAX / es / width) return cs_err(CSRO_ENOMEM, "recon: field '%s' too large", name);
    size_t bytes = r->n * es * width;
    void *d = malloc(bytes ? bytes : 1);
    if (!d) return cs_err(CSRO_ENOMEM, "recon: out of memory for field '%s'", name);
    if (bytes) memcpy(d, data, bytes);
    for (size_t i = 0; i < r->nf; i++) {
        if (strcmp(r->f[i].name, name)) continue;
        char *u = dupstr(unit);
        if (!u) { free(d); return cs_err(CSRO_ENOMEM, "recon: out of memory"); }
        free(r->f[i].data);
        free(r->f[i].unit);
        r->f[i].data = d;
        r->f[i].unit = u;
        r->f[i].type = type;
        r->f[i].width = width;
        return 0;
    }
    return cs_recon_add_field_own(r, name, type, width, unit, d);
}

/* ---- metadata and sections ---- */

int cs_recon_add_meta(csro_recon *r, const char *key, const char *value)
{
    char **nm = realloc(r->meta, 2 * (r->nmeta + 1) * sizeof *nm);
    if (!nm) return cs_err(CSRO_ENOMEM, "recon: out of memory");
    r->meta = nm;
    char *k = dupstr(key), *v = dupstr(value);
    if (!k || !v) { free(k); free(v); return cs_err(CSRO_ENOMEM, "recon: out of memory"); }
    r->meta[2 * r->nmeta] = k;
    r->meta[2 * r->nmeta + 1] = v;
    r->nmeta++;
    return 0;
}

size_t csro_recon_nmeta(const csro_recon *r) { return r ? r->nmeta : 0; }
const char *csro_recon_meta_key(const csro_recon *r, size_t i) { return r && i < r->nmeta ? r->meta[2 * i] : NULL; }
const char *csro_recon_meta_value(const csro_recon *r, size_t i) { return r && i < r->nmeta ? r->meta[2 * i + 1] : NULL; }

const char *csro_recon_meta(const csro_recon *r, const char *key)
{
    if (r && key)
        for (size_t i = 0; i < r->nmeta; i++)
            if (!strcmp(r->meta[2 * i], key)) return r->meta[2 * i + 1];
    return NULL;
}

int cs_recon_add_section(csro_recon *r, const char *name, const char *unit, const int64_t p[CS_SEC_NPARAM])
{
    cs_rsection *ns = realloc(r->sec, (r->nsec + 1) * sizeof *ns);
    if (!ns) return cs_err(CSRO_ENOMEM, "recon: out of memory");
    r->sec = ns;
    cs_rsection *s = &r->sec[r->nsec];
    s->name = dupstr(name);
    s->unit = dupstr(unit);
    if (!s->name || !s->unit) { free(s->name); free(s->unit); return cs_err(CSRO_ENOMEM, "recon: out of memory"); }
    memcpy(s->p, p, sizeof s->p);
    return (int)r->nsec++;
}

size_t csro_recon_nsections(const csro_recon *r) { return r ? r->nsec : 0; }
const char *csro_recon_section_name(const csro_recon *r, size_t i) { return r && i < r->nsec ? r->sec[i].name : NULL; }
const char *csro_recon_section_unit(const csro_recon *r, size_t i) { return r && i < r->nsec ? r->sec[i].unit : NULL; }

int64_t csro_recon_section_param(const csro_recon *r, size_t i, int key)
{
    if (!r || i >= r->nsec || key < 1 || key >= CS_SEC_NPARAM)
        return cs_err(CSRO_EINVAL, "recon: no section %zu or key %d", i, key);
    return r->sec[i].p[key];
}

/* ---- transforms ---- */

int csro_recon_shuffle_mass(csro_recon *r, uint64_t seed)
{
    if (!r) return cs_err(CSRO_EINVAL, "recon: NULL");
    if (r->meta_only) return cs_err(CSRO_EINVAL, "recon: loaded without data, nothing to shuffle");
    cs_rng g;
    cs_rng_init(&g, seed, 0);
    for (size_t i = r->n; i > 1; i--) {
        size_t j = (size_t)cs_rng_below(&g, i); /* in [0, i-1] */
        float t = r->m[i - 1];
        r->m[i - 1] = r->m[j];
        r->m[j] = t;
    }
    return 0;
}

/* Copy the kept elements of an array of n items of es bytes. */
static void *gather(const void *src, size_t n, size_t es, const uint8_t *keep, size_t nk)
{
    unsigned char *d = malloc(nk ? nk * es : 1);
    if (!d) return NULL;
    const unsigned char *s = src;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i]) memcpy(d + es * k++, s + es * i, es);
    return d;
}

int csro_recon_subset(csro_recon **out, const csro_recon *r, const uint8_t *keep)
{
    if (!out) return cs_err(CSRO_EINVAL, "recon: NULL output");
    *out = NULL;
    if (!r || (r->n && !keep)) return cs_err(CSRO_EINVAL, "recon subset: NULL argument");
    if (r->meta_only) return cs_err(CSRO_EINVAL, "recon subset: reconstruction was loaded without data");
    size_t nk = 0;
    for (size_t i = 0; i < r->n; i++) nk += keep[i] != 0;
    csro_recon *s = calloc(1, sizeof *s);
    if (!s) return cs_err(CSRO_ENOMEM, "recon: out of memory");
    s->n = nk;
    s->fmt = r->fmt;
    int rc = 0;
    if (!(s->x = gather(r->x, r->n, 4, keep, nk)) || !(s->y = gather(r->y, r->n, 4, keep, nk)) ||
        !(s->z = gather(r->z, r->n, 4, keep, nk)) || !(s->m = gather(r->m, r->n, 4, keep, nk)))
        rc = cs_err(CSRO_ENOMEM, "recon subset: out of memory");
    for (size_t i = 0; !rc && i < r->nf; i++) {
        const cs_rfield *f = &r->f[i];
        void *d = gather(f->data, r->n, csro_field_type_size(f->type) * f->width, keep, nk);
        if (!d) rc = cs_err(CSRO_ENOMEM, "recon subset: out of memory");
        else rc = cs_recon_add_field_own(s, f->name, f->type, f->width, f->unit, d);
    }
    for (size_t i = 0; !rc && i < r->nmeta; i++) rc = cs_recon_add_meta(s, r->meta[2 * i], r->meta[2 * i + 1]);
    if (rc) { csro_recon_free(s); return rc; }
    *out = s;
    return 0;
}

/* ---- post-load validation ---- */

/* A value no reconstruction holds: positions beyond 1e5 nm (0.1 mm) or
 * masses outside [0, 1e4] Da (negative), or tiny non-zero magnitudes
 * (< 1e-30) that come from misread bytes; NaN and infinities too. Tested
 * on the IEEE bits with unsigned compares so the loop vectorizes. */
#define BITS_1E5 0x47c35000u   /* 1e5f */
#define BITS_1E4 0x461c4000u   /* 1e4f */
#define BITS_1EM30 0x0da24260u /* 1e-30f */
#define BITS_INF 0x7f800000u

static inline uint32_t ld_bits(const float *p, size_t i) { uint32_t u; memcpy(&u, p + i, 4); return u; }

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
static void scan_values(const float *X, const float *Y, const float *Z, const float *M,
                        const int32_t *pslep, const int32_t *ipp, size_t n,
                        size_t *bad_out, size_t *nonfin_out)
{
    uint32_t bad = 0, nonfin = 0;
    size_t tb = 0, tn = 0;
    for (size_t i0 = 0; i0 < n; i0 += (1u << 20)) { /* per-chunk u32 sums cannot overflow */
        size_t i1 = n - i0 < (1u << 20) ? n : i0 + (1u << 20);
        bad = nonfin = 0;
        for (size_t i = i0; i < i1; i++) {
            uint32_t ax = ld_bits(X, i) & 0x7fffffffu, ay = ld_bits(Y, i) & 0x7fffffffu, az = ld_bits(Z, i) & 0x7fffffffu;
            uint32_t um = ld_bits(M, i), am = um & 0x7fffffffu;
            uint32_t nf = (ax >= BITS_INF) | (ay >= BITS_INF) | (az >= BITS_INF) | (am >= BITS_INF);
            uint32_t b = (ax > BITS_1E5) | (ay > BITS_1E5) | (az > BITS_1E5) |
                         (ax - 1u < BITS_1EM30 - 1u) | (ay - 1u < BITS_1EM30 - 1u) | (az - 1u < BITS_1EM30 - 1u) |
                         (um > 0x80000000u) | (am > BITS_1E4) | (am - 1u < BITS_1EM30 - 1u);
            if (ipp) /* EPOS: pulses since last event >= 0, 0 <= ions per pulse <= 65535 */
                b |= (uint32_t)(pslep[i] < 0) | ((uint32_t)ipp[i] > 65535u);
            nonfin += nf;
            bad += b;
        }
        tb += bad;
        tn += nonfin;
    }
    *bad_out = tb;
    *nonfin_out = tn;
}

static inline int nonfinite(float v)
{
    return (cs_f2u(v) & 0x7f800000u) == 0x7f800000u;
}

int cs_recon_finish(csro_recon *r, const char *path, const csro_load_opts *o)
{
    if (r->meta_only || !r->n) return 0;
    size_t n = r->n, bad = 0, nonfin = 0;
    const float *X = r->x, *Y = r->y, *Z = r->z, *M = r->m;
    int sniff = o->sniff && r->fmt != CSRO_FMT_CSV;
    const int32_t *pslep = NULL, *ipp = NULL;
    if (r->fmt == CSRO_FMT_EPOS && r->nf == 7) {
        pslep = r->f[5].data;
        ipp = r->f[6].data;
    }
    scan_values(X, Y, Z, M, pslep, ipp, n, &bad, &nonfin);
    if (sniff && bad > n / 2)
        return cs_err(CSRO_EFORMAT, "%s: does not look like %s file: %zu of %zu records hold NaN, infinite or absurd values "
                      "(wrong format or byte order?)", path, r->fmt == CSRO_FMT_EPOS ? "an EPOS" : r->fmt == CSRO_FMT_APT ? "an APT" : r->fmt == CSRO_FMT_ATO ? "an ATO" : "a POS", bad, n);
    size_t first = 0;
    while (nonfin && first < n && !(nonfinite(X[first]) | nonfinite(Y[first]) | nonfinite(Z[first]) | nonfinite(M[first]))) first++;
    if (!nonfin) return 0;
    if (!o->drop) {
        size_t i = first;
        const char *which = !isfinite(r->x[i]) ? "x" : !isfinite(r->y[i]) ? "y" : !isfinite(r->z[i]) ? "z" : "mass";
        float v = !isfinite(r->x[i]) ? r->x[i] : !isfinite(r->y[i]) ? r->y[i] : !isfinite(r->z[i]) ? r->z[i] : r->m[i];
        return cs_err(CSRO_EFORMAT, "%s: ion %zu has a non-finite %s (%s); %zu such ions in all (drop them with the drop-nonfinite option)",
                      path, i, which, isnan(v) ? "NaN" : "infinity", nonfin);
    }
    /* compact every column in place */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(r->x[i]) && isfinite(r->y[i]) && isfinite(r->z[i]) && isfinite(r->m[i]))) continue;
        if (k != i) {
            r->x[k] = r->x[i]; r->y[k] = r->y[i]; r->z[k] = r->z[i]; r->m[k] = r->m[i];
            for (size_t f = 0; f < r->nf; f++) {
                size_t es = csro_field_type_size(r->f[f].type) * r->f[f].width;
                unsigned char *d = r->f[f].data;
                memmove(d + k * es, d + i * es, es);
            }
        }
        k++;
    }
    r->n = k;
    r->dropped = nonfin;
    if (!k) return cs_err(CSRO_EFORMAT, "%s: all %zu ions have non-finite values", path, n);
    return 0;
}

void cs_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t H = (uintptr_t)2 << 20;
    if (!p || bytes < 4 * H) return;
    uintptr_t a = ((uintptr_t)p + H - 1) & ~(H - 1), e = ((uintptr_t)p + bytes) & ~(H - 1);
    if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p; (void)bytes;
#endif
}

void *cs_recon_alloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cs_advise_huge(p, bytes);
    return p;
}

int cs_looks_text(const unsigned char *p, size_t n)
{
    if (n > 3 && !memcmp(p, "\xef\xbb\xbf", 3)) { p += 3; n -= 3; } /* UTF-8 BOM */
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (!(c == '\t' || c == '\n' || c == '\r' || (c >= 32 && c < 127))) return 0;
    }
    return n > 0;
}
