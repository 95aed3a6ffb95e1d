/* patterns_opts.c: options of the CSRO pattern simulator (csro/sim.h). */
#include "base/internal.h"
#include "patterns_impl.h"
#include "spatial/sdm_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

static const char *const param_names[CS_SIM_NPARAMS] = {
    "sigma_xy", "sigma_z", "efficiency", "tilt_deg", "tilt_azimuth_deg", "order_S",
    "alpha1", "n_sites", "n_detected", "n_a", "n_b"};

size_t csro_sim_nparams(void) { return CS_SIM_NPARAMS; }
const char *csro_sim_param_name(size_t i) { return i < CS_SIM_NPARAMS ? param_names[i] : NULL; }

static const char *axis_name(int p)
{
    return p == CSRO_SIM_SIGMA_XY ? "sigma_xy" : p == CSRO_SIM_SIGMA_Z ? "sigma_z" : "efficiency";
}

static int check_value(int p, double v)
{
    if (!isfinite(v)) return cs_err(CSRO_EINVAL, "%s %g is not finite", axis_name(p), v);
    if (p == CSRO_SIM_EFFICIENCY) {
        if (!(v > 0 && v <= 1))
            return cs_err(CSRO_EINVAL, "detection efficiency %g is outside (0, 1]", v);
    } else if (v < 0) {
        return cs_err(CSRO_EINVAL, "%s %g must be >= 0", axis_name(p), v);
    }
    return 0;
}

/* np.arange(start, stop, step): ceil((stop - start) / step) values
 * start + i * step. */
static int axis_sweep(cs_sim_axis *ax, int p, double start, double stop, double step)
{
    if (!isfinite(start) || !isfinite(stop) || !(step > 0) || !isfinite(step))
        return cs_err(CSRO_EINVAL, "%s sweep %g..%g step %g is invalid", axis_name(p), start, stop, step);
    double len = ceil((stop - start) / step);
    if (!(len >= 1)) return cs_err(CSRO_EINVAL, "%s sweep %g..%g step %g is empty", axis_name(p), start, stop, step);
    if (len > 1e6) return cs_err(CSRO_EINVAL, "%s sweep has too many values (%g)", axis_name(p), len);
    size_t n = (size_t)len;
    double *v = malloc(n * sizeof *v);
    if (!v) return cs_err(CSRO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        v[i] = start + (double)i * step;
        int rc = check_value(p, v[i]);
        if (rc) { free(v); return rc; }
    }
    free(ax->v);
    ax->v = v;
    ax->n = n;
    ax->lo = v[0];
    ax->hi = v[n - 1];
    return 0;
}

csro_sim_opts *csro_sim_opts_new(void)
{
    csro_sim_opts *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->kind = CSRO_SIM_FCC;
    o->a = 0.36;
    o->size = 1.0;
    o->model = CSRO_SIM_RANDOM;
    o->S = 1.0;
    o->pole[2] = 1.0;
    o->repeats = 1;
    o->threads = 1;
    snprintf(o->pair[0], CS_SIM_NAMELEN, "Co");
    snprintf(o->pair[1], CS_SIM_NAMELEN, "Co");
    o->sdm = csro_sdm_opts_new();
    if (!o->sdm || csro_sim_opts_set_composition(o, "Co:1,Cr:1,Ni:1") ||
        axis_sweep(&o->ax[0], 0, 0.2, 0.8, 0.05) || axis_sweep(&o->ax[1], 1, 0.01, 0.06, 0.002) ||
        axis_sweep(&o->ax[2], 2, 0.2, 0.7, 0.05)) {
        csro_sim_opts_free(o);
        return NULL;
    }
    return o;
}

void csro_sim_opts_free(csro_sim_opts *o)
{
    if (!o) return;
    cs_sim_sites_free(&o->file);
    free(o->file_path);
    for (int i = 0; i < 3; i++) free(o->ax[i].v);
    csro_sdm_opts_free(o->sdm);
    free(o);
}

csro_sim_opts *csro_sim_opts_clone(const csro_sim_opts *o)
{
    csro_sim_opts *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *o;
    memset(&c->file, 0, sizeof c->file);
    c->file_path = NULL;
    c->sdm = NULL;
    for (int i = 0; i < 3; i++) c->ax[i].v = NULL;
    int bad = cs_sim_sites_copy(&c->file, &o->file) != 0;
    if (o->file_path && !(c->file_path = strdup(o->file_path))) bad = 1;
    if (!(c->sdm = csro_sdm_opts_clone(o->sdm))) bad = 1;
    for (int i = 0; i < 3; i++) {
        c->ax[i].v = malloc(o->ax[i].n * sizeof *c->ax[i].v);
        if (!c->ax[i].v) { bad = 1; continue; }
        memcpy(c->ax[i].v, o->ax[i].v, o->ax[i].n * sizeof *c->ax[i].v);
    }
    if (bad) { csro_sim_opts_free(c); return NULL; }
    return c;
}

int csro_sim_opts_set_lattice(csro_sim_opts *o, int kind, double a, double size)
{
    cs_sim_sites s;
    int rc = cs_sim_lattice_gen(&s, kind, a, size); /* validates */
    if (rc) return rc;
    cs_sim_sites_free(&s);
    cs_sim_sites_free(&o->file);
    free(o->file_path);
    o->file_path = NULL;
    o->kind = kind;
    o->a = a;
    o->size = size;
    return 0;
}

int csro_sim_opts_set_lattice_file(csro_sim_opts *o, const char *path, double a)
{
    if (!path) return cs_err(CSRO_EINVAL, "no lattice file given");
    if (!(a >= 0) || !isfinite(a)) return cs_err(CSRO_EINVAL, "lattice parameter %g must be >= 0", a);
    cs_sim_sites s;
    int rc = cs_sim_lattice_load(&s, path);
    if (rc) return rc;
    char *p = strdup(path);
    if (!p) { cs_sim_sites_free(&s); return cs_err(CSRO_ENOMEM, "out of memory"); }
    cs_sim_sites_free(&o->file);
    free(o->file_path);
    o->file = s;
    o->file_path = p;
    o->kind = CSRO_SIM_FILE;
    o->a = a;
    return 0;
}

/* Split "A:1,B:2" style lists; each item "name<sep>value". */
static int parse_name(const char *p, size_t len, char *out, const char *what, const char *spec)
{
    if (!len || len >= CS_SIM_NAMELEN)
        return cs_err(CSRO_EINVAL, "%s '%s': bad name '%.*s'", what, spec, (int)len, p);
    memcpy(out, p, len);
    out[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (out[i] <= ' ' || out[i] == ':' || out[i] == ',')
            return cs_err(CSRO_EINVAL, "%s '%s': bad name '%s'", what, spec, out);
    return 0;
}

int csro_sim_opts_set_composition(csro_sim_opts *o, const char *spec)
{
    size_t n;
    char names[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    double w[CS_SIM_MAXSP];
    int rc = cs_parse_composition(spec, "sim", CS_SIM_MAXSP, names, w, &n);
    if (rc) return rc;
    for (size_t k = 0; k < n; k++)
        if (!cs_sim_is_element(names[k]))
            return cs_err(CSRO_EINVAL, "composition '%s': unknown species '%s' (not an element symbol)", spec, names[k]);
    o->ncomp = n;
    memcpy(o->comp_name, names, sizeof names);
    memcpy(o->comp_w, w, sizeof w);
    return 0;
}

int csro_sim_opts_set_types(csro_sim_opts *o, const char *map)
{
    if (!map) { o->ntypes = 0; return 0; }
    size_t n = 0;
    long codes[CS_SIM_MAXSP];
    char names[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    const char *p = map;
    while (*p) {
        const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
        if (!comma) comma = p + strlen(p);
        if (!colon || colon > comma) return cs_err(CSRO_EINVAL, "type map '%s': expected code:name items", map);
        if (n >= CS_SIM_MAXSP) return cs_err(CSRO_EINVAL, "type map '%s': too many types", map);
        char *end;
        errno = 0;
        codes[n] = strtol(p, &end, 10);
        if (end != colon || errno) return cs_err(CSRO_EINVAL, "type map '%s': bad type code", map);
        int rc = parse_name(colon + 1, (size_t)(comma - colon - 1), names[n], "type map", map);
        if (rc) return rc;
        n++;
        p = *comma ? comma + 1 : comma;
    }
    o->ntypes = n;
    memcpy(o->type_code, codes, sizeof codes);
    memcpy(o->type_name, names, sizeof names);
    return 0;
}

int csro_sim_opts_set_order(csro_sim_opts *o, int model, const char *x, double S)
{
    if (model < CSRO_SIM_RANDOM || model > CSRO_SIM_OCC_FILE)
        return cs_err(CSRO_EINVAL, "unknown occupancy model %d", model);
    if (!(S >= 0 && S <= 1)) return cs_err(CSRO_EINVAL, "order parameter S = %g is outside [0, 1]", S);
    char xs[CS_SIM_NAMELEN] = "";
    if (x && *x) {
        int rc = parse_name(x, strlen(x), xs, "ordered species", x);
        if (rc) return rc;
    }
    if (!xs[0] && model != CSRO_SIM_RANDOM && model != CSRO_SIM_OCC_FILE)
        return cs_err(CSRO_EINVAL, "order model needs the ordered species X");
    o->model = model;
    memcpy(o->x, xs, sizeof xs);
    o->S = S;
    return 0;
}

double csro_sim_opts_order_s(const csro_sim_opts *o) { return o->S; }

int csro_sim_opts_set_cut(csro_sim_opts *o, int shape, double fmin, double fmax)
{
    if (shape < CSRO_SIM_CUT_NONE || shape > CSRO_SIM_CUT_ANY)
        return cs_err(CSRO_EINVAL, "unknown cut shape %d (0 none, 1 plane, 2 sphere, 3 any)", shape);
    if (shape != CSRO_SIM_CUT_NONE && !(fmin >= 0 && fmax <= 1 && fmin <= fmax))
        return cs_err(CSRO_EINVAL, "ordered fraction range [%g, %g] is not within [0, 1]", fmin, fmax);
    o->cut = shape;
    o->cut_lo = fmin;
    o->cut_hi = fmax;
    return 0;
}

int csro_sim_opts_set_alpha1(csro_sim_opts *o, double alpha1)
{
    if (!isfinite(alpha1)) return cs_err(CSRO_EINVAL, "alpha1 target is not finite");
    if (o->model == CSRO_SIM_RANDOM || !o->x[0])
        return cs_err(CSRO_EINVAL, "an alpha1 target needs an ordered model with species X");
    cs_sim_ctx c;
    int rc = cs_sim_ctx_init(&c, o);
    if (rc) return rc;
    int xi = cs_sim_species_index(&c, o->x);
    double full = xi < 0 ? NAN : cs_sim_alpha1(c.nb, c.nnb, c.templ, c.s.n, xi, xi);
    cs_sim_ctx_free(&c);
    if (!isfinite(full) || full == 0)
        return cs_err(CSRO_EINVAL, "the ordered crystal has no defined %s-%s alpha1", o->x, o->x);
    double r = alpha1 / full;
    if (!(r >= 0 && r <= 1))
        return cs_err(CSRO_EINVAL, "alpha1 target %g is out of reach: the ordered crystal has %.4f", alpha1, full);
    o->S = sqrt(r);
    return 0;
}

int csro_sim_opts_set_pole(csro_sim_opts *o, double h, double k, double l)
{
    double p[3] = {h, k, l}, m[3][3];
    int rc = cs_sim_pole_matrix(p, m);
    if (rc) return rc;
    memcpy(o->pole, p, sizeof p);
    return 0;
}

int csro_sim_opts_set_tilt(csro_sim_opts *o, double tilt_deg)
{
    if (!(tilt_deg >= 0 && tilt_deg <= 90)) return cs_err(CSRO_EINVAL, "tilt %g degrees is outside [0, 90]", tilt_deg);
    o->tilt = tilt_deg;
    return 0;
}

static int check_param(int p)
{
    if (p < 0 || p > 2) return cs_err(CSRO_EINVAL, "unknown simulation parameter %d", p);
    return 0;
}

int csro_sim_opts_set_sweep(csro_sim_opts *o, int param, double start, double stop, double step)
{
    int rc = check_param(param);
    return rc ? rc : axis_sweep(&o->ax[param], param, start, stop, step);
}

int csro_sim_opts_set_value(csro_sim_opts *o, int param, double v)
{
    int rc = check_param(param);
    if (!rc) rc = check_value(param, v);
    if (rc) return rc;
    double *nv = malloc(sizeof *nv);
    if (!nv) return cs_err(CSRO_ENOMEM, "out of memory");
    *nv = v;
    free(o->ax[param].v);
    o->ax[param].v = nv;
    o->ax[param].n = 1;
    o->ax[param].lo = o->ax[param].hi = v;
    return 0;
}

int csro_sim_opts_set_range(csro_sim_opts *o, int param, double lo, double hi)
{
    int rc = check_param(param);
    if (!rc) rc = check_value(param, lo);
    if (!rc) rc = check_value(param, hi);
    if (rc) return rc;
    if (lo > hi) return cs_err(CSRO_EINVAL, "%s range [%g, %g] is empty", axis_name(param), lo, hi);
    o->ax[param].lo = lo;
    o->ax[param].hi = hi;
    return 0;
}

int csro_sim_opts_set_random(csro_sim_opts *o, size_t n) { o->nrandom = n; return 0; }

int csro_sim_opts_set_repeats(csro_sim_opts *o, size_t r)
{
    if (r < 1) return cs_err(CSRO_EINVAL, "repeats must be >= 1");
    o->repeats = r;
    return 0;
}

int csro_sim_opts_set_pair(csro_sim_opts *o, const char *a, const char *b)
{
    char pa[CS_SIM_NAMELEN], pb[CS_SIM_NAMELEN];
    if (!a || !b) return cs_err(CSRO_EINVAL, "pair species missing");
    int rc = parse_name(a, strlen(a), pa, "pair species", a);
    if (!rc) rc = parse_name(b, strlen(b), pb, "pair species", b);
    if (rc) return rc;
    memcpy(o->pair[0], pa, sizeof pa);
    memcpy(o->pair[1], pb, sizeof pb);
    return 0;
}

int csro_sim_opts_set_sdm(csro_sim_opts *o, const csro_sdm_opts *sdm)
{
    csro_sdm_opts *c = csro_sdm_opts_clone(sdm);
    if (!c) return cs_err(CSRO_ENOMEM, "out of memory");
    csro_sdm_opts_free(o->sdm);
    o->sdm = c;
    return 0;
}

int csro_sim_opts_set_seed(csro_sim_opts *o, uint64_t seed, uint64_t stream_base)
{
    o->seed = seed;
    o->stream_base = stream_base;
    return 0;
}

int csro_sim_opts_set_threads(csro_sim_opts *o, int n)
{
    if (n < 0) return cs_err(CSRO_EINVAL, "thread count %d must be >= 0", n);
    o->threads = n;
    return 0;
}

size_t csro_sim_npatterns(const csro_sim_opts *o)
{
    if (o->nrandom) return o->nrandom;
    return o->ax[0].n * o->ax[1].n * o->ax[2].n * o->repeats;
}

size_t csro_sim_nbins(const csro_sim_opts *o) { return csro_sdm_opts_nbins(o->sdm); }
