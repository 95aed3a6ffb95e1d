/* ranges_rng.c: RNG range files (Oak Ridge / 3Depict layout):
 *   <nions> <nranges>
 *   per ion: a long-name line, then "<name> <r> <g> <b>"
 *   ------------- <column labels>
 *   . <lo> <hi> [<vol>] <count per column>        (nranges lines)
 * optionally followed by the IVAS "--- polyatomic extension" block (same
 * layout, columns = molecular ion names) whose rows repeat main-table rows
 * to name their molecular ions. */
#include "ranges_impl.h"
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define MAXCOL 512

typedef struct {
    cs_text *t;
    size_t li; /* next line */
} cursor;

/* Next line that is neither blank nor a comment; NULL at the end. */
static char *next_line(cursor *c, int *line)
{
    while (c->li < c->t->n) {
        char *s = c->t->line[c->li];
        *line = c->t->lineno[c->li++];
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s && *s != '#')
            return s;
    }
    return NULL;
}

typedef struct {
    char name[128];
    double rgb[3];
    int has_rgb;
} list_ion;

typedef struct {
    int nions, nranges;
    list_ion *ion;
    int ncol;
    char *col[MAXCOL];
    int headline;
} block_head;

static int read_int_pair(cursor *c, int *a, int *b, int *line, const char *what)
{
    const char *path = c->t->path;
    char *s = next_line(c, line);
    if (!s)
        return cs_err(CSRO_EFORMAT, "%s: missing the %s '<ions> <ranges>' line", path, what);
    char *tok[3];
    int nt = cs_split(s, tok, 3, NULL);
    char *e1, *e2;
    long x = nt == 2 ? strtol(tok[0], &e1, 10) : -1, y = nt == 2 ? strtol(tok[1], &e2, 10) : -1;
    if (nt != 2 || *e1 || *e2 || x < 0 || y < 0 || x > 100000 || y > 10000000)
        return cs_err(CSRO_EFORMAT, "%s: line %d: expected the %s '<ions> <ranges>' counts",
                      path, *line, what);
    *a = (int)x;
    *b = (int)y;
    return 0;
}

/* Ion list and the dashed column header. */
static int read_head(cursor *c, block_head *h, const char *what)
{
    const char *path = c->t->path;
    int line;
    int rc = read_int_pair(c, &h->nions, &h->nranges, &line, what);
    if (rc)
        return rc;
    h->ion = calloc(h->nions ? (size_t)h->nions : 1, sizeof *h->ion);
    if (!h->ion)
        return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (int i = 0; i < h->nions; i++) {
        char *s = next_line(c, &line); /* long name: not used */
        if (s && *s != '-')
            s = next_line(c, &line);
        if (!s || *s == '-')
            return cs_err(CSRO_EFORMAT, "%s: line %d: ion list ends after %d of %d ions", path,
                          line, i, h->nions);
        char *tok[5];
        int nt = cs_split(s, tok, 5, NULL);
        snprintf(h->ion[i].name, sizeof h->ion[i].name, "%s", tok[0]);
        if (nt >= 4) {
            int ok = 1;
            for (int k = 0; k < 3; k++)
                ok &= !cs_text_num(c->t, tok[k + 1], &h->ion[i].rgb[k]);
            h->ion[i].has_rgb = ok;
        }
    }
    char *s = next_line(c, &line);
    if (!s || *s != '-')
        return cs_err(CSRO_EFORMAT, "%s: line %d: expected the '-------- <columns>' table "
                      "header of the %s", path, s ? line : c->t->lineno[c->t->n - 1], what);
    while (*s == '-')
        s++;
    int more;
    h->ncol = cs_split(s, h->col, MAXCOL, &more);
    if (more)
        return cs_err(CSRO_EFORMAT, "%s: line %d: more than %d columns", path, line, MAXCOL);
    if (h->ncol == 0)
        return cs_err(CSRO_EFORMAT, "%s: line %d: table header names no columns", path, line);
    h->headline = line;
    return 0;
}

/* One table row: bounds and per-column counts. */
static int read_row(cursor *c, const block_head *h, double *lo, double *hi, double *vol,
                    int *cnt, int *line, const char *what)
{
    const char *path = c->t->path;
    char *s = next_line(c, line);
    if (!s || *s == '-')
        return cs_err(CSRO_EFORMAT, "%s: %s table ends before its %d declared ranges", path,
                      what, h->nranges);
    char *tok[MAXCOL + 4];
    int more;
    int nt = cs_split(s, tok, MAXCOL + 4, &more);
    int o = nt > 0 && !strcmp(tok[0], ".");
    int nv = nt - o;
    if (more || (nv != h->ncol + 2 && nv != h->ncol + 3))
        return cs_err(CSRO_EFORMAT, "%s: line %d: expected '. low high [volume]' and %d column "
                      "counts", path, *line, h->ncol);
    if (cs_text_num(c->t, tok[o], lo) || cs_text_num(c->t, tok[o + 1], hi))
        return cs_err(CSRO_EFORMAT, "%s: line %d: bad range bounds", path, *line);
    *vol = 0;
    int base = o + 2;
    if (nv == h->ncol + 3) {
        if (cs_text_num(c->t, tok[base], vol))
            return cs_err(CSRO_EFORMAT, "%s: line %d: bad volume", path, *line);
        base++;
    }
    int any = 0;
    for (int k = 0; k < h->ncol; k++) {
        double v;
        if (cs_text_num(c->t, tok[base + k], &v) || v < 0 || v != floor(v) || v > 100000)
            return cs_err(CSRO_EFORMAT, "%s: line %d: bad count '%s' in column %s", path,
                          *line, tok[base + k], h->col[k]);
        cnt[k] = (int)v;
        any |= cnt[k] > 0;
    }
    if (!any)
        return cs_err(CSRO_EFORMAT, "%s: line %d: range has no ion (all column counts are 0)",
                      path, *line);
    return 0;
}

static const list_ion *find_listed(const block_head *h, const char *name)
{
    for (int i = 0; i < h->nions; i++)
        if (!strcmp(h->ion[i].name, name))
            return &h->ion[i];
    for (int i = 0; i < h->nions; i++)
        if (!strcasecmp(h->ion[i].name, name))
            return &h->ion[i];
    return NULL;
}

/* Composition of a column label: an element symbol or a formula. */
static int label_comp(const char *label, cs_comp *comp)
{
    int z = cs_element_find(label, strlen(label), 0);
    if (z) {
        comp[0].z = z;
        comp[0].n = 1;
        return 1;
    }
    return cs_formula_parse(label, strlen(label), comp);
}

static int main_row_ion(csro_ranges *r, const block_head *h, const int *cnt, int line,
                        const char *path, size_t *ion)
{
    int nz = 0, single = -1;
    for (int k = 0; k < h->ncol; k++)
        if (cnt[k] > 0) {
            nz++;
            single = k;
        }
    cs_comp comp[CS_MAXCOMP];
    if (nz == 1 && cnt[single] == 1) {
        const char *label = h->col[single];
        const list_ion *li = find_listed(h, label);
        int nc = label_comp(label, comp);
        return cs_ranges_add_ion(r, label, comp, nc, li && li->has_rgb ? li->rgb : NULL, ion);
    }
    /* molecular ion: sum the column compositions */
    int nc = 0, known = 1;
    char name[256];
    size_t o = 0;
    name[0] = 0;
    for (int k = 0; k < h->ncol; k++) {
        if (cnt[k] == 0)
            continue;
        cs_comp c1[CS_MAXCOMP];
        int n1 = label_comp(h->col[k], c1);
        if (n1 == 0)
            known = 0;
        for (int j = 0; j < n1 && known; j++)
            if (cs_comp_add(comp, &nc, c1[j].z, (long long)c1[j].n * cnt[k]))
                return cs_err(CSRO_EFORMAT, "%s: line %d: too many atoms or elements in one ion", path,
                              line);
        int w = cnt[k] > 1 ? snprintf(name + o, sizeof name - o, "%s%d", h->col[k], cnt[k])
                           : snprintf(name + o, sizeof name - o, "%s", h->col[k]);
        if (w > 0 && (size_t)w < sizeof name - o)
            o += (size_t)w;
    }
    if (!known)
        nc = 0;
    return cs_ranges_add_ion(r, name, comp, nc, NULL, ion);
}

static void head_free(block_head *h)
{
    free(h->ion);
    h->ion = NULL;
}

/* The IVAS polyatomic extension: rows repeat main-table bounds and name
 * the molecular ion of that row. */
static int parse_poly(csro_ranges *r, cursor *c, size_t nmain)
{
    const char *path = c->t->path;
    block_head h = {0};
    int rc = read_head(c, &h, "polyatomic extension");
    int *cnt = rc ? NULL : malloc((size_t)h.ncol * sizeof *cnt);
    if (!rc && !cnt)
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (int i = 0; !rc && i < h.nranges; i++) {
        double lo, hi, vol;
        int line;
        rc = read_row(c, &h, &lo, &hi, &vol, cnt, &line, "polyatomic extension");
        if (rc)
            break;
        int col = -1;
        for (int k = 0; k < h.ncol; k++)
            if (cnt[k] > 0) {
                if (col >= 0) {
                    rc = cs_err(CSRO_EFORMAT, "%s: line %d: polyatomic row names more than one "
                                "ion", path, line);
                    break;
                }
                col = k;
            }
        if (rc)
            break;
        const char *pname = h.col[col];
        const list_ion *li = find_listed(&h, pname);
        const double *rgb = li && li->has_rgb ? li->rgb : NULL;
        double tol = 1e-4;
        int matched = 0;
        for (size_t k = 0; k < nmain && !rc; k++) {
            cs_range *g = &r->ranges[k];
            if (fabs(g->lo - lo) > tol || fabs(g->hi - hi) > tol)
                continue;
            matched = 1;
            cs_ion copy = r->ions[g->ion];
            /* the row's molecular ion takes the extension's name (its
             * composition stays the one of the main table); the composed
             * name is dropped at the end if no range keeps it */
            size_t idx;
            rc = cs_ranges_add_ion(r, pname, copy.comp, copy.ncomp, rgb, &idx);
            if (!rc)
                r->ranges[k].ion = idx;
        }
        if (!rc && !matched) {
            cs_comp comp[CS_MAXCOMP];
            int nc = cs_formula_parse(pname, strlen(pname), comp);
            size_t idx;
            rc = cs_ranges_add_ion(r, pname, comp, nc, rgb, &idx);
            if (!rc)
                rc = cs_ranges_add_range(r, c->t, line, lo, hi, vol, idx);
        }
    }
    free(cnt);
    head_free(&h);
    return rc;
}

int cs_ranges_parse_rng(csro_ranges *r, cs_text *t)
{
    cursor c = {t, 0};
    block_head h = {0};
    int rc = read_head(&c, &h, "RNG header");
    int *cnt = rc ? NULL : malloc((size_t)h.ncol * sizeof *cnt);
    if (!rc && !cnt)
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", t->path);
    for (int i = 0; !rc && i < h.nranges; i++) {
        double lo, hi, vol;
        int line;
        size_t ion;
        rc = read_row(&c, &h, &lo, &hi, &vol, cnt, &line, "range");
        if (!rc)
            rc = main_row_ion(r, &h, cnt, line, t->path, &ion);
        if (!rc)
            rc = cs_ranges_add_range(r, t, line, lo, hi, vol, ion);
    }
    free(cnt);
    head_free(&h);
    if (rc)
        return rc;
    /* after the table: nothing, or the polyatomic extension */
    int line;
    char *s = next_line(&c, &line);
    if (!s)
        return 0;
    if (*s == '-' && strcasestr(s, "polyatomic"))
        rc = parse_poly(r, &c, r->nranges);
    else
        return cs_err(CSRO_EFORMAT, "%s: line %d: unexpected text after the %d declared ranges",
                      t->path, line, h.nranges);
    if (rc)
        return rc;
    s = next_line(&c, &line);
    if (s)
        return cs_err(CSRO_EFORMAT, "%s: line %d: unexpected text after the polyatomic "
                      "extension", t->path, line);
    return 0;
}
