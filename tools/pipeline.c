/* tools/pipeline.c: the default flow in memory on a simulated specimen
 * (see pipeline.h). The steps are the tools' own library calls:
 * csro_aptsim_generate + its range file, csro_ranges_assign/species
 * selection, csro_sdm_voxels, csro_preprocess_rows, csro_ensemble_predict. */
#include "pipeline.h"
#include "common.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

size_t pipe_csro_class(const csro_ensemble *e)
{
    size_t nc = csro_ensemble_nclasses(e);
    const char *want = csro_ensemble_text(e, "map.class");
    for (size_t c = 0; c < nc; c++)
        if (want && !strcmp(csro_ensemble_class(e, c), want)) return c;
    for (size_t c = 0; c < nc; c++)
        if (!strcmp(csro_ensemble_class(e, c), "CSRO")) return c;
    return nc - 1;
}

static void check(int rc)
{
    if (rc) tool_fail(rc);
}

/* Positions of the ions of species `sp` (the ranges' selection rule). */
static size_t select_ions(const csro_ranges *rg, const int32_t *ion, const csro_recon *r, const char *sp,
                          float **x, float **y, float **z)
{
    size_t ni = csro_ranges_nions(rg), n = csro_recon_count(r), k = 0;
    int *wt = calloc(ni ? ni : 1, sizeof *wt);
    if (!wt) tool_die(TOOL_EDATA, "out of memory");
    check(csro_ranges_species_weights(rg, sp, 0, wt, ni));
    for (size_t i = 0; i < n; i++) k += ion[i] >= 0 && wt[ion[i]] > 0;
    *x = malloc((k ? k : 1) * sizeof **x);
    *y = malloc((k ? k : 1) * sizeof **y);
    *z = malloc((k ? k : 1) * sizeof **z);
    if (!*x || !*y || !*z) tool_die(TOOL_EDATA, "out of memory");
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (ion[i] >= 0 && wt[ion[i]] > 0) {
            (*x)[k] = csro_recon_x(r)[i];
            (*y)[k] = csro_recon_y(r)[i];
            (*z)[k] = csro_recon_z(r)[i];
            k++;
        }
    free(wt);
    return k;
}

void pipe_run(const csro_ensemble *e, const pipe_spec *s, int threads, pipe_out *o)
{
    memset(o, 0, sizeof *o);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const csro_zsdm_meta *contract = csro_ensemble_contract(e);
    if (!contract) tool_die(TOOL_EDATA, "model has no input contract");
    const char *pa = csro_zsdm_meta_pair(contract, 0), *pb = csro_zsdm_meta_pair(contract, 1);
    if (!pa || !pb || !*pa) tool_die(TOOL_EDATA, "model records no species pair");
    /* specimen */
    csro_aptsim *sim;
    check(csro_aptsim_new(&sim));
    check(csro_aptsim_set_box(sim, s->box, s->box, s->box));
    if (s->frac > 0) {
        check(csro_aptsim_set_domains(sim, pa, s->dmin, s->dmax, s->frac));
        check(csro_aptsim_set_domain_order(sim, s->order));
    }
    check(csro_aptsim_set_detection(sim, s->eff, s->sxy, s->sz));
    check(csro_aptsim_set_seed(sim, s->seed));
    check(csro_aptsim_generate(sim, &o->rec, &o->truth));
    const char *tmpdir = getenv("TMPDIR");
    char rbuf[4096];
    snprintf(rbuf, sizeof rbuf, "%s/csro-pipe-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(rbuf);
    if (fd < 0) tool_die(TOOL_EDATA, "%s: cannot create a temporary range file", rbuf);
    close(fd);
    int rc = csro_aptsim_write_ranges(sim, rbuf);
    csro_ranges *rg = NULL;
    if (!rc) rc = csro_ranges_load(&rg, rbuf, NULL);
    unlink(rbuf);
    check(rc);
    csro_aptsim_free(sim);
    if (s->random_labels) check(csro_recon_shuffle_mass(o->rec, s->seed + 7));
    /* voxelize (apt-voxelize defaults: 1 nm spheres, stride 0.5 nm) */
    size_t n = csro_recon_count(o->rec);
    int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
    if (!ion) tool_die(TOOL_EDATA, "out of memory");
    check(csro_ranges_assign(rg, csro_recon_mass(o->rec), n, ion));
    float *ax, *ay, *az, *bx, *by, *bz;
    size_t na = select_ions(rg, ion, o->rec, pa, &ax, &ay, &az);
    size_t nb = select_ions(rg, ion, o->rec, pb, &bx, &by, &bz);
    free(ion);
    csro_ranges_free(rg);
    double lo[3], hi[3];
    check(csro_recon_bounds(o->rec, lo, hi));
    check(csro_grid_new(&o->g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE));
    csro_sdm_opts *so = csro_zsdm_meta_sdm_opts(contract);
    if (!so) tool_die(TOOL_EDATA, "model contract has no z-SDM options");
    size_t nv = csro_grid_count(o->g), nbins = csro_sdm_opts_nbins(so), nc = csro_ensemble_nclasses(e);
    float *prof = malloc((nv ? nv : 1) * nbins * sizeof *prof);
    uint8_t *nodata = malloc(nv ? nv : 1);
    uint32_t *fl = malloc((nv ? nv : 1) * sizeof *fl);
    if (!prof || !nodata || !fl) tool_die(TOOL_EDATA, "out of memory");
    check(csro_sdm_voxels(so, o->g, ax, ay, az, na, bx, by, bz, nb, 0, nv, prof, NULL, nodata, threads, NULL, NULL));
    csro_sdm_opts_free(so);
    free(ax); free(ay); free(az); free(bx); free(by); free(bz);
    for (size_t v = 0; v < nv; v++) fl[v] = nodata[v] ? CSRO_ROW_NODATA : 0;
    int want = csro_zsdm_meta_preprocess(contract);
    if (want != CSRO_PRE_RAW) check(csro_preprocess_rows(NULL, want, prof, prof, nv, nbins, fl, threads));
    /* classify the rows with data */
    size_t g = 0;
    for (size_t v = 0; v < nv; v++) {
        if (nodata[v]) fl[v] |= CSRO_ROW_NODATA;
        if (fl[v] & CSRO_ROW_NODATA) continue;
        if (g != v) memmove(prof + g * nbins, prof + v * nbins, nbins * sizeof *prof);
        g++;
    }
    float *mean = malloc((g ? g : 1) * nc * sizeof *mean), *sd = malloc((g ? g : 1) * nc * sizeof *sd);
    o->mean = malloc((nv ? nv : 1) * sizeof *o->mean);
    o->std = malloc((nv ? nv : 1) * sizeof *o->std);
    if (!mean || !sd || !o->mean || !o->std) tool_die(TOOL_EDATA, "out of memory");
    if (g) check(csro_ensemble_predict(e, g, prof, mean, sd, threads));
    size_t ci = pipe_csro_class(e);
    for (size_t v = 0, k = 0; v < nv; v++) {
        if (fl[v] & CSRO_ROW_NODATA) { o->mean[v] = o->std[v] = NAN; continue; }
        o->mean[v] = mean[k * nc + ci];
        o->std[v] = sd[k * nc + ci];
        k++;
    }
    free(mean); free(sd); free(prof); free(nodata); free(fl);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    o->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

void pipe_free(pipe_out *o)
{
    csro_grid_free(o->g);
    free(o->mean);
    free(o->std);
    csro_recon_free(o->rec);
    csro_free(o->truth);
    memset(o, 0, sizeof *o);
}

csro_probmap *pipe_map(const pipe_out *o, int mode, double smooth, const csro_context *cx)
{
    csro_probmap *m;
    if (mode == PIPE_CONTEXT) {
        size_t n = csro_context_subcells(o->g);
        float *v = malloc((n ? n : 1) * sizeof *v);
        if (!v) tool_die(TOOL_EDATA, "out of memory");
        check(csro_context_apply(cx, o->g, o->mean, csro_context_uses_std(cx) ? o->std : NULL, v, n, 0));
        check(csro_probmap_new_subcells(&m, o->g, v, n));
        free(v);
    } else {
        check(csro_probmap_new(&m, o->g, o->mean, csro_grid_count(o->g), mode));
    }
    if (smooth > 0) check(csro_probmap_smooth(m, smooth));
    return m;
}

int8_t *pipe_truth(const pipe_out *o, const csro_probmap *m)
{
    size_t nc = csro_probmap_count(m);
    int8_t *t = malloc(nc ? nc : 1);
    if (!t) tool_die(TOOL_EDATA, "out of memory");
    const csro_recon *r = o->rec;
    check(csro_probmap_subcell_truth(m, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), o->truth,
                                     csro_recon_count(r), t, nc));
    return t;
}

size_t pipe_parse_list(const char *opt, const char *s, double *v, size_t max, int pairs)
{
    char buf[1024];
    if (strlen(s) >= sizeof buf) tool_usage_error("%s: list too long", opt);
    snprintf(buf, sizeof buf, "%s", s);
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n >= max) tool_usage_error("%s: more than %zu values", opt, max);
        if (pairs) {
            char *c = strchr(t, ':');
            if (!c) tool_usage_error("%s: '%s' is not A:B", opt, t);
            *c = 0;
            v[2 * n] = tool_double(opt, t);
            v[2 * n + 1] = tool_double(opt, c + 1);
            if (!(v[2 * n] > 0) || !(v[2 * n + 1] >= v[2 * n])) tool_usage_error("%s: bad range %s:%s", opt, t, c + 1);
        } else {
            v[n] = tool_double(opt, t);
        }
        n++;
    }
    if (!n) tool_usage_error("%s: empty list", opt);
    return n;
}

csro_context *pipe_model_context(const csro_ensemble *e)
{
    const char *t = csro_ensemble_text(e, "map.context");
    if (!t) return NULL;
    csro_context *c;
    check(csro_context_from_text(&c, t));
    return c;
}

double pipe_threshold(const csro_ensemble *e, const csro_probmap *m, double thr)
{
    const char *r = csro_ensemble_text(e, "map.threshold_rule");
    if (!r || strcmp(r, "expected-f1") || !csro_ensemble_text(e, "map.threshold")) return thr;
    double t;
    check(csro_probmap_threshold_f1(m, thr, &t));
    return t;
}

int pipe_model_rule(const csro_ensemble *e, int *mode, double *thr, double *smooth, csro_context **cx)
{
    *cx = NULL;
    const char *t = csro_ensemble_text(e, "map.threshold"), *m = csro_ensemble_text(e, "map.mode");
    const char *sm = csro_ensemble_text(e, "map.smooth");
    *mode = CSRO_PROBMAP_SUM;
    *thr = 3.75;
    *smooth = 0;
    if (!t) return 0;
    *thr = atof(t);
    if (m && !strcmp(m, "mean")) *mode = CSRO_PROBMAP_MEAN;
    else if (m && !strcmp(m, "context")) {
        *mode = PIPE_CONTEXT;
        if (!(*cx = pipe_model_context(e))) tool_die(TOOL_EDATA, "model map.mode is context but it has no map.context");
    } else if (m && strcmp(m, "sum")) tool_die(TOOL_EDATA, "model map.mode '%s' is not sum, mean or context", m);
    if (sm) *smooth = atof(sm);
    return 1;
}
