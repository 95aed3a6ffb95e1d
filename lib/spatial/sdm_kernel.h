/* sdm_kernel.h: the z-SDM pair kernels of the voxel engine. They reproduce
 * cs_sdm_project + cs_sdm_bin (sdm_impl.h) exactly, 4 pairs per step in
 * double precision, counting into per-lane sub-histograms (one slot
 * collects dropped pairs) that are folded into the kept bins on return. */
#ifndef CSRO_SDM_KERNEL_H
#define CSRO_SDM_KERNEL_H

#include "sdm_impl.h"
#include <stdint.h>

/* Number of padding entries callers must leave after the last point of
 * each coordinate array; they must hold CS_SDM_PAD (far away). */
#define CS_SDM_NPAD 8
#define CS_SDM_PAD 1e18f
/* Sub-histograms used by the kernels. */
#define CS_SDM_NSUB 8

typedef struct {
    double R, R2, norm, fl, fh;   /* fl/fh: kept full-bin range [first, first+nbins) */
    double tlo, thi;              /* kept iff tlo <= dz < thi (dz range and crop) */
    /* the kept window and its mirror image: full bins [ulo, uhi), ulo + uhi = nfull */
    double ul, uh, utlo, uthi;    /* utlo <= dz < uthi iff the bin is in [ulo, uhi) */
    double u[3], e[3];
    int axis, first, nbins, nfull, ulo, uhi;
    size_t stride;                /* distance between sub-histograms (>= uhi - ulo + 1) */
} cs_sdm_kparm;

void cs_sdm_kparm_init(cs_sdm_kparm *p, const csro_sdm_opts *o);
/* Every ordered pair (i, j), i != j, of one point set of n points with
 * i0 <= i < i1 and j > i or the reverse, each unordered pair evaluated once
 * and counted once: the reversed pair's bin is the mirror image of the
 * pair's, except where rounding or a half-open edge says otherwise (those
 * lanes are corrected one by one).
 * h: CS_SDM_NSUB * p->stride counters of scratch; on return h[0 .. nbins)
 * holds the counts of the kept bins (at most (i1 - i0) * n per call must
 * fit 32 bits). */
void cs_sdm_kernel_sym(const cs_sdm_kparm *p, const float *x, const float *y, const float *z,
                       size_t n, size_t i0, size_t i1, uint32_t *h);
/* Every ordered pair (i in A, j in B); h as above (na * nb must fit 32 bits). */
void cs_sdm_kernel_pair(const cs_sdm_kparm *p, const float *ax, const float *ay, const float *az,
                        size_t na, const float *bx, const float *by, const float *bz, size_t nb,
                        uint32_t *h);

#endif
