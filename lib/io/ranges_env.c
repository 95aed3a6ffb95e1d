/* ranges_env.c: ENV range files (GPM Rouen "environment" files of the 3D
 * atom probe software), after their public descriptions (3Depict,
 * ifes_apt_tc_data_modeling; csro-env(5)). '#' lines are comments; the
 * data lines are, in order:
 *   Rev_2.0                          optional version line
 *   NEL NRANGES                      counts
 *   NAME R G B                       NEL element/ion lines, colour 0..1
 *   NAME LOW HIGH VOLUME [INCREMENT] NRANGES mass ranges (Da), atomic volume
 * and after them instrument parameters, which are ignored. A NAME that is
 * a chemical formula ("Mn2O") gets that composition; other names ("Hyd",
 * "X23") are labels with unknown composition. Overlapping ranges of one
 * ion are merged as for RRNG (cs_ranges_finish). */
#include "ranges_impl.h"
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define MAXTOK 8

/* next data line (not blank, not a comment) at or after *i */
static char *next_data(const cs_text *t, size_t *i, int *line)
{
    for (; *i < t->n; (*i)++) {
        char *s = t->line[*i];
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        *line = t->lineno[(*i)++];
        return s;
    }
    return NULL;
}

static int add_named_ion(csro_ranges *r, const char *name, const double *rgb, size_t *idx)
{
    cs_comp comp[CS_MAXCOMP];
    int nc = cs_formula_parse(name, strlen(name), comp);
    return cs_ranges_add_ion(r, name, comp, nc > 0 ? nc : 0, rgb, idx);
}

int cs_ranges_parse_env(csro_ranges *r, cs_text *t)
{
    const char *path = t->path;
    size_t i = 0;
    int line = 0;
    char *tok[MAXTOK];
    char *s = next_data(t, &i, &line);
    if (s && !strncasecmp(s, "Rev", 3))
        s = next_data(t, &i, &line);
    double a, b;
    if (!s || cs_split(s, tok, MAXTOK, NULL) != 2 || cs_text_num(t, tok[0], &a) || cs_text_num(t, tok[1], &b) ||
        !(a >= 0 && a <= 1e6 && b >= 0 && b <= 1e7) || a != floor(a) || b != floor(b))
        return cs_err(CSRO_EFORMAT, "%s: line %d: expected the ENV counts '<elements> <mass ranges>'", path,
                      s ? line : 0);
    long nel = (long)a, nrng = (long)b;
    for (long k = 0; k < nel; k++) {
        if (!(s = next_data(t, &i, &line)))
            return cs_err(CSRO_EFORMAT, "%s: element list ends after %ld of %ld elements", path, k, nel);
        int nt = cs_split(s, tok, MAXTOK, NULL);
        double rgb[3];
        int has = nt >= 4;
        for (int c = 0; c < 3 && has; c++)
            has = !cs_text_num(t, tok[c + 1], &rgb[c]) && rgb[c] >= 0 && rgb[c] <= 1;
        if (nt < 1 || (nt != 1 && !has))
            return cs_err(CSRO_EFORMAT, "%s: line %d: expected 'name red green blue' (colour 0..1)", path, line);
        size_t idx;
        int rc = add_named_ion(r, tok[0], has ? rgb : NULL, &idx);
        if (rc)
            return rc;
    }
    for (long k = 0; k < nrng; k++) {
        if (!(s = next_data(t, &i, &line)))
            return cs_err(CSRO_EFORMAT, "%s: range table ends after %ld of %ld ranges", path, k, nrng);
        int nt = cs_split(s, tok, MAXTOK, NULL);
        double lo, hi, vol = 0;
        if (nt < 3 || cs_text_num(t, tok[1], &lo) || cs_text_num(t, tok[2], &hi) ||
            (nt >= 4 && cs_text_num(t, tok[3], &vol)))
            return cs_err(CSRO_EFORMAT, "%s: line %d: expected 'name low high volume [increment]'", path, line);
        size_t idx;
        int rc = add_named_ion(r, tok[0], NULL, &idx);
        if (!rc)
            rc = cs_ranges_add_range(r, t, line, lo, hi, vol, idx);
        if (rc)
            return rc;
    }
    return 0;
}
