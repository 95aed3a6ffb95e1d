/* ranges.c: range-file handle: options, loading, merging, overlap check,
 * mass lookup and accessors (parsers in ranges_rrng.c and ranges_rng.c). */
#include "ranges_impl.h"
#include <math.h>
#include <stdlib.h>
#include <strings.h>

csro_ranges_opts *csro_ranges_opts_new(void)
{
    return calloc(1, sizeof(csro_ranges_opts));
}

void csro_ranges_opts_free(csro_ranges_opts *o)
{
    free(o);
}

int csro_ranges_opts_set_first_match(csro_ranges_opts *o, int on)
{
    if (!o)
        return cs_err(CSRO_EINVAL, "ranges options: NULL object");
    o->first_match = on != 0;
    return 0;
}

int csro_ranges_opts_set_format(csro_ranges_opts *o, int format)
{
    if (!o)
        return cs_err(CSRO_EINVAL, "ranges options: NULL object");
    if (format != CSRO_RANGES_AUTO && format != CSRO_RANGES_RRNG && format != CSRO_RANGES_RNG &&
        format != CSRO_RANGES_ENV)
        return cs_err(CSRO_EINVAL, "ranges options: unknown format %d", format);
    o->format = format;
    return 0;
}

void csro_ranges_free(csro_ranges *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nions; i++)
        free(r->ions[i].name);
    free(r->ions);
    free(r->ranges);
    free(r->counts);
    free(r->lk_d.bp);
    free(r->lk_d.at);
    free(r->lk_d.after);
    free(r->lk_d.start);
    free(r->lk_f.bp);
    free(r->lk_f.at);
    free(r->lk_f.after);
    free(r->lk_f.start);
    free(r->path);
    free(r);
}

/* ---- builder ---------------------------------------------------------- */

int cs_ranges_add_ion(csro_ranges *r, const char *name, const cs_comp *comp, int ncomp,
                      const double *rgb, size_t *idx)
{
    for (size_t i = 0; i < r->nions; i++) {
        cs_ion *ion = &r->ions[i];
        if (strcmp(ion->name, name))
            continue;
        if (rgb && !ion->has_rgb) {
            memcpy(ion->rgb, rgb, sizeof ion->rgb);
            ion->has_rgb = 1;
        }
        if (ncomp > 0 && ion->ncomp == 0) {
            memcpy(ion->comp, comp, (size_t)ncomp * sizeof *comp);
            ion->ncomp = ncomp;
        }
        *idx = i;
        return 0;
    }
    if (r->nions == r->cap_ions) {
        size_t cap = r->cap_ions ? 2 * r->cap_ions : 16;
        cs_ion *n = realloc(r->ions, cap * sizeof *n);
        if (!n)
            return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
        r->ions = n;
        r->cap_ions = cap;
    }
    cs_ion *ion = &r->ions[r->nions];
    memset(ion, 0, sizeof *ion);
    ion->name = strdup(name);
    if (!ion->name)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    if (rgb) {
        memcpy(ion->rgb, rgb, sizeof ion->rgb);
        ion->has_rgb = 1;
    }
    if (ncomp > 0) {
        memcpy(ion->comp, comp, (size_t)ncomp * sizeof *comp);
        ion->ncomp = ncomp;
    }
    *idx = r->nions++;
    return 0;
}

int cs_ranges_add_range(csro_ranges *r, const cs_text *t, int line, double lo, double hi,
                        double vol, size_t ion)
{
    if (!(lo < hi))
        return cs_err(CSRO_EFORMAT, "%s: line %d: range low %.10g is not below high %.10g", t->path,
                      line, lo, hi);
    if (r->nranges == r->cap_ranges) {
        size_t cap = r->cap_ranges ? 2 * r->cap_ranges : 32;
        cs_range *n = realloc(r->ranges, cap * sizeof *n);
        if (!n)
            return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
        r->ranges = n;
        r->cap_ranges = cap;
    }
    cs_range *g = &r->ranges[r->nranges];
    g->lo = lo;
    g->hi = hi;
    g->vol = vol;
    g->ion = ion;
    g->prio = r->nranges;
    g->line = line;
    r->nranges++;
    return 0;
}

/* ---- finishing: merge, overlap check, elements, lookup ---------------- */

static int cmp_ion_lo(const void *a, const void *b)
{
    const cs_range *x = a, *y = b;
    if (x->ion != y->ion)
        return x->ion < y->ion ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int cmp_prio(const void *a, const void *b)
{
    const cs_range *x = a, *y = b;
    return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int cmp_lo(const void *a, const void *b)
{
    const cs_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t bp_index(const double *bp, size_t n, double v)
{
    size_t a = 0, b = n; /* v is one of bp */
    while (b - a > 1) {
        size_t m = (a + b) / 2;
        if (bp[m] <= v)
            a = m;
        else
            b = m;
    }
    return a;
}

/* Ranges are in priority order; rnd = 1 rounds the bounds to float. */
static int build_lookup(csro_ranges *r, cs_lookup *lk, int rnd)
{
    size_t n = r->nranges;
    lk->bp = malloc(2 * n * sizeof *lk->bp);
    if (!lk->bp)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    for (size_t k = 0; k < n; k++) {
        lk->bp[2 * k] = rnd ? (double)(float)r->ranges[k].lo : r->ranges[k].lo;
        lk->bp[2 * k + 1] = rnd ? (double)(float)r->ranges[k].hi : r->ranges[k].hi;
    }
    qsort(lk->bp, 2 * n, sizeof *lk->bp, cmp_dbl);
    size_t m = 0;
    for (size_t i = 0; i < 2 * n; i++)
        if (m == 0 || lk->bp[i] != lk->bp[m - 1])
            lk->bp[m++] = lk->bp[i];
    lk->nbp = m;
    lk->at = malloc(m * sizeof *lk->at);
    lk->after = malloc(m * sizeof *lk->after);
    if (!lk->at || !lk->after)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    for (size_t j = 0; j < m; j++)
        lk->at[j] = lk->after[j] = -1;
    /* buckets: about 4 per bound, at most 1 << 16 */
    size_t nb = 4 * m < 64 ? 64 : 4 * m > 65536 ? 65536 : 4 * m;
    double span = lk->bp[m - 1] - lk->bp[0];
    lk->nbucket = nb;
    lk->binv = span > 0 ? (double)nb / span : 0.0;
    lk->start = malloc(nb * sizeof *lk->start);
    if (!lk->start)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    for (size_t b = 0, j = 0; b < nb; b++) {
        double edge = lk->bp[0] + (double)b * (span / (double)nb);
        while (j + 1 < m && lk->bp[j + 1] <= edge)
            j++;
        lk->start[b] = (uint32_t)j;
    }
    /* paint from the last range to the first so the first listed wins */
    for (size_t k = n; k-- > 0;) {
        double lo = rnd ? (double)(float)r->ranges[k].lo : r->ranges[k].lo;
        double hi = rnd ? (double)(float)r->ranges[k].hi : r->ranges[k].hi;
        size_t a = bp_index(lk->bp, m, lo), b = bp_index(lk->bp, m, hi);
        int32_t ion = (int32_t)r->ranges[k].ion;
        for (size_t j = a; j <= b; j++) {
            lk->at[j] = ion;
            if (j < b)
                lk->after[j] = ion;
        }
    }
    return 0;
}

int cs_lookup_find(const cs_lookup *lk, double m)
{
    if (!(m >= lk->bp[0] && m <= lk->bp[lk->nbp - 1]))
        return -1; /* also NaN */
    size_t b = (size_t)((m - lk->bp[0]) * lk->binv);
    if (b >= lk->nbucket)
        b = lk->nbucket - 1;
    size_t j = lk->start[b];
    while (j > 0 && lk->bp[j] > m) /* rounding at a bucket edge */
        j--;
    while (j + 1 < lk->nbp && lk->bp[j + 1] <= m)
        j++;
    return lk->bp[j] == m ? lk->at[j] : lk->after[j];
}

int cs_ranges_finish(csro_ranges *r, int first_match)
{
    size_t n = r->nranges;
    if (n == 0)
        return cs_err(CSRO_EFORMAT, "%s: no ranges", r->path);
    /* keep only the ion types that have ranges (RNG ion lists name the
     * elements of molecular ions too) */
    size_t *map = malloc((r->nions ? r->nions : 1) * sizeof *map);
    if (!map)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->nions; i++)
        map[i] = SIZE_MAX;
    for (size_t k = 0; k < n; k++)
        map[r->ranges[k].ion] = 0;
    size_t ni = 0;
    for (size_t i = 0; i < r->nions; i++) {
        if (map[i] == SIZE_MAX) {
            free(r->ions[i].name);
            continue;
        }
        map[i] = ni;
        r->ions[ni++] = r->ions[i];
    }
    r->nions = ni;
    for (size_t k = 0; k < n; k++)
        r->ranges[k].ion = map[r->ranges[k].ion];
    free(map);
    /* merge duplicate / overlapping / touching ranges of the same ion */
    qsort(r->ranges, n, sizeof *r->ranges, cmp_ion_lo);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        cs_range *g = &r->ranges[i];
        if (m > 0 && r->ranges[m - 1].ion == g->ion && g->lo <= r->ranges[m - 1].hi) {
            cs_range *d = &r->ranges[m - 1];
            if (g->hi > d->hi)
                d->hi = g->hi;
            d->vol += g->vol;
            if (g->prio < d->prio) {
                d->prio = g->prio;
                d->line = g->line;
            }
        } else {
            r->ranges[m++] = *g;
        }
    }
    n = r->nranges = m;
    /* overlaps between different ions (a shared end point is allowed) */
    qsort(r->ranges, n, sizeof *r->ranges, cmp_lo);
    size_t top = 0;
    for (size_t i = 1; i < n; i++) {
        const cs_range *a = &r->ranges[top], *b = &r->ranges[i];
        if (b->lo < a->hi && !first_match) {
            const cs_range *p = a->prio < b->prio ? a : b, *q = a->prio < b->prio ? b : a;
            return cs_err(CSRO_EFORMAT,
                          "%s: ranges of different ions overlap: %s [%.10g, %.10g] (line %d) and "
                          "%s [%.10g, %.10g] (line %d); enable first-match to let the first win",
                          r->path, r->ions[p->ion].name, p->lo, p->hi, p->line,
                          r->ions[q->ion].name, q->lo, q->hi, q->line);
        }
        if (b->hi > a->hi)
            top = i;
    }
    qsort(r->ranges, n, sizeof *r->ranges, cmp_prio);
    /* elements in order of first appearance, and the count matrix */
    r->nel = 0;
    for (size_t i = 0; i < r->nions; i++)
        for (int c = 0; c < r->ions[i].ncomp; c++) {
            int z = r->ions[i].comp[c].z, seen = 0;
            for (int e = 0; e < r->nel; e++)
                seen |= r->el_z[e] == z;
            if (!seen)
                r->el_z[r->nel++] = z;
        }
    r->counts = calloc(r->nions * (size_t)(r->nel ? r->nel : 1), sizeof *r->counts);
    if (!r->counts)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->nions; i++)
        for (int c = 0; c < r->ions[i].ncomp; c++)
            for (int e = 0; e < r->nel; e++)
                if (r->el_z[e] == r->ions[i].comp[c].z)
                    r->counts[i * (size_t)r->nel + (size_t)e] = r->ions[i].comp[c].n;
    int rc = build_lookup(r, &r->lk_d, 0);
    if (!rc)
        rc = build_lookup(r, &r->lk_f, 1);
    return rc;
}

/* ---- loading ---------------------------------------------------------- */

static int detect_format(const cs_text *t, const char *path)
{
    size_t n = strlen(path);
    /* ENV counts look like an RNG header: the extension decides first */
    if (n >= 4 && !strcasecmp(path + n - 4, ".env"))
        return CSRO_RANGES_ENV;
    for (size_t i = 0; i < t->n; i++) {
        const char *s = t->line[i];
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[')
            return CSRO_RANGES_RRNG;
        if (*s >= '0' && *s <= '9')
            return CSRO_RANGES_RNG;
        if (!strncmp(s, "Rev_", 4))
            return CSRO_RANGES_ENV;
        break;
    }
    if (n >= 5 && !strcasecmp(path + n - 5, ".rrng"))
        return CSRO_RANGES_RRNG;
    if (n >= 4 && !strcasecmp(path + n - 4, ".rng"))
        return CSRO_RANGES_RNG;
    return CSRO_RANGES_AUTO;
}

int csro_ranges_load(csro_ranges **out, const char *path, const csro_ranges_opts *opts)
{
    if (!out)
        return cs_err(CSRO_EINVAL, "csro_ranges_load: NULL out");
    *out = NULL;
    if (!path)
        return cs_err(CSRO_EINVAL, "csro_ranges_load: NULL path");
    csro_ranges_opts def = {0, CSRO_RANGES_AUTO};
    if (!opts)
        opts = &def;
    cs_text t;
    int rc = cs_text_read(&t, path);
    if (rc)
        return rc;
    csro_ranges *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        cs_text_free(&t);
        return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    }
    int fmt = opts->format ? opts->format : detect_format(&t, path);
    r->format = fmt;
    if (fmt == CSRO_RANGES_RRNG)
        rc = cs_ranges_parse_rrng(r, &t);
    else if (fmt == CSRO_RANGES_RNG)
        rc = cs_ranges_parse_rng(r, &t);
    else if (fmt == CSRO_RANGES_ENV)
        rc = cs_ranges_parse_env(r, &t);
    else
        rc = cs_err(CSRO_EFORMAT, "%s: not a range file (neither RRNG '[Ions]' nor RNG or ENV "
                                  "'<ions> <ranges>' header)", path);
    cs_text_free(&t);
    if (!rc)
        rc = cs_ranges_finish(r, opts->first_match);
    if (rc) {
        csro_ranges_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ---- accessors -------------------------------------------------------- */

int csro_ranges_format(const csro_ranges *r)
{
    return r ? r->format : 0;
}

size_t csro_ranges_nions(const csro_ranges *r)
{
    return r ? r->nions : 0;
}

const char *csro_ranges_ion_name(const csro_ranges *r, size_t ion)
{
    return r && ion < r->nions ? r->ions[ion].name : NULL;
}

int csro_ranges_find_ion(const csro_ranges *r, const char *name)
{
    if (!r || !name)
        return -1;
    for (size_t i = 0; i < r->nions; i++)
        if (!strcmp(r->ions[i].name, name))
            return (int)i;
    for (size_t i = 0; i < r->nions; i++)
        if (!strcasecmp(r->ions[i].name, name))
            return (int)i;
    return -1;
}

int csro_ranges_ion_color(const csro_ranges *r, size_t ion, double rgb[3])
{
    if (!r || ion >= r->nions || !rgb)
        return cs_err(CSRO_EINVAL, "csro_ranges_ion_color: bad ion index");
    if (!r->ions[ion].has_rgb) {
        rgb[0] = rgb[1] = rgb[2] = 0.5;
        return CSRO_ENOTFOUND;
    }
    memcpy(rgb, r->ions[ion].rgb, 3 * sizeof *rgb);
    return 0;
}

int csro_ranges_ion_known(const csro_ranges *r, size_t ion)
{
    return r && ion < r->nions && r->ions[ion].ncomp > 0;
}

size_t csro_ranges_nranges(const csro_ranges *r)
{
    return r ? r->nranges : 0;
}

int csro_ranges_range(const csro_ranges *r, size_t k, double *lo, double *hi, size_t *ion)
{
    if (!r || k >= r->nranges)
        return cs_err(CSRO_EINVAL, "csro_ranges_range: index out of range");
    if (lo)
        *lo = r->ranges[k].lo;
    if (hi)
        *hi = r->ranges[k].hi;
    if (ion)
        *ion = r->ranges[k].ion;
    return 0;
}

double csro_ranges_range_volume(const csro_ranges *r, size_t k)
{
    return r && k < r->nranges ? r->ranges[k].vol : -1.0;
}

size_t csro_ranges_nelements(const csro_ranges *r)
{
    return r ? (size_t)r->nel : 0;
}

const char *csro_ranges_element(const csro_ranges *r, size_t e)
{
    return r && e < (size_t)r->nel ? cs_element_symbol(r->el_z[e]) : NULL;
}

int csro_ranges_find_element(const csro_ranges *r, const char *symbol)
{
    if (!r || !symbol)
        return -1;
    int z = cs_element_find(symbol, strlen(symbol), 0);
    for (int e = 0; z && e < r->nel; e++)
        if (r->el_z[e] == z)
            return e;
    return -1;
}

int csro_ranges_ion_element_count(const csro_ranges *r, size_t ion, size_t e)
{
    if (!r || ion >= r->nions || e >= (size_t)r->nel)
        return 0;
    return r->counts[ion * (size_t)r->nel + e];
}

int csro_ranges_ion_of(const csro_ranges *r, double mass)
{
    return r ? cs_lookup_find(&r->lk_d, mass) : -1;
}

int csro_ranges_assign(const csro_ranges *r, const float *mass, size_t n, int32_t *ion_out)
{
    if (!r || (n > 0 && (!mass || !ion_out)))
        return cs_err(CSRO_EINVAL, "csro_ranges_assign: NULL argument");
    for (size_t i = 0; i < n; i++)
        ion_out[i] = cs_lookup_find(&r->lk_f, (double)mass[i]);
    return 0;
}
