/* patterns_bank.c: one realisation of a simulated crystal (occupancy,
 * orientation, APT noise and detection efficiency as the ML-APT reference
 * notebook does) and the pattern bank: the z-SDM of the chosen pair over
 * the whole small crystal through csro_sdm_points, threads over patterns (cs_parallel),
 * one random stream per pattern. */
#include "base/internal.h"
#include "base/threads_impl.h"
#include "patterns_impl.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

enum { P_SXY, P_SZ, P_EFF, P_TILT, P_AZ, P_S, P_ALPHA, P_NSITES, P_NDET, P_NA, P_NB };

void cs_sim_ctx_free(cs_sim_ctx *c)
{
    cs_sim_sites_free(&c->s);
    free(c->templ);
    free(c->oth);
    free(c->nb);
    memset(c, 0, sizeof *c);
}

int cs_sim_ctx_init(cs_sim_ctx *c, const csro_sim_opts *o)
{
    memset(c, 0, sizeof *c);
    int rc = o->kind == CSRO_SIM_FILE ? cs_sim_sites_copy(&c->s, &o->file)
                                      : cs_sim_lattice_gen(&c->s, o->kind, o->a, o->size);
    if (!rc && !c->s.n) rc = cs_err(CSRO_EINVAL, "the crystal has no sites");
    if (!rc) rc = cs_sim_template(c, o);
    if (!rc) rc = cs_sim_neighbours(&c->s, &c->nb, &c->nnb);
    if (!rc) rc = cs_sim_pole_matrix(o->pole, c->rot);
    if (rc) { cs_sim_ctx_free(c); return rc; }
    c->pa = cs_sim_species_index(c, o->pair[0]);
    c->pb = cs_sim_species_index(c, o->pair[1]);
    return 0;
}

static int pair_check(const cs_sim_ctx *c, const csro_sim_opts *o)
{
    for (int k = 0; k < 2; k++) {
        if ((k ? c->pb : c->pa) >= 0) continue;
        char list[CS_SIM_MAXSP * (CS_SIM_NAMELEN + 2)] = "";
        for (size_t i = 0; i < c->nsp; i++) {
            if (i) strcat(list, ", ");
            strcat(list, c->sp[i]);
        }
        return cs_err(CSRO_ENOTFOUND, "pair species '%s' is not in the crystal (species: %s)", o->pair[k], list);
    }
    return 0;
}

/* Scratch arrays of one realisation. */
typedef struct {
    size_t n;
    double *px, *py, *pz;
    int32_t *sp;
    size_t *scratch, *idx;
    float *fx, *fy, *fz, *ax, *ay, *az, *bx, *by, *bz;
    uint64_t *hist;
} work;

static void work_free(work *w)
{
    free(w->px); free(w->py); free(w->pz); free(w->sp); free(w->scratch); free(w->idx);
    free(w->fx); free(w->fy); free(w->fz); free(w->ax); free(w->ay); free(w->az);
    free(w->bx); free(w->by); free(w->bz); free(w->hist);
    memset(w, 0, sizeof *w);
}

static int work_init(work *w, size_t n, size_t nbins)
{
    memset(w, 0, sizeof *w);
    size_t m = n ? n : 1;
    w->n = n;
    w->px = malloc(m * sizeof(double)); w->py = malloc(m * sizeof(double)); w->pz = malloc(m * sizeof(double));
    w->sp = malloc(m * sizeof(int32_t));
    w->scratch = malloc(m * sizeof(size_t)); w->idx = malloc(m * sizeof(size_t));
    w->fx = malloc(m * sizeof(float)); w->fy = malloc(m * sizeof(float)); w->fz = malloc(m * sizeof(float));
    w->ax = malloc(m * sizeof(float)); w->ay = malloc(m * sizeof(float)); w->az = malloc(m * sizeof(float));
    w->bx = malloc(m * sizeof(float)); w->by = malloc(m * sizeof(float)); w->bz = malloc(m * sizeof(float));
    w->hist = malloc((nbins ? nbins : 1) * sizeof(uint64_t));
    if (!w->px || !w->py || !w->pz || !w->sp || !w->scratch || !w->idx || !w->fx || !w->fy ||
        !w->fz || !w->ax || !w->ay || !w->az || !w->bx || !w->by || !w->bz || !w->hist) {
        work_free(w);
        return cs_err(CSRO_ENOMEM, "out of memory for a crystal of %zu sites", n);
    }
    return 0;
}

/* Realise pattern p up to a stage: atoms in w->fx/fy/fz/sp[0..*nout-1]. */
static void realise(const cs_sim_ctx *c, const csro_sim_opts *o, uint64_t p, int stage, work *w,
                    double *par, size_t *nout, double *frac)
{
    cs_rng r;
    cs_rng_init(&r, o->seed, o->stream_base + p);
    double v[3];
    if (o->nrandom) {
        for (int k = 0; k < 3; k++) v[k] = o->ax[k].lo + cs_rng_uniform(&r) * (o->ax[k].hi - o->ax[k].lo);
    } else {
        size_t ne = o->ax[2].n, nz = o->ax[1].n, nxy = o->ax[0].n;
        v[2] = o->ax[2].v[p % ne];
        v[1] = o->ax[1].v[(p / ne) % nz];
        v[0] = o->ax[0].v[(p / (ne * nz)) % nxy];
    }
    size_t n = c->s.n;
    par[P_SXY] = v[0]; par[P_SZ] = v[1]; par[P_EFF] = v[2];
    par[P_S] = c->shuffle_all ? 0.0 : o->S;
    par[P_NSITES] = (double)n;
    /* occupancy */
    cs_sim_occupy(c, o->S, &r, w->sp, w->scratch);
    /* ordered fraction of the sites: 0 for a random solid solution, 1 for an
     * ordered crystal, the kept part when a domain surface cuts it */
    *frac = c->shuffle_all ? 0.0 : 1.0;
    if (o->cut != CSRO_SIM_CUT_NONE && !c->shuffle_all) {
        double f = o->cut_lo + (o->cut_hi - o->cut_lo) * cs_rng_uniform(&r), geom[4];
        int shape = o->cut;
        if (shape == CSRO_SIM_CUT_ANY) shape = cs_rng_uniform(&r) < 0.5 ? CSRO_SIM_CUT_PLANE : CSRO_SIM_CUT_SPHERE;
        size_t k = cs_sim_cut(&c->s, shape, f, &r, w->sp, NULL, geom);
        *frac = k == (size_t)-1 ? NAN : n ? (double)k / (double)n : 0; /* NaN: out of memory */
    }
    par[P_ALPHA] = (c->pa >= 0 && c->pb >= 0) ? cs_sim_alpha1(c->nb, c->nnb, w->sp, n, c->pa, c->pb) : NAN;
    if (!isfinite(par[P_ALPHA])) par[P_ALPHA] = 0; /* undefined (e.g. one species): no chemical order */
    /* orientation */
    double m[3][3], t[3][3];
    if (stage >= CSRO_SIM_STAGE_ORIENTED) {
        cs_sim_tilt_matrix(o->tilt, &r, t, &par[P_TILT], &par[P_AZ]);
        cs_sim_matmul(t, c->rot, m);
    } else {
        memset(m, 0, sizeof m);
        m[0][0] = m[1][1] = m[2][2] = 1;
        par[P_TILT] = par[P_AZ] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        double x = c->s.x[i], y = c->s.y[i], z = c->s.z[i];
        w->px[i] = m[0][0] * x + m[0][1] * y + m[0][2] * z;
        w->py[i] = m[1][0] * x + m[1][1] * y + m[1][2] * z;
        w->pz[i] = m[2][0] * x + m[2][1] * y + m[2][2] * z;
        w->idx[i] = i;
    }
    size_t keep = n;
    if (stage >= CSRO_SIM_STAGE_APT) {
        /* Gaussian noise on every atom (x, y: sigma_xy; z: sigma_z), then
         * keep int(n * efficiency) atoms of a random permutation. */
        for (size_t i = 0; i < n; i++) {
            w->px[i] += v[0] * cs_rng_normal(&r);
            w->py[i] += v[0] * cs_rng_normal(&r);
            w->pz[i] += v[1] * cs_rng_normal(&r);
        }
        keep = (size_t)floor((double)n * v[2]);
        if (keep > n) keep = n;
        for (size_t i = 0; i < keep; i++) {
            size_t j = i + (size_t)cs_rng_below(&r, n - i);
            size_t tmp = w->idx[i]; w->idx[i] = w->idx[j]; w->idx[j] = tmp;
        }
    }
    size_t na = 0, nb = 0;
    for (size_t k = 0; k < keep; k++) {
        size_t i = w->idx[k];
        w->fx[k] = (float)w->px[i];
        w->fy[k] = (float)w->py[i];
        w->fz[k] = (float)w->pz[i];
        w->scratch[k] = (size_t)w->sp[i];
        if (w->sp[i] == c->pa) na++;
        if (w->sp[i] == c->pb) nb++;
    }
    for (size_t k = 0; k < keep; k++) w->sp[k] = (int32_t)w->scratch[k];
    par[P_NDET] = (double)keep;
    par[P_NA] = (double)na;
    par[P_NB] = (double)nb;
    *nout = keep;
}

static int pattern(const cs_sim_ctx *c, const csro_sim_opts *o, uint64_t p, work *w, float *prof,
                   size_t nbins, float *fpar)
{
    double par[CS_SIM_NPARAMS];
    size_t n;
    double frac;
    realise(c, o, p, CSRO_SIM_STAGE_APT, w, par, &n, &frac);
    size_t na = 0, nb = 0;
    for (size_t k = 0; k < n; k++) {
        if (w->sp[k] == c->pa) { w->ax[na] = w->fx[k]; w->ay[na] = w->fy[k]; w->az[na] = w->fz[k]; na++; }
        if (w->sp[k] == c->pb) { w->bx[nb] = w->fx[k]; w->by[nb] = w->fy[k]; w->bz[nb] = w->fz[k]; nb++; }
    }
    memset(w->hist, 0, nbins * sizeof *w->hist);
    int rc = csro_sdm_points(o->sdm, w->ax, w->ay, w->az, na, w->bx, w->by, w->bz, nb, w->hist, nbins);
    if (rc) return rc;
    for (size_t k = 0; k < nbins; k++) prof[k] = (float)w->hist[k];
    if (fpar)
        for (size_t k = 0; k < CS_SIM_NPARAMS; k++) fpar[k] = (float)par[k];
    return 0;
}

typedef struct job job;
typedef struct {
    job *j;
    int rc;
    char msg[512];
} worker;

struct job {
    const cs_sim_ctx *c;
    const csro_sim_opts *o;
    size_t first, n, nbins;
    float *prof, *params;
    atomic_size_t next, done;
    atomic_int stop;
    csro_progress_fn progress;
    void *user;
};

static void run_worker(worker *wk, int is_main)
{
    job *j = wk->j;
    work w;
    wk->rc = work_init(&w, j->c->s.n, j->nbins);
    if (wk->rc) {
        snprintf(wk->msg, sizeof wk->msg, "%s", csro_last_error());
        atomic_store(&j->stop, 1);
        return;
    }
    for (;;) {
        if (atomic_load(&j->stop)) break;
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n) break;
        int rc = pattern(j->c, j->o, j->first + i, &w, j->prof + i * j->nbins, j->nbins,
                         j->params ? j->params + i * CS_SIM_NPARAMS : NULL);
        if (rc) {
            wk->rc = rc;
            snprintf(wk->msg, sizeof wk->msg, "%s", csro_last_error());
            atomic_store(&j->stop, 1);
            break;
        }
        size_t d = atomic_fetch_add(&j->done, 1) + 1;
        if (is_main && j->progress && j->progress((double)d / (double)j->n, j->user)) {
            wk->rc = cs_err(CSRO_ECANCELED, "simulation canceled");
            snprintf(wk->msg, sizeof wk->msg, "%s", csro_last_error());
            atomic_store(&j->stop, 1);
            break;
        }
    }
    work_free(&w);
}

/* cs_parallel part: part 0 (the calling thread) reports progress */
static void worker_part(void *arg, int t)
{
    run_worker((worker *)arg + t, t == 0);
}

int csro_sim_bank(const csro_sim_opts *o, size_t first, size_t n, float *profiles, size_t nbins,
                  float *params, csro_progress_fn progress, void *user)
{
    if (nbins != csro_sdm_opts_nbins(o->sdm))
        return cs_err(CSRO_EINVAL, "profile buffer has %zu bins, the z-SDM options give %zu", nbins,
                      csro_sdm_opts_nbins(o->sdm));
    size_t np = csro_sim_npatterns(o);
    if (first > np || n > np - first)
        return cs_err(CSRO_EINVAL, "patterns %zu..%zu are outside the class's %zu", first, first + n, np);
    if (!n) return 0;
    if (!profiles) return cs_err(CSRO_EINVAL, "no profile buffer");
    cs_sim_ctx c;
    int rc = cs_sim_ctx_init(&c, o);
    if (rc) return rc;
    if ((rc = pair_check(&c, o))) { cs_sim_ctx_free(&c); return rc; }
    int nt = cs_threads(o->threads, n);
    job j = {.c = &c, .o = o, .first = first, .n = n, .nbins = nbins, .prof = profiles,
             .params = params, .progress = progress, .user = user};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.stop, 0);
    worker *wk = calloc((size_t)nt, sizeof *wk);
    if (!wk) { cs_sim_ctx_free(&c); return cs_err(CSRO_ENOMEM, "out of memory"); }
    for (int t = 0; t < nt; t++) wk[t].j = &j;
    cs_parallel(nt, worker_part, wk);
    rc = 0;
    for (int t = 0; t < nt && !rc; t++)
        if (wk[t].rc) rc = cs_err(wk[t].rc, "%s", wk[t].msg);
    free(wk);
    cs_sim_ctx_free(&c);
    return rc;
}

/* ---- single crystal handle ---- */

int csro_sim_crystal_new(csro_sim_crystal **out, const csro_sim_opts *o, uint64_t p, int stage)
{
    *out = NULL;
    if (stage < CSRO_SIM_STAGE_IDEAL || stage > CSRO_SIM_STAGE_APT)
        return cs_err(CSRO_EINVAL, "unknown crystal stage %d", stage);
    cs_sim_ctx c;
    int rc = cs_sim_ctx_init(&c, o);
    if (rc) return rc;
    work w;
    if ((rc = work_init(&w, c.s.n, 1))) { cs_sim_ctx_free(&c); return rc; }
    csro_sim_crystal *k = calloc(1, sizeof *k);
    size_t n;
    if (!k) { rc = cs_err(CSRO_ENOMEM, "out of memory"); goto done; }
    realise(&c, o, p, stage, &w, k->params, &n, &k->ordered_fraction);
    size_t m = n ? n : 1;
    k->n = n;
    k->x = malloc(m * sizeof *k->x); k->y = malloc(m * sizeof *k->y); k->z = malloc(m * sizeof *k->z);
    k->sp = malloc(m * sizeof *k->sp);
    k->ideal_order = stage < CSRO_SIM_STAGE_APT;
    if (k->ideal_order && c.nnb) {
        k->nb = malloc(2 * c.nnb * sizeof *k->nb);
        if (k->nb) { memcpy(k->nb, c.nb, 2 * c.nnb * sizeof *k->nb); k->nnb = c.nnb; }
    }
    if (!k->x || !k->y || !k->z || !k->sp || (k->ideal_order && c.nnb && !k->nb)) {
        csro_sim_crystal_free(k);
        k = NULL;
        rc = cs_err(CSRO_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(k->x, w.fx, n * sizeof *k->x);
    memcpy(k->y, w.fy, n * sizeof *k->y);
    memcpy(k->z, w.fz, n * sizeof *k->z);
    memcpy(k->sp, w.sp, n * sizeof *k->sp);
    k->nsp = c.nsp;
    memcpy(k->names, c.sp, sizeof c.sp);
    *out = k;
done:
    work_free(&w);
    cs_sim_ctx_free(&c);
    return rc;
}

void csro_sim_crystal_free(csro_sim_crystal *c)
{
    if (!c) return;
    free(c->x); free(c->y); free(c->z); free(c->sp); free(c->nb);
    free(c);
}

size_t csro_sim_crystal_count(const csro_sim_crystal *c) { return c->n; }
const float *csro_sim_crystal_x(const csro_sim_crystal *c) { return c->x; }
const float *csro_sim_crystal_y(const csro_sim_crystal *c) { return c->y; }
const float *csro_sim_crystal_z(const csro_sim_crystal *c) { return c->z; }
const int32_t *csro_sim_crystal_species(const csro_sim_crystal *c) { return c->sp; }
size_t csro_sim_crystal_nspecies(const csro_sim_crystal *c) { return c->nsp; }
const char *csro_sim_crystal_species_name(const csro_sim_crystal *c, size_t i)
{
    return i < c->nsp ? c->names[i] : NULL;
}
double csro_sim_crystal_ordered_fraction(const csro_sim_crystal *c) { return c->ordered_fraction; }

double csro_sim_crystal_param(const csro_sim_crystal *c, size_t i)
{
    return i < CS_SIM_NPARAMS ? c->params[i] : NAN;
}

int csro_sim_crystal_alpha1(const csro_sim_crystal *c, const char *a, const char *b, double *out)
{
    *out = NAN;
    if (!c->ideal_order)
        return cs_err(CSRO_EINVAL, "alpha1 needs a crystal of the ideal or oriented stage");
    int ia = -1, ib = -1;
    for (size_t i = 0; i < c->nsp; i++) {
        if (!strcmp(c->names[i], a)) ia = (int)i;
        if (!strcmp(c->names[i], b)) ib = (int)i;
    }
    if (ia < 0 || ib < 0) return cs_err(CSRO_ENOTFOUND, "species '%s' is not in the crystal", ia < 0 ? a : b);
    *out = cs_sim_alpha1(c->nb, c->nnb, c->sp, c->n, ia, ib);
    if (!isfinite(*out)) return cs_err(CSRO_EINVAL, "alpha1 of %s-%s is undefined in this crystal", a, b);
    return 0;
}
