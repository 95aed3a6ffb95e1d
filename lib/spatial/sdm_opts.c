/* sdm_opts.c: z-SDM parameters and the brute-force pair histogram that
 * defines the reference semantics (see csro/sdm.h). */
#include "base/internal.h"
#include "sdm_impl.h"
#include <math.h>
#include <stdlib.h>

static void opts_update(csro_sdm_opts *o)
{
    double span = 2.0 * o->radius;
    o->nfull = (size_t)llround(span / o->bin_width);
    if (o->nfull < 1) o->nfull = 1;
    o->norm = (double)o->nfull / span;
    /* left edges as np.arange(-R, R, w): -R + k*w */
    o->first = 0;
    o->nbins = 0;
    for (size_t k = 0; k < o->nfull; k++) {
        double e = -o->radius + (double)k * o->bin_width;
        if (e >= o->crop_lo && e < o->crop_hi) {
            if (!o->nbins) o->first = k;
            o->nbins++;
        }
    }
    double *u = o->dir;
    o->axis = -1;
    for (int a = 0; a < 3; a++)
        if (u[a] == 1.0 && u[(a + 1) % 3] == 0.0 && u[(a + 2) % 3] == 0.0) o->axis = a;
    /* e1: x projected perpendicular to u (y if u is along x) */
    double ref[3] = {1, 0, 0};
    if (fabs(u[0]) > 0.9) { ref[0] = 0; ref[1] = 1; }
    double d = ref[0] * u[0] + ref[1] * u[1] + ref[2] * u[2];
    double e[3] = {ref[0] - d * u[0], ref[1] - d * u[1], ref[2] - d * u[2]};
    double n = sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
    for (int a = 0; a < 3; a++) o->e1[a] = e[a] / n;
}

csro_sdm_opts *csro_sdm_opts_new(void)
{
    csro_sdm_opts *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->radius = 1.5;
    o->bin_width = 0.015;
    o->crop_lo = -0.7;
    o->crop_hi = 0.7;
    o->dir[2] = 1.0;
    opts_update(o);
    return o;
}

csro_sdm_opts *csro_sdm_opts_clone(const csro_sdm_opts *o)
{
    csro_sdm_opts *c = malloc(sizeof *c);
    if (c) *c = *o;
    return c;
}

void csro_sdm_opts_free(csro_sdm_opts *o) { free(o); }

/* The one check of radius and bin width: it bounds every loop over the
 * bins (opts_update and the metadata decoders call it first). */
static int check_bins(double r, double w)
{
    if (!(r > 0) || !isfinite(r)) return cs_err(CSRO_EINVAL, "SDM radius %g must be > 0", r);
    if (!(w > 0) || !isfinite(w)) return cs_err(CSRO_EINVAL, "SDM bin width %g must be > 0", w);
    if (w > r) return cs_err(CSRO_EINVAL, "SDM bin width %g is larger than the radius %g", w, r);
    if (!(2.0 * r / w <= CSRO_SDM_MAX_BINS))
        return cs_err(CSRO_EINVAL, "SDM radius %g / bin width %g gives %.3g bins, more than %d; use a wider bin",
                      r, w, 2.0 * r / w, CSRO_SDM_MAX_BINS);
    return 0;
}

int csro_sdm_opts_set_bins(csro_sdm_opts *o, double r, double w)
{
    int rc = check_bins(r, w);
    if (rc) return rc;
    o->radius = r;
    o->bin_width = w;
    opts_update(o);
    return 0;
}

int csro_sdm_opts_set_radius(csro_sdm_opts *o, double r)
{
    return csro_sdm_opts_set_bins(o, r, o->bin_width);
}

int csro_sdm_opts_set_bin_width(csro_sdm_opts *o, double w)
{
    return csro_sdm_opts_set_bins(o, o->radius, w);
}

int csro_sdm_opts_set_crop(csro_sdm_opts *o, double lo, double hi)
{
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
        return cs_err(CSRO_EINVAL, "SDM crop [%g, %g) is empty", lo, hi);
    o->crop_lo = lo;
    o->crop_hi = hi;
    opts_update(o);
    return 0;
}

int csro_sdm_opts_set_direction(csro_sdm_opts *o, double ux, double uy, double uz)
{
    double n = sqrt(ux * ux + uy * uy + uz * uz);
    if (!(n > 0) || !isfinite(n)) return cs_err(CSRO_EINVAL, "SDM direction (%g, %g, %g) has no length", ux, uy, uz);
    o->dir[0] = ux / n; o->dir[1] = uy / n; o->dir[2] = uz / n;
    opts_update(o);
    return 0;
}

double csro_sdm_opts_radius(const csro_sdm_opts *o) { return o->radius; }
double csro_sdm_opts_bin_width(const csro_sdm_opts *o) { return o->bin_width; }
size_t csro_sdm_opts_nbins(const csro_sdm_opts *o) { return o->nbins; }
size_t csro_sdm_opts_first_bin(const csro_sdm_opts *o) { return o->first; }
double csro_sdm_opts_bin_left(const csro_sdm_opts *o, size_t i)
{
    return -o->radius + (double)(o->first + i) * o->bin_width;
}
void csro_sdm_opts_direction(const csro_sdm_opts *o, double u[3])
{
    u[0] = o->dir[0]; u[1] = o->dir[1]; u[2] = o->dir[2];
}

int csro_sdm_points(const csro_sdm_opts *o,
                    const float *ax, const float *ay, const float *az, size_t na,
                    const float *bx, const float *by, const float *bz, size_t nb,
                    uint64_t *hist, size_t nbins)
{
    if (nbins != o->nbins)
        return cs_err(CSRO_EINVAL, "SDM histogram has %zu bins, options give %zu", nbins, o->nbins);
    const double R = o->radius, R2 = R * R;
    for (size_t i = 0; i < na; i++) {
        for (size_t j = 0; j < nb; j++) {
            double d[3] = {(double)bx[j] - ax[i], (double)by[j] - ay[i], (double)bz[j] - az[i]};
            if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > R2) continue;
            double dz, dx;
            cs_sdm_project(o, d, &dz, &dx);
            size_t k;
            if (cs_sdm_bin(o, dz, dx, &k)) hist[k]++;
        }
    }
    return 0;
}
