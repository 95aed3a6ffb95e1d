/* patterns_lattice.c: FCC/BCC supercells, user lattice files ("x y z type",
 * duplicate rows removed as np.unique(axis=0) does) and the first-shell
 * neighbour list. */
#include "base/internal.h"
#include "patterns_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

void cs_sim_sites_free(cs_sim_sites *s)
{
    free(s->x); free(s->y); free(s->z); free(s->sub); free(s->type);
    memset(s, 0, sizeof *s);
}

static int sites_alloc(cs_sim_sites *s, size_t n)
{
    size_t m = n ? n : 1;
    s->n = n;
    s->x = malloc(m * sizeof *s->x);
    s->y = malloc(m * sizeof *s->y);
    s->z = malloc(m * sizeof *s->z);
    s->sub = malloc(m * sizeof *s->sub);
    s->type = malloc(m * sizeof *s->type);
    if (!s->x || !s->y || !s->z || !s->sub || !s->type) {
        cs_sim_sites_free(s);
        return cs_err(CSRO_ENOMEM, "out of memory for %zu lattice sites", n);
    }
    return 0;
}

int cs_sim_sites_copy(cs_sim_sites *d, const cs_sim_sites *s)
{
    memset(d, 0, sizeof *d);
    if (!s->n) return 0;
    int rc = sites_alloc(d, s->n);
    if (rc) return rc;
    memcpy(d->x, s->x, s->n * sizeof *s->x);
    memcpy(d->y, s->y, s->n * sizeof *s->y);
    memcpy(d->z, s->z, s->n * sizeof *s->z);
    memcpy(d->sub, s->sub, s->n * sizeof *s->sub);
    memcpy(d->type, s->type, s->n * sizeof *s->type);
    return 0;
}

/* FCC: half-unit coordinates (i, j, k) in [0, 2n]^3 with i+j+k even;
 * BCC: i, j, k all even or all odd. Generated in x, y, z lexicographic
 * order (the order np.unique gives a lattice file). */
int cs_sim_lattice_gen(cs_sim_sites *s, int kind, double a, double size)
{
    memset(s, 0, sizeof *s);
    if (kind != CSRO_SIM_FCC && kind != CSRO_SIM_BCC)
        return cs_err(CSRO_EINVAL, "lattice kind %d is not FCC or BCC", kind);
    if (!(a > 0) || !isfinite(a)) return cs_err(CSRO_EINVAL, "lattice parameter %g must be > 0", a);
    if (!(size > 0) || !isfinite(size)) return cs_err(CSRO_EINVAL, "crystal size %g nm must be > 0", size);
    double nc = ceil(size / a - 1e-9);
    if (nc < 1) nc = 1;
    if (nc > 16) return cs_err(CSRO_EINVAL, "crystal of %g cells per edge is too large (at most 16: the pair search is brute force)", nc);
    int n2 = 2 * (int)nc;
    size_t cnt = 0;
    for (int pass = 0; pass < 2; pass++) {
        cnt = 0;
        for (int i = 0; i <= n2; i++)
            for (int j = 0; j <= n2; j++)
                for (int k = 0; k <= n2; k++) {
                    int ok, sub;
                    if (kind == CSRO_SIM_FCC) {
                        ok = (i + j + k) % 2 == 0;
                        sub = (i % 2 == 0 && j % 2 == 0 && k % 2 == 0) ? 0 : 1;
                    } else {
                        ok = (i % 2 == j % 2) && (j % 2 == k % 2);
                        sub = i % 2 ? 1 : (((i + j + k) / 2) % 2 ? 2 : 0);
                    }
                    if (!ok) continue;
                    if (pass) {
                        s->x[cnt] = i * 0.5 * a;
                        s->y[cnt] = j * 0.5 * a;
                        s->z[cnt] = k * 0.5 * a;
                        s->sub[cnt] = sub;
                        s->type[cnt] = 0;
                    }
                    cnt++;
                }
        if (!pass) {
            int rc = sites_alloc(s, cnt);
            if (rc) return rc;
        }
    }
    return 0;
}

typedef struct { double x, y, z; long t; } row;

static int row_cmp(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    if (a->z != b->z) return a->z < b->z ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

int cs_sim_lattice_load(cs_sim_sites *s, const char *path)
{
    memset(s, 0, sizeof *s);
    FILE *fp;
    int rc = cs_in_open(&fp, path);
    if (rc) return rc;
    row *rows = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    char line[1024];
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(fp)) {
            rc = cs_err(CSRO_EFORMAT, "%s:%zu: line too long", path, lineno);
            goto fail;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || !*p) continue;
        double v[4];
        for (int f = 0; f < 4; f++) {
            char *end;
            errno = 0;
            v[f] = strtod(p, &end);
            if (end == p || errno || !isfinite(v[f])) {
                rc = cs_err(CSRO_EFORMAT, "%s:%zu: expected 4 numbers 'x y z type'", path, lineno);
                goto fail;
            }
            p = end;
            while (*p == ' ' || *p == '\t' || *p == ',') p++;
        }
        if (*p && *p != '\n' && *p != '\r' && *p != '#') {
            rc = cs_err(CSRO_EFORMAT, "%s:%zu: more than 4 columns", path, lineno);
            goto fail;
        }
        if (v[3] != floor(v[3]) || fabs(v[3]) > 1e9) {
            rc = cs_err(CSRO_EFORMAT, "%s:%zu: type %g is not an integer code", path, lineno, v[3]);
            goto fail;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 256;
            row *t = realloc(rows, nc * sizeof *rows);
            if (!t) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path); goto fail; }
            rows = t;
            cap = nc;
        }
        rows[n++] = (row){v[0], v[1], v[2], (long)v[3]};
    }
    if (ferror(fp)) { rc = cs_err_errno(CSRO_EIO, "%s: read error", path); goto fail; }
    if (!n) { rc = cs_err(CSRO_EFORMAT, "%s: no lattice sites", path); goto fail; }
    qsort(rows, n, sizeof *rows, row_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || row_cmp(&rows[u - 1], &rows[i])) rows[u++] = rows[i];
    rc = sites_alloc(s, u);
    if (rc) goto fail;
    for (size_t i = 0; i < u; i++) {
        s->x[i] = rows[i].x; s->y[i] = rows[i].y; s->z[i] = rows[i].z;
        s->type[i] = rows[i].t;
        s->sub[i] = -1;
    }
    free(rows);
    cs_in_close(fp);
    return 0;
fail:
    free(rows);
    cs_in_close(fp);
    return rc;
}

int cs_sim_neighbours(const cs_sim_sites *s, uint32_t **nb, size_t *nnb)
{
    *nb = NULL;
    *nnb = 0;
    if (s->n > UINT32_MAX) return cs_err(CSRO_EINVAL, "too many sites (%zu)", s->n);
    double dmin = INFINITY;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            double dx = s->x[j] - s->x[i], dy = s->y[j] - s->y[i], dz = s->z[j] - s->z[i];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (d2 > 0 && d2 < dmin) dmin = d2;
        }
    if (!isfinite(dmin)) return 0;
    double lim = dmin * 1.21; /* (1.1 d_min)^2 */
    size_t cap = 0, cnt = 0;
    uint32_t *p = NULL;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            double dx = s->x[j] - s->x[i], dy = s->y[j] - s->y[i], dz = s->z[j] - s->z[i];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (d2 <= 0 || d2 > lim) continue;
            if (cnt == cap) {
                size_t nc = cap ? 2 * cap : 1024;
                uint32_t *t = realloc(p, 2 * nc * sizeof *p);
                if (!t) { free(p); return cs_err(CSRO_ENOMEM, "out of memory for neighbour pairs"); }
                p = t;
                cap = nc;
            }
            p[2 * cnt] = (uint32_t)i;
            p[2 * cnt + 1] = (uint32_t)j;
            cnt++;
        }
    *nb = p;
    *nnb = cnt;
    return 0;
}
