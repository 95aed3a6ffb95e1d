/* ranges_rrng.c: RRNG range files (Imago / IVAS / AP Suite):
 *   [Ions]   Number=N, IonK=Name
 *   [Ranges] Number=M, RangeK=lo hi Vol:v Cr:1 O:1 Name:CrO Color:FF00FF
 * Keys and sections are case-insensitive; '#'/';' lines are comments. */
#include "ranges_impl.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define MAXTOK 64

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

/* key "Range12" with prefix "range" -> 1 if it matches (any number). */
static int key_is(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncasecmp(key, prefix, n))
        return 0;
    if (!key[n])
        return 0;
    for (const char *p = key + n; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_color(const char *v, double rgb[3])
{
    if (*v == '#')
        v++;
    if (strlen(v) != 6)
        return -1;
    for (int i = 0; i < 3; i++) {
        int a = hexval(v[2 * i]), b = hexval(v[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        rgb[i] = (a * 16 + b) / 255.0;
    }
    return 0;
}

/* Is name one of the [Ions] labels without a composition? */
static int listed_label(const csro_ranges *r, const char *name)
{
    for (size_t i = 0; i < r->nions; i++)
        if (r->ions[i].ncomp == 0 && !strcasecmp(r->ions[i].name, name))
            return 1;
    return 0;
}

static int parse_range(csro_ranges *r, cs_text *t, int line, char *val)
{
    const char *path = t->path;
    char *tok[MAXTOK];
    int more;
    int nt = cs_split(val, tok, MAXTOK, &more);
    if (more)
        return cs_err(CSRO_EFORMAT, "%s: line %d: too many fields", path, line);
    double lo, hi, vol = 0;
    if (nt < 2 || cs_text_num(t, tok[0], &lo) || cs_text_num(t, tok[1], &hi))
        return cs_err(CSRO_EFORMAT, "%s: line %d: expected 'low high' bounds", path, line);
    cs_comp comp[CS_MAXCOMP];
    int nc = 0;
    const char *name = NULL, *label = NULL;
    double rgb[3];
    int has_rgb = 0;
    for (int i = 2; i < nt; i++) {
        char *k = tok[i], *v = strchr(k, ':');
        if (!v)
            return cs_err(CSRO_EFORMAT, "%s: line %d: field '%s' is not 'key:value'", path,
                          line, k);
        *v++ = 0;
        if (!*v && i + 1 < nt) /* "Vol: 0.1" */
            v = tok[++i];
        if (!strcasecmp(k, "vol")) {
            if (cs_text_num(t, v, &vol))
                return cs_err(CSRO_EFORMAT, "%s: line %d: bad volume '%s'", path, line, v);
        } else if (!strcasecmp(k, "name")) {
            name = *v ? v : NULL;
        } else if (!strcasecmp(k, "color") || !strcasecmp(k, "colour")) {
            if (parse_color(v, rgb))
                return cs_err(CSRO_EFORMAT, "%s: line %d: bad colour '%s' (want RRGGBB)",
                              path, line, v);
            has_rgb = 1;
        } else {
            double cnt;
            if (cs_text_num(t, v, &cnt) || cnt < 0 || cnt != floor(cnt) || cnt > 100000)
                return cs_err(CSRO_EFORMAT, "%s: line %d: bad atom count '%s:%s'", path, line,
                              k, v);
            /* an element ("Cr:1"), a formula as 3Depict writes for
             * molecular ions ("CrO:1"), an element in another case
             * ("cr:1"), else a label */
            cs_comp kc[CS_MAXCOMP];
            int nk = 0, z = cs_element_find(k, strlen(k), 0);
            if (z) {
                kc[0].z = z;
                kc[0].n = 1;
                nk = 1;
            } else if (!(nk = cs_formula_parse(k, strlen(k), kc)) &&
                       (z = cs_element_find(k, strlen(k), 1))) {
                kc[0].z = z;
                kc[0].n = 1;
                nk = 1;
            }
            if (nk) {
                for (int j = 0; j < nk && cnt > 0; j++)
                    if (cs_comp_add(comp, &nc, kc[j].z, (long long)kc[j].n * (long long)cnt))
                        return cs_err(CSRO_EFORMAT,
                                      "%s: line %d: too many atoms or elements in one ion",
                                      path, line);
            } else if (!label) {
                label = k;
            } else {
                return cs_err(CSRO_EFORMAT, "%s: line %d: '%s' is not an element symbol",
                              path, line, k);
            }
        }
    }
    if (label) {
        /* a non-element token is accepted only as the label of the ion
         * ("Name:unknown unknown:1", or a label listed in [Ions]) */
        int ok = name ? !strcasecmp(label, name) : listed_label(r, label);
        if (!ok)
            return cs_err(CSRO_EFORMAT, "%s: line %d: '%s' is not an element symbol", path,
                          line, label);
        if (!name)
            name = label;
    }
    char buf[256];
    if (!name) {
        if (nc == 0)
            return cs_err(CSRO_EFORMAT, "%s: line %d: range names no ion (no Name: and no "
                          "composition)", path, line);
        name = NULL;
        for (size_t i = 0; i < r->nions && !name; i++)
            if (cs_comp_equal(r->ions[i].comp, r->ions[i].ncomp, comp, nc))
                name = r->ions[i].name;
        if (!name) {
            cs_comp_name(comp, nc, buf, sizeof buf);
            name = buf;
        }
    } else if (nc == 0 && !label) {
        nc = cs_formula_parse(name, strlen(name), comp);
    }
    size_t ion;
    int rc = cs_ranges_add_ion(r, name, comp, nc, has_rgb ? rgb : NULL, &ion);
    if (rc)
        return rc;
    return cs_ranges_add_range(r, t, line, lo, hi, vol, ion);
}

int cs_ranges_parse_rrng(csro_ranges *r, cs_text *t)
{
    enum { NONE, IONS, RANGES, OTHER } sec = NONE;
    long decl[2] = {-1, -1}, seen[2] = {0, 0};
    int declline[2] = {0, 0};
    int sawions = 0;
    for (size_t li = 0; li < t->n; li++) {
        char *s = trim(t->line[li]);
        int line = t->lineno[li];
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e)
                return cs_err(CSRO_EFORMAT, "%s: line %d: unterminated section header", t->path,
                              line);
            *e = 0;
            char *nm = trim(s + 1);
            sec = !strcasecmp(nm, "ions") ? IONS : !strcasecmp(nm, "ranges") ? RANGES : OTHER;
            sawions |= sec == IONS;
            continue;
        }
        if (sec == OTHER)
            continue;
        char *eq = strchr(s, '=');
        if (sec == NONE || !eq)
            return cs_err(CSRO_EFORMAT, "%s: line %d: expected 'key=value' in [Ions] or "
                          "[Ranges], got '%.40s'", t->path, line, s);
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        int si = sec == IONS ? 0 : 1;
        if (!strcasecmp(key, "number")) {
            char *end;
            decl[si] = strtol(val, &end, 10);
            if (end == val || *end || decl[si] < 0)
                return cs_err(CSRO_EFORMAT, "%s: line %d: bad Number '%s'", t->path, line, val);
            declline[si] = line;
        } else if (sec == IONS && key_is(key, "ion")) {
            if (!*val)
                return cs_err(CSRO_EFORMAT, "%s: line %d: empty ion name", t->path, line);
            cs_comp comp[CS_MAXCOMP];
            int nc = cs_formula_parse(val, strlen(val), comp);
            size_t idx;
            int rc = cs_ranges_add_ion(r, val, comp, nc, NULL, &idx);
            if (rc)
                return rc;
            seen[0]++;
        } else if (sec == RANGES && key_is(key, "range")) {
            int rc = parse_range(r, t, line, val);
            if (rc)
                return rc;
            seen[1]++;
        } else {
            return cs_err(CSRO_EFORMAT, "%s: line %d: unknown key '%s' in [%s]", t->path, line,
                          key, sec == IONS ? "Ions" : "Ranges");
        }
    }
    if (!sawions && seen[1] == 0)
        return cs_err(CSRO_EFORMAT, "%s: no [Ions] or [Ranges] section", t->path);
    for (int si = 0; si < 2; si++)
        if (decl[si] > seen[si])
            return cs_err(CSRO_EFORMAT, "%s: line %d: declares %ld %s but %ld follow "
                          "(truncated file?)", t->path, declline[si], decl[si],
                          si ? "ranges" : "ions", seen[si]);
    return 0;
}
