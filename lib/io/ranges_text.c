/* ranges_text.c: line splitting, locale-independent numbers and chemical
 * formulas for the range-file parsers. */
#include "ranges_impl.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define CS_TEXT_MAX ((size_t)64 << 20) /* range files are kilobytes */

int cs_text_read(cs_text *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    FILE *fp;
    int rc = cs_in_open(&fp, path);
    if (rc)
        return rc;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        cs_in_close(fp);
        return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= CS_TEXT_MAX) {
                free(buf);
                cs_in_close(fp);
                return cs_err(CSRO_EFORMAT, "%s: larger than 64 MiB, not a range file", path);
            }
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                cs_in_close(fp);
                return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    cs_in_close(fp);
    if (bad) {
        free(buf);
        return cs_err(CSRO_EIO, "%s: read error", path);
    }
    buf[n] = 0;
    if (memchr(buf, 0, n)) {
        free(buf);
        return cs_err(CSRO_EFORMAT, "%s: binary data, not a range file", path);
    }
    t->buf = buf;
    size_t nl = 1;
    for (size_t i = 0; i < n; i++)
        nl += buf[i] == '\n' || buf[i] == '\r';
    t->line = malloc(nl * sizeof *t->line);
    t->lineno = malloc(nl * sizeof *t->lineno);
    t->loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!t->line || !t->lineno || !t->loc) {
        cs_text_free(t);
        return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    }
    char *p = buf;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte order mark */
    int no = 1;
    while (*p) {
        char *s = p;
        while (*p && *p != '\n' && *p != '\r')
            p++;
        char *e = p;
        if (*p == '\r' && p[1] == '\n')
            *p++ = 0;
        if (*p)
            *p++ = 0;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = 0;
        t->line[t->n] = s;
        t->lineno[t->n++] = no++;
    }
    return 0;
}

void cs_text_free(cs_text *t)
{
    free(t->buf);
    free(t->line);
    free(t->lineno);
    if (t->loc)
        freelocale(t->loc);
    memset(t, 0, sizeof *t);
}

int cs_text_num(const cs_text *t, const char *tok, double *v)
{
    char tmp[64];
    size_t n = strlen(tok);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    int seps = 0;
    for (size_t i = 0; i <= n; i++) {
        tmp[i] = tok[i] == ',' ? '.' : tok[i];
        seps += tok[i] == ',' || tok[i] == '.';
    }
    if (seps > 1)
        return -1;
    char *end;
    errno = 0;
    double d = strtod_l(tmp, &end, t->loc);
    if (end == tmp || *end || errno == ERANGE || !isfinite(d))
        return -1;
    *v = d;
    return 0;
}

int cs_split(char *s, char **tok, int max, int *more)
{
    int n = 0;
    if (more)
        *more = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (n == max) {
            if (more)
                *more = 1;
            break;
        }
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (*s)
            *s++ = 0;
    }
    return n;
}

int cs_comp_add(cs_comp *comp, int *nc, int z, long long n)
{
    if (n < 0 || n > CS_MAXATOMS)
        return -1;
    for (int i = 0; i < *nc; i++)
        if (comp[i].z == z) {
            if (comp[i].n + n > CS_MAXATOMS)
                return -1;
            comp[i].n += (int)n;
            return 0;
        }
    if (*nc == CS_MAXCOMP)
        return -1;
    comp[*nc].z = z;
    comp[*nc].n = (int)n;
    (*nc)++;
    return 0;
}

int cs_formula_parse(const char *s, size_t len, cs_comp *comp)
{
    int nc = 0;
    size_t i = 0;
    if (len == 0)
        return 0;
    while (i < len) {
        if (!isupper((unsigned char)s[i]))
            return 0;
        size_t k = 1;
        if (i + 1 < len && islower((unsigned char)s[i + 1]))
            k = 2;
        int z = cs_element_find(s + i, k, 0);
        if (!z)
            return 0;
        i += k;
        long cnt = 0;
        size_t d0 = i;
        while (i < len && isdigit((unsigned char)s[i])) {
            cnt = cnt * 10 + (s[i] - '0');
            if (cnt > 100000)
                return 0;
            i++;
        }
        if (i == d0)
            cnt = 1;
        if (cnt < 1 || cs_comp_add(comp, &nc, z, cnt))
            return 0;
    }
    return nc;
}

int cs_comp_equal(const cs_comp *a, int na, const cs_comp *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++) {
        int found = 0;
        for (int j = 0; j < nb; j++)
            if (a[i].z == b[j].z) {
                found = a[i].n == b[j].n;
                break;
            }
        if (!found)
            return 0;
    }
    return 1;
}

void cs_comp_name(const cs_comp *comp, int nc, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < nc && o < cap; i++) {
        int w = comp[i].n > 1
                    ? snprintf(buf + o, cap - o, "%s%d", cs_element_symbol(comp[i].z), comp[i].n)
                    : snprintf(buf + o, cap - o, "%s", cs_element_symbol(comp[i].z));
        if (w < 0)
            break;
        o += (size_t)w;
    }
}
