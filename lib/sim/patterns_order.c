/* patterns_order.c: site occupancy of a simulated crystal: random solid
 * solution of a composition, ordered L1_2 / B2 / D0_3 with a species X on
 * the ordered sublattice, file types, partial order (long-range order
 * parameter S) and the first-shell Warren-Cowley parameter. */
#include "base/internal.h"
#include "patterns_impl.h"
#include <math.h>
#include <stdlib.h>

static const char *const elements[] = {
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
    "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga",
    "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd",
    "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm",
    "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os",
    "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa",
    "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg",
    "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

int cs_sim_is_element(const char *s)
{
    for (size_t i = 0; i < sizeof elements / sizeof *elements; i++)
        if (!strcmp(s, elements[i])) return 1;
    return 0;
}

int cs_sim_species_index(const cs_sim_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nsp; i++)
        if (!strcmp(c->sp[i], name)) return (int)i;
    return -1;
}

static int add_species(cs_sim_ctx *c, const char *name)
{
    int i = cs_sim_species_index(c, name);
    if (i >= 0) return i;
    if (c->nsp >= CS_SIM_MAXSP) return cs_err(CSRO_EINVAL, "more than %d species", CS_SIM_MAXSP);
    snprintf(c->sp[c->nsp], CS_SIM_NAMELEN, "%s", name);
    return (int)c->nsp++;
}

/* Fill n sites (indices idx, or 0..n-1 when idx is NULL) in blocks with
 * species counts from the weights by largest remainder (ties: earlier
 * species first). */
static void fill_counts(int32_t *templ, const size_t *idx, size_t n, const int *spi,
                        const double *w, size_t nw)
{
    double tot = 0;
    for (size_t k = 0; k < nw; k++) tot += w[k];
    size_t cnt[CS_SIM_MAXSP], sum = 0;
    double rem[CS_SIM_MAXSP];
    for (size_t k = 0; k < nw; k++) {
        double e = (double)n * w[k] / tot;
        cnt[k] = (size_t)floor(e);
        rem[k] = e - (double)cnt[k];
        sum += cnt[k];
    }
    while (sum < n) {
        size_t best = 0;
        for (size_t k = 1; k < nw; k++)
            if (rem[k] > rem[best]) best = k;
        cnt[best]++;
        rem[best] = -1;
        sum++;
    }
    size_t p = 0;
    for (size_t k = 0; k < nw; k++)
        for (size_t m = 0; m < cnt[k]; m++, p++)
            templ[idx ? idx[p] : p] = spi[k];
}

static const char *model_name(int m)
{
    switch (m) {
    case CSRO_SIM_L12: return "L12";
    case CSRO_SIM_B2: return "B2";
    case CSRO_SIM_D03: return "D03";
    default: return "?";
    }
}

int cs_sim_template(cs_sim_ctx *c, const csro_sim_opts *o)
{
    size_t n = c->s.n;
    c->templ = malloc((n ? n : 1) * sizeof *c->templ);
    c->oth = malloc((n ? n : 1) * sizeof *c->oth);
    if (!c->templ || !c->oth) return cs_err(CSRO_ENOMEM, "out of memory for %zu sites", n);
    c->noth = 0;
    c->shuffle_all = 0;
    int spi[CS_SIM_MAXSP];
    if (o->model == CSRO_SIM_OCC_FILE) {
        if (o->kind != CSRO_SIM_FILE)
            return cs_err(CSRO_EINVAL, "occupancy 'file' needs a lattice file");
        for (size_t i = 0; i < n; i++) {
            char name[CS_SIM_NAMELEN];
            snprintf(name, sizeof name, "%ld", c->s.type[i]);
            for (size_t t = 0; t < o->ntypes; t++)
                if (o->type_code[t] == c->s.type[i]) snprintf(name, sizeof name, "%s", o->type_name[t]);
            int k = add_species(c, name);
            if (k < 0) return k;
            c->templ[i] = k;
        }
        return 0;
    }
    if (!o->ncomp) return cs_err(CSRO_EINVAL, "no composition given");
    if (o->model == CSRO_SIM_RANDOM) {
        for (size_t k = 0; k < o->ncomp; k++) {
            int r = add_species(c, o->comp_name[k]);
            if (r < 0) return r;
            spi[k] = r;
        }
        fill_counts(c->templ, NULL, n, spi, o->comp_w, o->ncomp);
        c->shuffle_all = 1;
        return 0;
    }
    int need = o->model == CSRO_SIM_L12 ? CSRO_SIM_FCC : CSRO_SIM_BCC;
    if (o->model != CSRO_SIM_L12 && o->model != CSRO_SIM_B2 && o->model != CSRO_SIM_D03)
        return cs_err(CSRO_EINVAL, "unknown occupancy model %d", o->model);
    if (o->kind != need)
        return cs_err(CSRO_EINVAL, "order model %s needs a generated %s lattice", model_name(o->model),
                      need == CSRO_SIM_FCC ? "FCC" : "BCC");
    if (!o->x[0]) return cs_err(CSRO_EINVAL, "order model %s needs the ordered species X", model_name(o->model));
    /* species: composition order, X added if absent */
    double w[CS_SIM_MAXSP];
    size_t nw = 0;
    for (size_t k = 0; k < o->ncomp; k++) {
        int r = add_species(c, o->comp_name[k]);
        if (r < 0) return r;
        if (strcmp(o->comp_name[k], o->x)) { spi[nw] = r; w[nw++] = o->comp_w[k]; }
    }
    int xi = add_species(c, o->x);
    if (xi < 0) return xi;
    if (!nw)
        return cs_err(CSRO_EINVAL, "composition has no species besides %s for the other sublattice", o->x);
    for (size_t i = 0; i < n; i++) {
        int sub = c->s.sub[i], ordered;
        if (o->model == CSRO_SIM_D03) ordered = sub == 2;
        else ordered = sub == 0 || (o->model == CSRO_SIM_B2 && sub == 2);
        if (ordered) c->templ[i] = xi;
        else c->oth[c->noth++] = i;
    }
    fill_counts(c->templ, c->oth, c->noth, spi, w, nw);
    return 0;
}

static void permute(int32_t *sp, const size_t *idx, size_t n, cs_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)cs_rng_below(r, i);
        int32_t t = sp[idx[i - 1]];
        sp[idx[i - 1]] = sp[idx[j]];
        sp[idx[j]] = t;
    }
}

void cs_sim_occupy(const cs_sim_ctx *c, double S, cs_rng *r, int32_t *sp, size_t *scratch)
{
    size_t n = c->s.n;
    memcpy(sp, c->templ, n * sizeof *sp);
    if (c->shuffle_all) S = 0;
    /* random arrangement of the other species on the other sublattice */
    if (c->noth) permute(sp, c->oth, c->noth, r);
    /* partial order: a site keeps its species with probability S */
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        if (S < 1 && (S <= 0 || cs_rng_uniform(r) >= S)) scratch[np++] = i;
    permute(sp, scratch, np, r);
}

double cs_sim_alpha1(const uint32_t *nb, size_t nnb, const int32_t *sp, size_t n, int a, int b)
{
    size_t na_nb = 0, nab = 0, nbc = 0;
    for (size_t i = 0; i < n; i++) nbc += sp[i] == b;
    for (size_t k = 0; k < nnb; k++) {
        int32_t s0 = sp[nb[2 * k]], s1 = sp[nb[2 * k + 1]];
        if (s0 == a) { na_nb++; nab += s1 == b; }
        if (s1 == a) { na_nb++; nab += s0 == b; }
    }
    if (!na_nb || !nbc || !n) return NAN;
    double cb = (double)nbc / (double)n, P = (double)nab / (double)na_nb;
    if (a == b) return cb < 1 ? (P - cb) / (1 - cb) : NAN;
    return 1.0 - P / cb;
}

typedef struct { double v; size_t i; } cut_key;

static int cut_cmp(const void *pa, const void *pb)
{
    const cut_key *a = pa, *b = pb;
    return a->v < b->v ? -1 : a->v > b->v ? 1 : (a->i > b->i) - (a->i < b->i);
}

size_t cs_sim_cut(const cs_sim_sites *s, int shape, double f, cs_rng *r, int32_t *sp, uint8_t *ordered,
                  double geom[4])
{
    size_t n = s->n;
    cut_key *key = malloc((n ? n : 1) * sizeof *key);
    size_t *rest = malloc((n ? n : 1) * sizeof *rest);
    if (!key || !rest) { free(key); free(rest); return (size_t)-1; }
    double c[3] = {0, 0, 0}, u[3], ext = 0;
    for (size_t i = 0; i < n; i++) { c[0] += s->x[i]; c[1] += s->y[i]; c[2] += s->z[i]; }
    for (int a = 0; a < 3; a++) c[a] /= n ? (double)n : 1;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(s->x[i] - c[0]) + fabs(s->y[i] - c[1]) + fabs(s->z[i] - c[2]);
        if (d > ext) ext = d;
    }
    /* random direction, uniform on the sphere */
    double z = 2 * cs_rng_uniform(r) - 1, ph = 2 * M_PI * cs_rng_uniform(r), rho = sqrt(1 - z * z);
    u[0] = rho * cos(ph); u[1] = rho * sin(ph); u[2] = z;
    double cen[3];
    if (shape == CSRO_SIM_CUT_SPHERE) { /* centre up to the crystal's extent away from its middle */
        double dist = ext * cs_rng_uniform(r);
        for (int a = 0; a < 3; a++) cen[a] = c[a] + dist * u[a];
    }
    /* sort: kept sites first (largest projection / nearest the centre) */
    for (size_t i = 0; i < n; i++) {
        key[i].i = i;
        if (shape == CSRO_SIM_CUT_SPHERE) {
            double dx = s->x[i] - cen[0], dy = s->y[i] - cen[1], dz = s->z[i] - cen[2];
            key[i].v = sqrt(dx * dx + dy * dy + dz * dz);
        } else {
            key[i].v = -(u[0] * s->x[i] + u[1] * s->y[i] + u[2] * s->z[i]);
        }
    }
    qsort(key, n, sizeof *key, cut_cmp);
    size_t k = (size_t)floor(f * (double)n + 0.5);
    if (k > n) k = n;
    double lo = k ? key[k - 1].v : key[0].v - 1, hi = k < n ? key[k].v : key[n - 1].v + 1, mid = 0.5 * (lo + hi);
    if (shape == CSRO_SIM_CUT_SPHERE) {
        for (int a = 0; a < 3; a++) geom[a] = cen[a];
        geom[3] = mid > 0 ? mid : 0; /* k = 0: an empty sphere */
    } else {
        for (int a = 0; a < 3; a++) geom[a] = u[a];
        geom[3] = -mid;
    }
    if (ordered) memset(ordered, 0, n);
    for (size_t j = 0; j < k; j++)
        if (ordered) ordered[key[j].i] = 1;
    size_t nr = 0;
    for (size_t j = k; j < n; j++) rest[nr++] = key[j].i;
    permute(sp, rest, nr, r);
    free(key);
    free(rest);
    return k;
}
