/* ranges_species.c: species selection ("Ni", "Co,Ni", "CrO", "Ni+") to
 * per-ion atom weights. */
#include "ranges_impl.h"
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

/* Composition tokens "Cr:1 O:1" -> comp; 0 if not of that form. */
static int comp_tokens(char *s, cs_comp *comp)
{
    int nc = 0;
    char *tok[CS_MAXCOMP + 1];
    int more;
    int nt = cs_split(s, tok, CS_MAXCOMP + 1, &more);
    if (more || nt == 0)
        return 0;
    for (int i = 0; i < nt; i++) {
        char *c = strchr(tok[i], ':'), *end;
        if (!c)
            return 0;
        int z = cs_element_find(tok[i], (size_t)(c - tok[i]), 0);
        long n = strtol(c + 1, &end, 10);
        if (!z || end == c + 1 || *end || n < 1 || n > 100000 || cs_comp_add(comp, &nc, z, (int)n))
            return 0;
    }
    return nc;
}

/* Ion matching item (see csro_ranges_species_weights), or -1. */
static int find_ion_item(const csro_ranges *r, const char *item)
{
    int i = csro_ranges_find_ion(r, item);
    if (i >= 0)
        return i;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", item);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '+' || buf[n - 1] == '-'))
        buf[--n] = 0;
    if (n == 0)
        return -1;
    i = csro_ranges_find_ion(r, buf);
    if (i >= 0)
        return i;
    cs_comp comp[CS_MAXCOMP];
    int nc = strchr(buf, ':') ? comp_tokens(buf, comp) : cs_formula_parse(buf, n, comp);
    if (nc == 0)
        return -1;
    for (size_t k = 0; k < r->nions; k++)
        if (cs_comp_equal(r->ions[k].comp, r->ions[k].ncomp, comp, nc))
            return (int)k;
    return -1;
}

int csro_ranges_species_weights(const csro_ranges *r, const char *spec, int flags, int *weights,
                                size_t nweights)
{
    if (!r || !spec || !weights)
        return cs_err(CSRO_EINVAL, "species selection: NULL argument");
    if (nweights < r->nions)
        return cs_err(CSRO_EINVAL, "species selection: %zu weights for %zu ion types", nweights,
                      r->nions);
    char *copy = strdup(spec);
    if (!copy)
        return cs_err(CSRO_ENOMEM, "species selection: out of memory");
    unsigned char elsel[CS_NELEMENTS] = {0};
    unsigned char *ionsel = calloc(r->nions ? r->nions : 1, 1);
    if (!ionsel) {
        free(copy);
        return cs_err(CSRO_ENOMEM, "species selection: out of memory");
    }
    int rc = 0, items = 0;
    char *save = NULL;
    for (char *it = strtok_r(copy, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        char *item = trim(it);
        if (!*item)
            continue;
        items++;
        int e = csro_ranges_find_element(r, item);
        if (e >= 0) {
            elsel[e] = 1;
            continue;
        }
        int ion = find_ion_item(r, item);
        if (ion < 0) {
            /* last resort: an element symbol typed in another case */
            int z = cs_element_find(item, strlen(item), 1);
            for (int k = 0; z && k < r->nel; k++)
                if (r->el_z[k] == z)
                    e = k;
        }
        if (ion >= 0)
            ionsel[ion] = 1;
        else if (e >= 0)
            elsel[e] = 1;
        else {
            rc = cs_err(CSRO_ENOTFOUND, "%s: species '%s' is neither an element nor an ion of "
                        "this range file", r->path, item);
            break;
        }
    }
    if (!rc && items == 0)
        rc = cs_err(CSRO_EINVAL, "species selection: empty");
    if (!rc) {
        for (size_t i = 0; i < r->nions; i++) {
            const int *cnt = r->counts + i * (size_t)r->nel;
            int sel = 0, other = 0;
            for (int e = 0; e < r->nel; e++) {
                if (elsel[e])
                    sel += cnt[e];
                else
                    other += cnt[e];
            }
            int w = (flags & CSRO_SPECIES_DECOMPOSE) || other == 0 ? sel : 0;
            if (ionsel[i] && w < 1)
                w = 1;
            weights[i] = w;
        }
    }
    free(ionsel);
    free(copy);
    return rc;
}
