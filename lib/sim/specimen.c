/* specimen.c: simulated APT specimens with planted ordered domains (see
 * csro/aptsim.h). Sites are visited cell layer by cell layer (one random
 * stream per layer); each detected ion goes to a sink (memory or files). */
#include "base/internal.h"
#include "patterns_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define AS_MAXEL 8
#define AS_MAXISO 6

typedef struct { const char *el; int n; double mass[AS_MAXISO], abundance[AS_MAXISO]; } as_element;

/* Natural isotopes (masses in Da, abundances), from the IUPAC tables. */
static const as_element as_table[] = {
    {"Al", 1, {26.9815}, {1.0}},
    {"Co", 1, {58.9332}, {1.0}},
    {"Cr", 4, {49.9460, 51.9405, 52.9407, 53.9389}, {0.04345, 0.83789, 0.09501, 0.02365}},
    {"Fe", 4, {53.9396, 55.9349, 56.9354, 57.9333}, {0.05845, 0.91754, 0.02119, 0.00282}},
    {"Ni", 5, {57.9353, 59.9308, 60.9311, 61.9283, 63.9280}, {0.68077, 0.26223, 0.01140, 0.03635, 0.00926}},
    {"Cu", 2, {62.9296, 64.9278}, {0.6915, 0.3085}},
    {"Ti", 5, {45.9526, 46.9518, 47.9479, 48.9479, 49.9448}, {0.0825, 0.0744, 0.7372, 0.0541, 0.0518}},
    {"Mn", 1, {54.9380}, {1.0}},
};

typedef struct { double c[3], r; } as_domain;

struct csro_aptsim {
    double box[3], a, eff, sxy, sz, bg, dmin, dmax, dfrac, needle_r0, needle_tan;
    double dorder; /* long-range order parameter S inside domains (1 = ideal) */
    double rot[3][3]; /* crystal -> specimen (rows e1, e2, pole) */
    int rotated;
    int lattice;
    uint64_t seed;
    size_t nel;
    const as_element *el[AS_MAXEL];
    double frac[AS_MAXEL];
    int dspecies; /* index into el, -1 none */
    as_domain *dom;
    size_t ndom;
    int planted;
    /* bucket grid of domains */
    size_t bn[3], *bstart, *bidx;
    double bsize;
};

int csro_aptsim_new(csro_aptsim **out)
{
    *out = NULL;
    csro_aptsim *s = calloc(1, sizeof *s);
    if (!s) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
    s->box[0] = s->box[1] = s->box[2] = 20;
    s->lattice = CSRO_LATTICE_FCC;
    s->a = 0.356;
    s->eff = 0.5;
    s->sxy = 0.3;
    s->sz = 0.03;
    s->seed = 1;
    s->dorder = 1;
    s->dspecies = -1;
    int rc = csro_aptsim_set_composition(s, "Co:1,Cr:1,Ni:1");
    if (rc) { free(s); return rc; }
    *out = s;
    return 0;
}

static void unplant(csro_aptsim *s)
{
    free(s->dom); free(s->bstart); free(s->bidx);
    s->dom = NULL; s->bstart = s->bidx = NULL;
    s->ndom = 0;
    s->planted = 0;
}

void csro_aptsim_free(csro_aptsim *s)
{
    if (!s) return;
    unplant(s);
    free(s);
}

int csro_aptsim_set_box(csro_aptsim *s, double lx, double ly, double lz)
{
    double b[3] = {lx, ly, lz};
    for (int k = 0; k < 3; k++)
        if (!(b[k] >= 1.0) || !isfinite(b[k]) || b[k] > 1e5)
            return cs_err(CSRO_EINVAL, "aptsim: box edge %g nm must be in [1, 1e5]", b[k]);
    for (int k = 0; k < 3; k++) s->box[k] = b[k];
    unplant(s);
    return 0;
}

int csro_aptsim_set_lattice(csro_aptsim *s, int lattice, double a)
{
    if (lattice != CSRO_LATTICE_FCC && lattice != CSRO_LATTICE_BCC)
        return cs_err(CSRO_EINVAL, "aptsim: unknown lattice %d", lattice);
    if (!(a >= 0.1 && a <= 2.0)) return cs_err(CSRO_EINVAL, "aptsim: lattice parameter %g nm is not in [0.1, 2]", a);
    s->lattice = lattice;
    s->a = a;
    return 0;
}

static const as_element *find_element(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof as_table / sizeof *as_table; i++)
        if (strlen(as_table[i].el) == len && !strncmp(as_table[i].el, name, len)) return &as_table[i];
    return NULL;
}

int csro_aptsim_set_composition(csro_aptsim *s, const char *comp)
{
    char names[AS_MAXEL][CS_COMP_NAMELEN];
    const as_element *el[AS_MAXEL];
    double fr[AS_MAXEL], sum = 0;
    size_t n;
    int rc = cs_parse_composition(comp, "aptsim", AS_MAXEL, names, fr, &n);
    if (rc) return rc;
    for (size_t k = 0; k < n; k++) {
        if (!(el[k] = find_element(names[k], strlen(names[k]))))
            return cs_err(CSRO_ENOTFOUND, "aptsim: composition '%s': unknown element '%s'", comp, names[k]);
        sum += fr[k];
    }
    s->nel = n;
    for (size_t k = 0; k < n; k++) { s->el[k] = el[k]; s->frac[k] = fr[k] / sum; }
    s->dspecies = -1;
    s->dfrac = 0;
    unplant(s);
    return 0;
}

int csro_aptsim_set_domains(csro_aptsim *s, const char *species, double dmin, double dmax, double fraction)
{
    if (!(fraction >= 0 && fraction <= 0.5))
        return cs_err(CSRO_EINVAL, "aptsim: domain volume fraction %g is not in [0, 0.5]", fraction);
    if (!(dmin > 0) || !(dmax >= dmin) || !isfinite(dmax))
        return cs_err(CSRO_EINVAL, "aptsim: domain diameters [%g, %g] nm are invalid", dmin, dmax);
    for (int k = 0; k < 3; k++)
        if (fraction > 0 && dmax > s->box[k])
            return cs_err(CSRO_EINVAL, "aptsim: domain diameter %g nm is bigger than the specimen (%g nm along %c)",
                          dmax, s->box[k], "xyz"[k]);
    int idx = -1;
    for (size_t k = 0; k < s->nel; k++)
        if (!strcmp(s->el[k]->el, species)) idx = (int)k;
    if (idx < 0) return cs_err(CSRO_ENOTFOUND, "aptsim: domain species '%s' is not in the composition", species);
    s->dspecies = idx;
    s->dmin = dmin;
    s->dmax = dmax;
    s->dfrac = fraction;
    unplant(s);
    return 0;
}

int csro_aptsim_set_domain_order(csro_aptsim *s, double S)
{
    if (!(S >= 0 && S <= 1)) return cs_err(CSRO_EINVAL, "aptsim: domain order parameter %g is not in [0, 1]", S);
    s->dorder = S;
    return 0;
}

int csro_aptsim_set_detection(csro_aptsim *s, double eff, double sxy, double sz)
{
    if (!(eff > 0 && eff <= 1)) return cs_err(CSRO_EINVAL, "aptsim: detection efficiency %g is not in (0, 1]", eff);
    if (!(sxy >= 0) || !(sz >= 0) || !isfinite(sxy) || !isfinite(sz))
        return cs_err(CSRO_EINVAL, "aptsim: blur sigma_xy %g, sigma_z %g must be >= 0", sxy, sz);
    s->eff = eff; s->sxy = sxy; s->sz = sz;
    return 0;
}

int csro_aptsim_set_background(csro_aptsim *s, double fraction)
{
    if (!(fraction >= 0 && fraction < 1)) return cs_err(CSRO_EINVAL, "aptsim: background fraction %g is not in [0, 1)", fraction);
    s->bg = fraction;
    return 0;
}

int csro_aptsim_set_pole(csro_aptsim *s, double h, double k, double l)
{
    double pole[3] = {h, k, l};
    int rc = cs_sim_pole_matrix(pole, s->rot);
    if (rc) return cs_err(rc, "aptsim: pole [%g %g %g] has no direction", h, k, l);
    s->rotated = !(h == 0 && k == 0 && l > 0);
    return 0;
}

int csro_aptsim_set_needle(csro_aptsim *s, double r0, double half_angle_deg)
{
    if (!(r0 >= 0) || !isfinite(r0)) return cs_err(CSRO_EINVAL, "aptsim: needle tip radius %g nm must be >= 0", r0);
    if (!(half_angle_deg >= 0 && half_angle_deg < 45))
        return cs_err(CSRO_EINVAL, "aptsim: needle half angle %g degrees is not in [0, 45)", half_angle_deg);
    s->needle_r0 = r0;
    s->needle_tan = tan(half_angle_deg * M_PI / 180);
    return 0;
}

int csro_aptsim_set_seed(csro_aptsim *s, uint64_t seed) { s->seed = seed; unplant(s); return 0; }

static size_t bucket_of(const csro_aptsim *s, const double p[3], int k)
{
    double v = floor(p[k] / s->bsize);
    if (v < 0) v = 0;
    if (v >= (double)s->bn[k]) v = (double)s->bn[k] - 1;
    return (size_t)v;
}

int csro_aptsim_plant(csro_aptsim *s)
{
    if (s->planted) return 0;
    unplant(s);
    double vol = s->box[0] * s->box[1] * s->box[2], target = s->dfrac * vol, got = 0;
    size_t cap = 0;
    cs_rng r;
    cs_rng_init(&r, s->seed, 0xd0d0);
    int fails = 0;
    while (s->dspecies >= 0 && got < target && fails < 10000) {
        double d = s->dmin + (s->dmax - s->dmin) * cs_rng_uniform(&r), rad = d / 2;
        double c[3];
        for (int k = 0; k < 3; k++) c[k] = rad + (s->box[k] - d) * cs_rng_uniform(&r);
        int ok = 1;
        for (size_t i = 0; i < s->ndom && ok; i++) { /* O(n^2) placement; n is small */
            double dd = 0;
            for (int k = 0; k < 3; k++) dd += (c[k] - s->dom[i].c[k]) * (c[k] - s->dom[i].c[k]);
            if (dd < (rad + s->dom[i].r + s->a) * (rad + s->dom[i].r + s->a)) ok = 0;
        }
        if (!ok) { fails++; continue; }
        if (s->ndom == cap) {
            cap = cap ? 2 * cap : 64;
            as_domain *nd = realloc(s->dom, cap * sizeof *nd);
            if (!nd) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
            s->dom = nd;
        }
        s->dom[s->ndom].r = rad;
        memcpy(s->dom[s->ndom].c, c, sizeof c);
        s->ndom++;
        got += 4.0 / 3.0 * M_PI * rad * rad * rad;
    }
    /* buckets of edge dmax: a site's domain is in its bucket or a neighbour */
    s->bsize = s->dmax > 0 ? s->dmax : 1;
    size_t nb = 1;
    for (int k = 0; k < 3; k++) {
        s->bn[k] = (size_t)ceil(s->box[k] / s->bsize);
        if (!s->bn[k]) s->bn[k] = 1;
        nb *= s->bn[k];
    }
    s->bstart = calloc(nb + 1, sizeof *s->bstart);
    s->bidx = malloc((s->ndom ? s->ndom : 1) * sizeof *s->bidx);
    if (!s->bstart || !s->bidx) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
    for (size_t i = 0; i < s->ndom; i++) {
        size_t b = (bucket_of(s, s->dom[i].c, 2) * s->bn[1] + bucket_of(s, s->dom[i].c, 1)) * s->bn[0] + bucket_of(s, s->dom[i].c, 0);
        s->bstart[b + 1]++;
    }
    for (size_t b = 0; b < nb; b++) s->bstart[b + 1] += s->bstart[b];
    size_t *fill = calloc(nb, sizeof *fill);
    if (!fill) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
    for (size_t i = 0; i < s->ndom; i++) {
        size_t b = (bucket_of(s, s->dom[i].c, 2) * s->bn[1] + bucket_of(s, s->dom[i].c, 1)) * s->bn[0] + bucket_of(s, s->dom[i].c, 0);
        s->bidx[s->bstart[b] + fill[b]++] = i;
    }
    free(fill);
    s->planted = 1;
    return 0;
}

size_t csro_aptsim_ndomains(const csro_aptsim *s) { return s->ndom; }

int csro_aptsim_domain(const csro_aptsim *s, size_t i, double centre[3], double *radius)
{
    if (i >= s->ndom) return cs_err(CSRO_EINVAL, "aptsim: domain %zu of %zu", i, s->ndom);
    memcpy(centre, s->dom[i].c, sizeof s->dom[i].c);
    *radius = s->dom[i].r;
    return 0;
}

double csro_aptsim_domain_fraction(const csro_aptsim *s)
{
    double v = 0;
    for (size_t i = 0; i < s->ndom; i++) v += 4.0 / 3.0 * M_PI * s->dom[i].r * s->dom[i].r * s->dom[i].r;
    return v / (s->box[0] * s->box[1] * s->box[2]);
}

static int in_domain(const csro_aptsim *s, const double p[3])
{
    if (!s->ndom) return 0;
    size_t b[3];
    for (int k = 0; k < 3; k++) b[k] = bucket_of(s, p, k);
    for (int dk = -1; dk <= 1; dk++)
        for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++) {
                long ii = (long)b[0] + di, jj = (long)b[1] + dj, kk = (long)b[2] + dk;
                if (ii < 0 || jj < 0 || kk < 0 || ii >= (long)s->bn[0] || jj >= (long)s->bn[1] || kk >= (long)s->bn[2]) continue;
                size_t bb = ((size_t)kk * s->bn[1] + (size_t)jj) * s->bn[0] + (size_t)ii;
                for (size_t t = s->bstart[bb]; t < s->bstart[bb + 1]; t++) {
                    const as_domain *d = &s->dom[s->bidx[t]];
                    double dd = 0;
                    for (int k = 0; k < 3; k++) dd += (p[k] - d->c[k]) * (p[k] - d->c[k]);
                    if (dd <= d->r * d->r) return 1;
                }
            }
    return 0;
}

static int draw(cs_rng *r, const double *cum, size_t n)
{
    double u = cs_rng_uniform(r);
    for (size_t k = 0; k + 1 < n; k++)
        if (u < cum[k]) return (int)k;
    return (int)n - 1;
}

static float draw_mass(cs_rng *r, const as_element *e)
{
    double u = cs_rng_uniform(r), c = 0;
    for (int k = 0; k < e->n; k++) {
        c += e->abundance[k];
        if (u < c || k == e->n - 1) return (float)(e->mass[k] / 2.0);
    }
    return (float)(e->mass[0] / 2.0);
}

/* Sink for detected ions. */
typedef struct {
    int (*put)(void *ctx, const float xyzm[4], uint8_t truth);
    void *ctx;
} as_sink;

static int generate(csro_aptsim *s, as_sink *sink, csro_progress_fn progress, void *user)
{
    int rc = csro_aptsim_plant(s);
    if (rc) return rc;
    static const double fcc[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    static const double bcc[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    int nb = s->lattice == CSRO_LATTICE_FCC ? 4 : 2;
    const double (*basis)[3] = s->lattice == CSRO_LATTICE_FCC ? fcc : bcc;
    size_t n[3];
    for (int k = 0; k < 3; k++) n[k] = (size_t)floor(s->box[k] / s->a);
    /* cumulative compositions: random matrix, and the other sublattice of
     * an ordered domain, which holds the other species in their ratios
     * and none of the ordered one (ideal L1_2 X3Y / B2, like the reference
     * pattern bank's L1_2 crystals). */
    double cum[AS_MAXEL], cumf[AS_MAXEL], c = 0, cf = 0;
    double wf[AS_MAXEL], wsum = 0;
    for (size_t k = 0; k < s->nel; k++) {
        wf[k] = (int)k == s->dspecies ? 0.0 : s->frac[k];
        wsum += wf[k];
    }
    for (size_t k = 0; k < s->nel; k++) {
        c += s->frac[k]; cum[k] = c;
        cf += wsum > 0 ? wf[k] / wsum : 0; cumf[k] = cf;
    }
    double bgp = s->bg > 0 ? s->bg / (1 - s->bg) : 0; /* background ions per detected ion */
    /* crystal cells to visit: the box itself (pole <001>), or the cells
     * covering the box turned back into the crystal frame; a site at p
     * sits at q = R (p - box/2) + box/2 in the specimen */
    long c0[3] = {0, 0, 0}, c1[3] = {(long)n[0], (long)n[1], (long)n[2]};
    if (s->rotated)
        for (int a = 0; a < 3; a++) {
            double lo = INFINITY, hi = -INFINITY;
            for (int corner = 0; corner < 8; corner++) {
                double q[3] = {(corner & 1) ? s->box[0] : 0, (corner & 2) ? s->box[1] : 0, (corner & 4) ? s->box[2] : 0};
                double v = s->box[a] / 2;
                for (int k = 0; k < 3; k++) v += s->rot[k][a] * (q[k] - s->box[k] / 2);
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
            c0[a] = (long)floor(lo / s->a) - 1;
            c1[a] = (long)ceil(hi / s->a) + 1;
        }
    for (long kz = c0[2]; kz < c1[2]; kz++) {
        cs_rng r;
        cs_rng_init(&r, s->seed, 1 + (uint64_t)(kz - c0[2]));
        for (long j = c0[1]; j < c1[1]; j++)
            for (long i = c0[0]; i < c1[0]; i++)
                for (int b = 0; b < nb; b++) {
                    double p[3] = {s->a * ((double)i + basis[b][0]), s->a * ((double)j + basis[b][1]),
                                   s->a * ((double)kz + basis[b][2])};
                    if (s->rotated) {
                        double q[3];
                        for (int a = 0; a < 3; a++) {
                            q[a] = s->box[a] / 2;
                            for (int k = 0; k < 3; k++) q[a] += s->rot[a][k] * (p[k] - s->box[k] / 2);
                        }
                        if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= s->box[0] || q[1] >= s->box[1] || q[2] >= s->box[2])
                            continue;
                        memcpy(p, q, sizeof q);
                    }
                    if (s->needle_r0 > 0) { /* needle: radius r0 + z tan(half angle) around the box axis */
                        double rx = p[0] - s->box[0] / 2, ry = p[1] - s->box[1] / 2, rr = s->needle_r0 + p[2] * s->needle_tan;
                        if (rx * rx + ry * ry > rr * rr) continue;
                    }
                    int inside = in_domain(s, p), sp;
                    /* partial order: a domain site is ordered with probability S,
                     * else occupied as the matrix (no extra draw when S = 1) */
                    if (inside && (s->dorder >= 1 || cs_rng_uniform(&r) < s->dorder))
                        sp = b == 0 ? s->dspecies : draw(&r, cumf, s->nel);
                    else sp = draw(&r, cum, s->nel);
                    if (cs_rng_uniform(&r) >= s->eff) continue;
                    float q[4] = {(float)(p[0] + s->sxy * cs_rng_normal(&r)), (float)(p[1] + s->sxy * cs_rng_normal(&r)),
                                  (float)(p[2] + s->sz * cs_rng_normal(&r)), draw_mass(&r, s->el[sp])};
                    if ((rc = sink->put(sink->ctx, q, (uint8_t)inside))) return rc;
                    if (bgp > 0 && cs_rng_uniform(&r) < bgp) {
                        double gz = s->rotated ? s->box[2] * cs_rng_uniform(&r) : s->a * ((double)kz + cs_rng_uniform(&r));
                        float g[4] = {(float)(s->box[0] * cs_rng_uniform(&r)), (float)(s->box[1] * cs_rng_uniform(&r)),
                                      (float)gz, (float)(1 + 99 * cs_rng_uniform(&r))};
                        if ((rc = sink->put(sink->ctx, g, 0))) return rc;
                    }
                }
        if (progress && progress((double)(kz - c0[2] + 1) / (double)(c1[2] - c0[2]), user))
            return cs_err(CSRO_ECANCELED, "aptsim: canceled");
    }
    return 0;
}

/* In-memory sink. */
typedef struct { float *v[4]; uint8_t *t; size_t n, cap; } mem_sink;

static int mem_put(void *ctx, const float q[4], uint8_t truth)
{
    mem_sink *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1 << 16;
        for (int k = 0; k < 4; k++) {
            float *p = realloc(m->v[k], cap * sizeof *p);
            if (!p) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
            m->v[k] = p;
        }
        uint8_t *t = realloc(m->t, cap);
        if (!t) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
        m->t = t;
        m->cap = cap;
    }
    for (int k = 0; k < 4; k++) m->v[k][m->n] = q[k];
    m->t[m->n++] = truth;
    return 0;
}

/* Hand the collected ions over as a reconstruction and a truth array. */
static int mem_finish(mem_sink *m, int rc, csro_recon **recon, uint8_t **truth)
{
    if (!rc && !m->n) rc = cs_err(CSRO_EINVAL, "aptsim: the specimen has no detected ions");
    if (!rc) rc = csro_recon_from_arrays(recon, m->n, m->v[0], m->v[1], m->v[2], m->v[3]);
    for (int k = 0; k < 4; k++) free(m->v[k]);
    if (!rc && truth) *truth = m->t;
    else free(m->t);
    return rc;
}

int csro_aptsim_generate(csro_aptsim *s, csro_recon **recon, uint8_t **truth)
{
    *recon = NULL;
    if (truth) *truth = NULL;
    mem_sink m = {{0}, 0, 0, 0};
    as_sink sink = {mem_put, &m};
    int rc = generate(s, &sink, NULL, NULL);
    return mem_finish(&m, rc, recon, truth);
}

int csro_aptsim_measure(const csro_aptsim *s, size_t n, const float *x, const float *y, const float *z,
                        const uint8_t *species, const char *const *names, size_t nnames,
                        const uint8_t *truth_in, csro_recon **recon, uint8_t **truth)
{
    *recon = NULL;
    if (truth) *truth = NULL;
    if (!x || !y || !z || !species || !names || !nnames || nnames > 256)
        return cs_err(CSRO_EINVAL, "aptsim: measure needs positions, species and 1..256 names");
    const as_element *el[256];
    for (size_t k = 0; k < nnames; k++) {
        el[k] = names[k] ? find_element(names[k], strlen(names[k])) : NULL;
        if (!el[k]) return cs_err(CSRO_ENOTFOUND, "aptsim: species '%s' has no isotope table (known: Al Co Cr Fe Ni Cu Ti Mn)",
                                  names[k] ? names[k] : "(null)");
    }
    mem_sink m = {{0}, 0, 0, 0};
    int rc = 0;
    double bgp = s->bg > 0 ? s->bg / (1 - s->bg) : 0;
    float lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        const float q0[3] = {x[i], y[i], z[i]};
        for (int k = 0; k < 3; k++) { if (q0[k] < lo[k]) lo[k] = q0[k]; if (q0[k] > hi[k]) hi[k] = q0[k]; }
    }
    cs_rng r;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i % 4096 == 0) cs_rng_init(&r, s->seed, 0x6d65617375726500ULL + i / 4096); /* one stream per block */
        if (species[i] >= nnames) { rc = cs_err(CSRO_EINVAL, "aptsim: atom %zu has species %u of %zu", i, species[i], nnames); break; }
        if (cs_rng_uniform(&r) >= s->eff) continue;
        float q[4] = {(float)(x[i] + s->sxy * cs_rng_normal(&r)), (float)(y[i] + s->sxy * cs_rng_normal(&r)),
                      (float)(z[i] + s->sz * cs_rng_normal(&r)), draw_mass(&r, el[species[i]])};
        rc = mem_put(&m, q, truth_in ? truth_in[i] : 0);
        if (!rc && bgp > 0 && cs_rng_uniform(&r) < bgp) {
            float g[4];
            for (int k = 0; k < 3; k++) g[k] = (float)(lo[k] + (hi[k] - lo[k]) * cs_rng_uniform(&r));
            g[3] = (float)(1 + 99 * cs_rng_uniform(&r));
            rc = mem_put(&m, g, 0);
        }
    }
    return mem_finish(&m, rc, recon, truth);
}

/* File sink: POS records (big-endian) and truth bytes. */
typedef struct { cs_out *pos; cs_cw *truth; unsigned char buf[1 << 16]; size_t nb; uint8_t tb[4096]; size_t nt; uint64_t n; } file_sink;

static int file_flush(file_sink *f)
{
    if (f->pos && f->nb && fwrite(f->buf, 1, f->nb, cs_out_fp(f->pos)) != f->nb)
        return cs_err_errno(CSRO_EIO, "%s: write error", cs_out_path(f->pos));
    f->nb = 0;
    int rc = 0;
    if (f->truth && f->nt) rc = cs_cw_write(f->truth, f->tb, f->nt);
    f->nt = 0;
    return rc;
}

static int file_put(void *ctx, const float q[4], uint8_t truth)
{
    file_sink *f = ctx;
    for (int k = 0; k < 4; k++) cs_wr_be32(f->buf + f->nb + 4 * k, cs_f2u(q[k]));
    f->nb += 16;
    f->tb[f->nt++] = truth;
    f->n++;
    if (f->nb == sizeof f->buf || f->nt == sizeof f->tb) return file_flush(f);
    return 0;
}

static const char TRUTH_MAGIC[8] = {'C', 'S', 'R', 'O', 'T', 'R', 'T', 'H'};

int csro_aptsim_write(csro_aptsim *s, const char *pos_path, const char *truth_path,
                      csro_progress_fn progress, void *user)
{
    file_sink *f = calloc(1, sizeof *f);
    if (!f) return cs_err(CSRO_ENOMEM, "aptsim: out of memory");
    int rc = 0;
    if (pos_path) rc = cs_out_open(&f->pos, pos_path);
    if (!rc && truth_path) rc = cs_cw_open(&f->truth, truth_path, TRUTH_MAGIC, 1, NULL, 0);
    as_sink sink = {file_put, f};
    if (!rc) rc = generate(s, &sink, progress, user);
    if (!rc) rc = file_flush(f);
    if (!rc && f->pos) { rc = cs_out_commit(f->pos); f->pos = NULL; }
    if (!rc && f->truth) { rc = cs_cw_close(f->truth); f->truth = NULL; }
    cs_out_abort(f->pos);
    cs_cw_abort(f->truth);
    free(f);
    return rc;
}

int csro_truth_save(const uint8_t *truth, size_t n, const char *path)
{
    cs_cw *w;
    int rc = cs_cw_open(&w, path, TRUTH_MAGIC, 1, NULL, 0);
    if (rc) return rc;
    if ((rc = cs_cw_write(w, truth, n))) { cs_cw_abort(w); return rc; }
    return cs_cw_close(w);
}

int csro_truth_load(uint8_t **truth, size_t *n, const char *path)
{
    *truth = NULL;
    *n = 0;
    cs_cr *r;
    uint32_t ver, hl;
    void *hdr;
    int rc = cs_cr_open(&r, path, TRUTH_MAGIC, &ver, &hdr, &hl);
    if (rc) return rc;
    free(hdr);
    if (ver != 1) { cs_cr_close(r); return cs_err(CSRO_EUNSUPPORTED, "%s: truth file version %u", path, ver); }
    size_t cap = 1 << 16, len = 0;
    uint8_t *t = malloc(cap);
    while (t) {
        int end = cs_cr_at_end(r);
        if (end < 0) { rc = end; break; }
        if (end) break;
        if (len == cap) {
            uint8_t *nt = realloc(t, cap *= 2);
            if (!nt) { free(t); t = NULL; break; }
            t = nt;
        }
        if ((rc = cs_cr_read(r, t + len, 1))) break;
        len++;
    }
    cs_cr_close(r);
    if (!t) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    if (rc) { free(t); return rc; }
    *truth = t;
    *n = len;
    return 0;
}

int csro_aptsim_write_ranges(const csro_aptsim *s, const char *path)
{
    cs_out *o;
    int rc = cs_out_open(&o, path);
    if (rc) return rc;
    FILE *f = cs_out_fp(o);
    size_t nr = 0;
    for (size_t k = 0; k < s->nel; k++)
        for (int t = 0; t < s->el[k]->n; t++) {
            int clash = 0;
            for (size_t k2 = 0; k2 < s->nel; k2++)
                for (int t2 = 0; t2 < s->el[k2]->n; t2++)
                    if (k2 != k && fabs(s->el[k2]->mass[t2] - s->el[k]->mass[t]) / 2.0 < 0.3) clash = 1;
            nr += !clash;
        }
    fprintf(f, "[Ions]\r\nNumber=%zu\r\n", s->nel);
    for (size_t k = 0; k < s->nel; k++) fprintf(f, "Ion%zu=%s\r\n", k + 1, s->el[k]->el);
    fprintf(f, "[Ranges]\r\nNumber=%zu\r\n", nr);
    static const char *colour[] = {"0000FF", "FF0000", "00FF00", "FF00FF", "00FFFF", "FFFF00", "808080", "800000"};
    size_t idx = 0;
    /* peaks of different elements closer than 0.3 Da would be ambiguous
     * ranges: leave both unranged, as an analyst would */
    for (size_t k = 0; k < s->nel; k++)
        for (int t = 0; t < s->el[k]->n; t++) {
            double m = s->el[k]->mass[t] / 2.0;
            int clash = 0;
            for (size_t k2 = 0; k2 < s->nel; k2++)
                for (int t2 = 0; t2 < s->el[k2]->n; t2++)
                    if (k2 != k && fabs(s->el[k2]->mass[t2] / 2.0 - m) < 0.3) clash = 1;
            if (clash) continue;
            fprintf(f, "Range%zu=%.4f %.4f Vol:0.01100 %s:1 Color:%s\r\n", ++idx, m - 0.15, m + 0.15,
                    s->el[k]->el, colour[k % 8]);
        }
    return cs_out_commit(o);
}
