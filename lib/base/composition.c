/* composition.c: the one parser of "Co:1,Cr:1,Ni:1" composition strings
 * (pattern simulator, lattice Monte-Carlo, simulated specimens). */
#include "internal.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

int cs_parse_composition(const char *spec, const char *what, size_t max, char (*names)[CS_COMP_NAMELEN],
                         double *w, size_t *count)
{
    *count = 0;
    if (!spec || !*spec) return cs_err(CSRO_EINVAL, "%s: empty composition", what);
    size_t n = 0;
    const char *p = spec;
    while (*p) {
        const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
        if (!comma) comma = p + strlen(p);
        if (!colon || colon > comma)
            return cs_err(CSRO_EINVAL, "%s: composition '%s': expected Species:weight items", what, spec);
        if (n >= max) return cs_err(CSRO_EINVAL, "%s: composition '%s': more than %zu species", what, spec, max);
        size_t len = (size_t)(colon - p);
        if (!len || len >= CS_COMP_NAMELEN)
            return cs_err(CSRO_EINVAL, "%s: composition '%s': bad name '%.*s'", what, spec, (int)len, p);
        memcpy(names[n], p, len);
        names[n][len] = 0;
        for (size_t i = 0; i < len; i++)
            if (names[n][i] <= ' ')
                return cs_err(CSRO_EINVAL, "%s: composition '%s': bad name '%s'", what, spec, names[n]);
        for (size_t k = 0; k < n; k++)
            if (!strcmp(names[k], names[n]))
                return cs_err(CSRO_EINVAL, "%s: composition '%s': species '%s' given twice", what, spec, names[n]);
        char buf[64], *end;
        size_t vl = (size_t)(comma - colon - 1);
        if (!vl || vl >= sizeof buf) return cs_err(CSRO_EINVAL, "%s: composition '%s': bad weight", what, spec);
        memcpy(buf, colon + 1, vl);
        buf[vl] = 0;
        errno = 0;
        w[n] = strtod(buf, &end);
        if (*end || end == buf || errno || !(w[n] > 0) || !isfinite(w[n]))
            return cs_err(CSRO_EINVAL, "%s: composition '%s': weight '%s' of %s must be a number > 0", what, spec,
                          buf, names[n]);
        n++;
        p = *comma ? comma + 1 : comma;
        if (*comma && !*p) return cs_err(CSRO_EINVAL, "%s: composition '%s': trailing comma", what, spec);
    }
    *count = n;
    return 0;
}
