/* csro/sdm.h: spatial distribution maps (z-SDMs) of point sets.
 *
 * Reference definition (ML-APT, Li et al. 2023): for atoms i of species A
 * and j of species B with |p_j - p_i| <= R, form dz = (p_j - p_i).u and
 * dx = (p_j - p_i).e1 in double precision (u = analysis direction, default
 * +z; e1 = x for the default), drop pairs with dx == 0 or dz == 0 exactly
 * (self pairs), histogram dz over [-R, R) with round(2R/w) bins using
 * bin = (int)((dz + R) * nfull / (2R)) (the fast_histogram rule the
 * reference uses; dx must also lie in [-R, R)), and keep the bins whose left
 * edge -R + k w lies in [crop_lo, crop_hi). Defaults: R = 1.5 nm,
 * w = 0.015 nm, crop [-0.7, 0.7): 93 bins, left edges -0.69 ... 0.69 nm.
 *
 * Options objects are not thread-safe to modify but may be shared read-only
 * by any number of threads.
 */
#ifndef CSRO_SDM_H
#define CSRO_SDM_H

#include "csro/common.h"
#include "csro/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_sdm_opts csro_sdm_opts;

/* New options with the reference defaults; NULL when out of memory. */
CSRO_API csro_sdm_opts *csro_sdm_opts_new(void);
/* Copy of o (NULL when out of memory). */
CSRO_API csro_sdm_opts *csro_sdm_opts_clone(const csro_sdm_opts *o);
CSRO_API void csro_sdm_opts_free(csro_sdm_opts *o);

/* Pair search radius R in nm (> 0, default 1.5). */
CSRO_API int csro_sdm_opts_set_radius(csro_sdm_opts *o, double r);
/* Histogram bin width in nm (0 < w <= R, default 0.015). */
CSRO_API int csro_sdm_opts_set_bin_width(csro_sdm_opts *o, double w);
/* Radius R and bin width w together (0 < w <= R, 2R/w <= CSRO_SDM_MAX_BINS),
 * whatever the current values: prefer it to the pair of setters above,
 * whose order matters when both change. */
CSRO_API int csro_sdm_opts_set_bins(csro_sdm_opts *o, double r, double w);
/* Most bins across the diameter 2R/w that any SDM option object accepts. */
#define CSRO_SDM_MAX_BINS 1048576
/* Kept range of bin left edges [lo, hi) in nm (default -0.7, 0.7). */
CSRO_API int csro_sdm_opts_set_crop(csro_sdm_opts *o, double lo, double hi);
/* Analysis direction (normalised internally; default 0,0,1). A coordinate
 * axis uses raw coordinate differences (bit-exact with the reference). */
CSRO_API int csro_sdm_opts_set_direction(csro_sdm_opts *o, double ux, double uy, double uz);

CSRO_API double csro_sdm_opts_radius(const csro_sdm_opts *o);
CSRO_API double csro_sdm_opts_bin_width(const csro_sdm_opts *o);
/* Number of kept bins (93 for the defaults); 0 if the crop keeps none. */
CSRO_API size_t csro_sdm_opts_nbins(const csro_sdm_opts *o);
/* Left edge (nm) of kept bin i (i < nbins). */
CSRO_API double csro_sdm_opts_bin_left(const csro_sdm_opts *o, size_t i);
/* Index of the first kept bin in the full [-R, R) histogram (54 by default). */
CSRO_API size_t csro_sdm_opts_first_bin(const csro_sdm_opts *o);
/* Copy the analysis direction (unit vector) to u[3]. */
CSRO_API void csro_sdm_opts_direction(const csro_sdm_opts *o, double u[3]);

/* Add the z-SDM counts of all ordered pairs (i in A, j in B) to
 * hist[0..nbins-1] (the caller zeroes it). Brute force over all pairs: meant
 * for small point sets (simulated crystals, single voxels); voxel grids use
 * the cell-list engine. Passing the same arrays for A and B is the
 * same-species case. nbins must equal csro_sdm_opts_nbins(o). */
CSRO_API int csro_sdm_points(const csro_sdm_opts *o,
                             const float *ax, const float *ay, const float *az, size_t na,
                             const float *bx, const float *by, const float *bz, size_t nb,
                             uint64_t *hist, size_t nbins);

/* z-SDMs of voxels [first, first+nvox) of grid g (csro/grid.h): out is
 * nvox*nbins float counts (exact integers; nbins = csro_sdm_opts_nbins(o)),
 * natoms (may be NULL) receives the number of A atoms in each voxel, nodata
 * (may be NULL) 1 where the voxel has too few atoms of the pair to form a
 * pair (A == B: fewer than 2 atoms; A != B: no A or no B atom); such
 * profiles are all zero. Voxel membership follows the reference's cKDTree
 * ball query: sphere voxels hold the atoms with squared distance to the
 * centre <= (1.5 v / 2)^2, cube voxels those with |p - centre| <= v/2 on
 * every axis. A and B point sets are float arrays; pass the same pointers
 * (and count) for A == B (each unordered pair is then evaluated once and
 * counted both ways, giving the ordered-pair counts). Only atoms near the
 * requested voxels matter: a call with just the atoms of a z-slab that
 * covers the voxels' spheres gives the same result as with all atoms.
 * threads 0 = all cores; the output is identical for any thread count.
 * progress (may be NULL) is called from the calling thread; a non-zero
 * return cancels with CSRO_ECANCELED (out is then incomplete). Errors:
 * CSRO_EINVAL (range beyond the grid, NULL arrays, no kept bins),
 * CSRO_ENOMEM. Thread-safe: any number of calls may run concurrently. */
CSRO_API int csro_sdm_voxels(const csro_sdm_opts *o, const csro_grid *g,
                             const float *ax, const float *ay, const float *az, size_t na,
                             const float *bx, const float *by, const float *bz, size_t nb,
                             size_t first, size_t nvox, float *out, uint32_t *natoms,
                             uint8_t *nodata, int threads, csro_progress_fn progress, void *user);

/* The z interval [zr[0], zr[1]] (nm) that holds every atom that can lie in
 * a voxel of [first, first+nvox) of g (sphere: centre z +- 1.5 v / 2, cube:
 * +- v / 2, widened by 1e-9 relative for rounding). Passing
 * csro_sdm_voxels only the atoms with z in this interval gives the same
 * result as passing all atoms: what a tool streaming z-slabs of a large
 * reconstruction needs. CSRO_EINVAL if the range is empty or beyond the
 * grid. Thread-safe. */
CSRO_API int csro_sdm_voxels_zrange(const csro_grid *g, size_t first, size_t nvox, double zr[2]);

/* Number of bins over the full [-R, R) range (200 for the defaults); the
 * kept bins are [csro_sdm_opts_first_bin, + csro_sdm_opts_nbins). */
CSRO_API size_t csro_sdm_opts_nfull(const csro_sdm_opts *o);

/* Whole point-set 2D SDM, to see lattice planes before voxelizing: every
 * ordered pair (i in A, j in B) with |p_j - p_i| <= R and dz, dx != 0, as
 * csro_sdm_points, binned with the same rule over [-R, R) on both axes:
 * hist2d[row * nfull + col] with row = dz bin, col = dx bin (the
 * reference's fast_histogram2d array), nfull = csro_sdm_opts_nfull(o).
 * prof (nfull counts) receives the row sums: the uncropped 1D z-SDM of all
 * pairs (its bins [first, first + nbins) equal csro_sdm_points). Either
 * output may be NULL, not both; both are overwritten. threads 0 = all
 * cores; identical output for any thread count; progress as in
 * csro_sdm_voxels. Errors: CSRO_EINVAL (nfull mismatch, NULL arrays),
 * CSRO_ENOMEM, CSRO_ECANCELED. Thread-safe. */
CSRO_API int csro_sdm_2d(const csro_sdm_opts *o,
                         const float *ax, const float *ay, const float *az, size_t na,
                         const float *bx, const float *by, const float *bz, size_t nb,
                         uint64_t *hist2d, uint64_t *prof, size_t nfull,
                         int threads, csro_progress_fn progress, void *user);

/* Whole point-set 3D SDM: counts of pair offsets d = p_j - p_i (i in A,
 * j in B, |d| <= R, d != 0) in an n x n x n cube over [-R, R)^3 of the
 * analysis frame (e1, u x e1, u): for the default z direction simply
 * (dx, dy, dz). Bin k = (int)((c + R) * n / (2R)); layout
 * hist3d[(kz * n + ky) * n + kx] (n*n*n counters, overwritten; one TIFF
 * page per kz). n in 1..256. Threads, progress, errors as csro_sdm_2d. */
CSRO_API int csro_sdm_3d(const csro_sdm_opts *o,
                         const float *ax, const float *ay, const float *az, size_t na,
                         const float *bx, const float *by, const float *bz, size_t nb,
                         uint64_t *hist3d, size_t n,
                         int threads, csro_progress_fn progress, void *user);

/* Sample types of csro_sdm_tiff_write. */
enum { CSRO_SDM_TIFF_FLOAT32 = 1, CSRO_SDM_TIFF_UINT32 = 2 };

/* Write pages images of width x height 32-bit samples (float or uint32_t
 * per type; data holds pages*height*width values, row-major, page after
 * page) as an uncompressed multi-page grayscale TIFF via libtiff. The file
 * appears atomically (temporary + rename); "-" writes to stdout. Sizes up
 * to 65535 per axis. Errors: CSRO_EINVAL, CSRO_EIO, CSRO_ENOMEM.
 * Thread-safe. */
CSRO_API int csro_sdm_tiff_write(const char *path, const void *data, int type,
                                 size_t width, size_t height, size_t pages);
/* Since 1.1: the same with info (may be NULL), a text stored as the first
 * page's ImageDescription (e.g. a provenance record as key=value lines). */
CSRO_API int csro_sdm_tiff_write_info(const char *path, const void *data, int type,
                                      size_t width, size_t height, size_t pages, const char *info);

#ifdef __cplusplus
}
#endif
#endif
