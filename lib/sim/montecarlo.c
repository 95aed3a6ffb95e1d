/* montecarlo.c: canonical lattice Monte-Carlo with first/second-shell pair
 * interactions on FCC/BCC lattices (see csro/mc.h). Neighbours are computed
 * on the fly from per-basis offset tables, so memory is one byte per site. */
#include "base/internal.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define MC_MAXSP 16
#define MC_KB 8.617333262e-2 /* Boltzmann constant, meV/K */

typedef struct { int di, dj, dk, b; } mc_off;

struct csro_mc {
    int lattice, nbasis, z[2];
    double a;
    size_t n[3], nsites;
    uint8_t *sp;
    size_t nsp;
    char names[MC_MAXSP][16];
    double v[2][MC_MAXSP][MC_MAXSP];
    mc_off off[4][2][12]; /* [basis][shell][neighbour] */
    double energy;
    uint64_t attempted, accepted;
};

/* Half-lattice-parameter coordinates of the basis sites. */
static const int fcc_basis[4][3] = {{0, 0, 0}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}};
static const int bcc_basis[2][3] = {{0, 0, 0}, {1, 1, 1}};

static int basis_of(const csro_mc *mc, int x, int y, int z)
{
    for (int b = 0; b < mc->nbasis; b++) {
        const int *p = mc->lattice == CSRO_LATTICE_FCC ? fcc_basis[b] : bcc_basis[b];
        if (p[0] == x && p[1] == y && p[2] == z) return b;
    }
    return -1;
}

static void build_offsets(csro_mc *mc)
{
    int shell1[12][3], n1 = 0, shell2[6][3], n2 = 0;
    for (int dx = -2; dx <= 2; dx++)
        for (int dy = -2; dy <= 2; dy++)
            for (int dz = -2; dz <= 2; dz++) {
                int d2 = dx * dx + dy * dy + dz * dz;
                int ok1 = mc->lattice == CSRO_LATTICE_FCC ? d2 == 2 : (d2 == 3 && abs(dx) == 1 && abs(dy) == 1);
                if (ok1) { shell1[n1][0] = dx; shell1[n1][1] = dy; shell1[n1][2] = dz; n1++; }
                if (d2 == 4 && (abs(dx) == 2 || abs(dy) == 2 || abs(dz) == 2)) {
                    shell2[n2][0] = dx; shell2[n2][1] = dy; shell2[n2][2] = dz; n2++;
                }
            }
    mc->z[0] = n1;
    mc->z[1] = n2;
    for (int b = 0; b < mc->nbasis; b++) {
        const int *p = mc->lattice == CSRO_LATTICE_FCC ? fcc_basis[b] : bcc_basis[b];
        for (int s = 0; s < 2; s++) {
            int (*sh)[3] = s ? shell2 : shell1;
            for (int m = 0; m < mc->z[s]; m++) {
                int q[3], d[3];
                for (int a = 0; a < 3; a++) {
                    q[a] = p[a] + sh[m][a];
                    d[a] = (int)floor(q[a] / 2.0);
                    q[a] -= 2 * d[a];
                }
                mc->off[b][s][m] = (mc_off){d[0], d[1], d[2], basis_of(mc, q[0], q[1], q[2])};
            }
        }
    }
}

int csro_mc_new(csro_mc **out, int lattice, double a, const size_t cells[3])
{
    *out = NULL;
    if (lattice != CSRO_LATTICE_FCC && lattice != CSRO_LATTICE_BCC)
        return cs_err(CSRO_EINVAL, "mc: unknown lattice %d", lattice);
    if (!(a > 0) || !isfinite(a)) return cs_err(CSRO_EINVAL, "mc: lattice parameter %g must be > 0", a);
    int nb = lattice == CSRO_LATTICE_FCC ? 4 : 2;
    double total = nb;
    for (int k = 0; k < 3; k++) {
        if (cells[k] < 2) return cs_err(CSRO_EINVAL, "mc: %zu cells along %c; at least 2 are needed", cells[k], "xyz"[k]);
        total *= (double)cells[k];
    }
    if (total > 2147483647.0) return cs_err(CSRO_EINVAL, "mc: %.0f sites exceed the limit of 2^31", total);
    csro_mc *mc = calloc(1, sizeof *mc);
    if (!mc) return cs_err(CSRO_ENOMEM, "mc: out of memory");
    mc->lattice = lattice;
    mc->nbasis = nb;
    mc->a = a;
    for (int k = 0; k < 3; k++) mc->n[k] = cells[k];
    mc->nsites = (size_t)total;
    mc->sp = calloc(mc->nsites, 1);
    if (!mc->sp) { free(mc); return cs_err(CSRO_ENOMEM, "mc: out of memory for %zu sites", (size_t)total); }
    mc->nsp = 1;
    snprintf(mc->names[0], sizeof mc->names[0], "X");
    build_offsets(mc);
    *out = mc;
    return 0;
}

void csro_mc_free(csro_mc *mc)
{
    if (!mc) return;
    free(mc->sp);
    free(mc);
}

/* Site decomposed into cell (i, j, k) and basis b. */
typedef struct { size_t i, j, k, b; } mc_site;

static inline mc_site mc_split(const csro_mc *mc, size_t site)
{
    mc_site t;
    t.b = site % (size_t)mc->nbasis;
    size_t c = site / (size_t)mc->nbasis;
    t.i = c % mc->n[0];
    c /= mc->n[0];
    t.j = c % mc->n[1];
    t.k = c / mc->n[1];
    return t;
}

static inline size_t wrap(size_t i, int d, size_t n)
{
    if (d < 0) return i ? i - 1 : n - 1;
    if (d > 0) return i + 1 == n ? 0 : i + 1;
    return i;
}

static inline size_t mc_neighbour(const csro_mc *mc, const mc_site *t, int shell, int m)
{
    const mc_off *o = &mc->off[t->b][shell][m];
    size_t ii = wrap(t->i, o->di, mc->n[0]), jj = wrap(t->j, o->dj, mc->n[1]), kk = wrap(t->k, o->dk, mc->n[2]);
    return ((kk * mc->n[1] + jj) * mc->n[0] + ii) * (size_t)mc->nbasis + (size_t)o->b;
}

static inline size_t neighbour(const csro_mc *mc, size_t site, int shell, int m)
{
    mc_site t = mc_split(mc, site);
    return mc_neighbour(mc, &t, shell, m);
}

static int species_index(const csro_mc *mc, const char *name)
{
    for (size_t s = 0; s < mc->nsp; s++)
        if (!strcmp(mc->names[s], name)) return (int)s;
    return -1;
}

int csro_mc_set_composition(csro_mc *mc, const char *comp, uint64_t seed)
{
    char names[MC_MAXSP][CS_COMP_NAMELEN];
    double frac[MC_MAXSP], sum = 0;
    size_t n;
    int rc = cs_parse_composition(comp, "mc", MC_MAXSP, names, frac, &n);
    if (rc) return rc;
    for (size_t s = 0; s < n; s++) sum += frac[s];
    size_t filled = 0;
    for (size_t s = 0; s < n; s++) {
        size_t cnt = s + 1 == n ? mc->nsites - filled : (size_t)llround(frac[s] / sum * (double)mc->nsites);
        if (cnt > mc->nsites - filled) cnt = mc->nsites - filled;
        memset(mc->sp + filled, (int)s, cnt);
        filled += cnt;
        memcpy(mc->names[s], names[s], 16);
    }
    mc->nsp = n;
    memset(mc->v, 0, sizeof mc->v);
    cs_rng r;
    cs_rng_init(&r, seed, 0);
    for (size_t i = mc->nsites - 1; i > 0; i--) {
        size_t j = (size_t)cs_rng_below(&r, i + 1);
        uint8_t t = mc->sp[i]; mc->sp[i] = mc->sp[j]; mc->sp[j] = t;
    }
    mc->energy = 0;
    return 0;
}

int csro_mc_set_interaction(csro_mc *mc, int shell, const char *a, const char *b, double mev)
{
    if (shell != 1 && shell != 2) return cs_err(CSRO_EINVAL, "mc: shell %d must be 1 or 2", shell);
    if (!isfinite(mev)) return cs_err(CSRO_EINVAL, "mc: interaction %s-%s is not finite", a, b);
    int ia = species_index(mc, a), ib = species_index(mc, b);
    if (ia < 0) return cs_err(CSRO_ENOTFOUND, "mc: species '%s' is not in the composition", a);
    if (ib < 0) return cs_err(CSRO_ENOTFOUND, "mc: species '%s' is not in the composition", b);
    mc->v[shell - 1][ia][ib] = mc->v[shell - 1][ib][ia] = mev;
    mc->energy = csro_mc_energy_full(mc);
    return 0;
}

int csro_mc_load_interactions(csro_mc *mc, const char *path)
{
    FILE *fp;
    int rc = cs_in_open(&fp, path);
    if (rc) return rc;
    char line[512];
    int lineno = 0, n = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char a[64], b[64], extra[8];
        int shell;
        double v;
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        if (!*s) continue;
        if (sscanf(s, "%d %63s %63s %lf %7s", &shell, a, b, &v, extra) != 4) {
            cs_in_close(fp);
            return cs_err(CSRO_EFORMAT, "%s:%d: expected 'shell A B meV'", path, lineno);
        }
        if ((rc = csro_mc_set_interaction(mc, shell, a, b, v))) {
            char msg[300];
            snprintf(msg, sizeof msg, "%s", csro_last_error() + 4);
            cs_in_close(fp);
            return cs_err(rc, "%s:%d: %s", path, lineno, msg);
        }
        n++;
    }
    cs_in_close(fp);
    if (!n) return cs_err(CSRO_EFORMAT, "%s: no interactions", path);
    return 0;
}

/* Energy of site p's bonds if it held species s (excluding partner q). */
static inline double site_energy(const csro_mc *mc, size_t p, int s, size_t q)
{
    double e = 0;
    mc_site t = mc_split(mc, p);
    for (int sh = 0; sh < 2; sh++) {
        const double *row = mc->v[sh][s];
        for (int m = 0; m < mc->z[sh]; m++) {
            size_t nb = mc_neighbour(mc, &t, sh, m);
            if (nb != q) e += row[mc->sp[nb]];
        }
    }
    return e;
}

/* Energy change of site p's bonds when its species goes from a to b
 * (bonds to partner q excluded: a swapped pair keeps its bond energy). */
static inline double site_delta(const csro_mc *mc, size_t p, int a, int b, size_t q)
{
    double e = 0;
    mc_site t = mc_split(mc, p);
    for (int sh = 0; sh < 2; sh++) {
        const double *ra = mc->v[sh][a], *rb = mc->v[sh][b];
        for (int m = 0; m < mc->z[sh]; m++) {
            size_t nb = mc_neighbour(mc, &t, sh, m);
            int s = mc->sp[nb];
            if (nb != q) e += rb[s] - ra[s];
        }
    }
    return e;
}

int csro_mc_run(csro_mc *mc, double T, double sweeps, uint64_t seed, csro_progress_fn progress, void *user)
{
    if (!(T > 0)) return cs_err(CSRO_EINVAL, "mc: temperature %g K must be > 0", T);
    if (!(sweeps >= 0) || !isfinite(sweeps)) return cs_err(CSRO_EINVAL, "mc: sweeps %g must be >= 0", sweeps);
    if (mc->nsp < 2) return cs_err(CSRO_EINVAL, "mc: set a composition of at least two species first");
    double beta = isinf(T) ? 0.0 : 1.0 / (MC_KB * T);
    uint64_t total = (uint64_t)llround(sweeps * (double)mc->nsites), step = mc->nsites ? mc->nsites : 1;
    cs_rng r;
    cs_rng_init(&r, seed, mc->attempted);
    for (uint64_t t = 0; t < total; t++) {
        size_t p = (size_t)cs_rng_below(&r, mc->nsites), q = p;
        int A = mc->sp[p], B = A;
        for (int tries = 0; tries < 64 && B == A; tries++) {
            q = (size_t)cs_rng_below(&r, mc->nsites);
            B = mc->sp[q];
        }
        mc->attempted++;
        if (B != A) {
            double dE = site_delta(mc, p, A, B, q) + site_delta(mc, q, B, A, p);
            if (dE <= 0 || beta == 0.0 || cs_rng_uniform(&r) < exp(-beta * dE)) {
                mc->sp[p] = (uint8_t)B;
                mc->sp[q] = (uint8_t)A;
                mc->energy += dE;
                mc->accepted++;
            }
        }
        if (progress && (t + 1) % step == 0 && progress((double)(t + 1) / (double)total, user))
            return cs_err(CSRO_ECANCELED, "mc: canceled");
    }
    return 0;
}

size_t csro_mc_nsites(const csro_mc *mc) { return mc->nsites; }
size_t csro_mc_nspecies(const csro_mc *mc) { return mc->nsp; }
const char *csro_mc_species_name(const csro_mc *mc, size_t s) { return s < mc->nsp ? mc->names[s] : NULL; }
const uint8_t *csro_mc_species(const csro_mc *mc) { return mc->sp; }
double csro_mc_energy(const csro_mc *mc) { return mc->energy; }
uint64_t csro_mc_attempted(const csro_mc *mc) { return mc->attempted; }
uint64_t csro_mc_accepted(const csro_mc *mc) { return mc->accepted; }

int csro_mc_positions(const csro_mc *mc, float *x, float *y, float *z)
{
    for (size_t s = 0; s < mc->nsites; s++) {
        size_t b = s % (size_t)mc->nbasis, c = s / (size_t)mc->nbasis;
        size_t i = c % mc->n[0], j = c / mc->n[0] % mc->n[1], k = c / (mc->n[0] * mc->n[1]);
        const int *p = mc->lattice == CSRO_LATTICE_FCC ? fcc_basis[b] : bcc_basis[b];
        x[s] = (float)(mc->a * ((double)i + 0.5 * p[0]));
        y[s] = (float)(mc->a * ((double)j + 0.5 * p[1]));
        z[s] = (float)(mc->a * ((double)k + 0.5 * p[2]));
    }
    return 0;
}

double csro_mc_energy_full(const csro_mc *mc)
{
    double e = 0;
    for (size_t p = 0; p < mc->nsites; p++)
        e += site_energy(mc, p, mc->sp[p], (size_t)-1);
    return 0.5 * e;
}

int csro_mc_warren_cowley(const csro_mc *mc, int shell, double *alpha)
{
    if (shell != 1 && shell != 2) return cs_err(CSRO_EINVAL, "mc: shell %d must be 1 or 2", shell);
    size_t ns = mc->nsp, cnt[MC_MAXSP] = {0};
    double *pairs = calloc(ns * ns, sizeof *pairs);
    if (!pairs) return cs_err(CSRO_ENOMEM, "mc: out of memory");
    for (size_t p = 0; p < mc->nsites; p++) {
        cnt[mc->sp[p]]++;
        for (int m = 0; m < mc->z[shell - 1]; m++)
            pairs[mc->sp[p] * ns + mc->sp[neighbour(mc, p, shell - 1, m)]] += 1;
    }
    for (size_t i = 0; i < ns; i++) {
        double row = 0;
        for (size_t j = 0; j < ns; j++) row += pairs[i * ns + j];
        for (size_t j = 0; j < ns; j++) {
            double c = (double)cnt[j] / (double)mc->nsites;
            alpha[i * ns + j] = (row > 0 && c > 0) ? 1.0 - pairs[i * ns + j] / row / c : NAN;
        }
    }
    free(pairs);
    return 0;
}

int csro_mc_local_order(const csro_mc *mc, const char *a, const char *b, float *out)
{
    int ia = species_index(mc, a), ib = species_index(mc, b);
    if (ia < 0) return cs_err(CSRO_ENOTFOUND, "mc: species '%s' is not in the composition", a);
    if (ib < 0) return cs_err(CSRO_ENOTFOUND, "mc: species '%s' is not in the composition", b);
    size_t nbcount = 0;
    for (size_t p = 0; p < mc->nsites; p++) nbcount += mc->sp[p] == ib;
    double cb = (double)nbcount / (double)mc->nsites;
    for (size_t p = 0; p < mc->nsites; p++) {
        if (mc->sp[p] != ia || cb == 0) { out[p] = NAN; continue; }
        int n = 0;
        for (int m = 0; m < mc->z[0]; m++) n += mc->sp[neighbour(mc, p, 0, m)] == ib;
        out[p] = (float)(1.0 - n / (mc->z[0] * cb));
    }
    return 0;
}
