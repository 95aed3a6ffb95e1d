/* sdm_impl.h: private layout of csro_sdm_opts and the binning rule shared
 * by every z-SDM code path (brute force, cell-list engine, simulator). */
#ifndef CSRO_SDM_IMPL_H
#define CSRO_SDM_IMPL_H

#include "base/internal.h"

struct csro_sdm_opts {
    double radius, bin_width, crop_lo, crop_hi;
    double dir[3], e1[3];
    int axis;           /* 0/1/2 if dir is a coordinate axis, else -1 */
    size_t nfull;       /* bins over [-R, R) */
    size_t first, nbins;/* kept bins */
    double norm;        /* nfull / (2R) */
};

/* dz along the analysis direction, dx along e1 (raw differences for the
 * default z direction, so results match the reference bit for bit). */
static inline void cs_sdm_project(const csro_sdm_opts *o, const double d[3], double *dz, double *dx)
{
    if (o->axis == 2) { *dz = d[2]; *dx = d[0]; return; }
    if (o->axis == 0) { *dz = d[0]; *dx = d[1]; return; }
    if (o->axis == 1) { *dz = d[1]; *dx = d[0]; return; }
    *dz = d[0] * o->dir[0] + d[1] * o->dir[1] + d[2] * o->dir[2];
    *dx = d[0] * o->e1[0] + d[1] * o->e1[1] + d[2] * o->e1[2];
}

/* Kept-bin index of a pair offset; 0 if the pair is dropped. */
static inline int cs_sdm_bin(const csro_sdm_opts *o, double dz, double dx, size_t *k)
{
    const double R = o->radius;
    if (dz == 0.0 || dx == 0.0) return 0;
    if (!(dz >= -R && dz < R && dx >= -R && dx < R)) return 0;
    size_t b = (size_t)((dz + R) * o->norm);
    if (b < o->first || b >= o->first + o->nbins) return 0;
    *k = b - o->first;
    return 1;
}

#endif
