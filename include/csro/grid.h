/* csro/grid.h: the voxel grid of ML-APT.
 *
 * Voxel origins run lo, lo+s, ... while origin + v <= hi on each axis (the
 * reference scans X in arange(lo, hi, s) keeping X + v <= hi); the centre of
 * a voxel is origin + v/2; linear index = i + nx*(j + ny*k), x fastest.
 * Shape: a sphere of radius 0.75 v around the centre (reference default) or
 * the cube itself. A grid is immutable after creation and thread-safe.
 */
#ifndef CSRO_GRID_H
#define CSRO_GRID_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_grid csro_grid;

enum { CSRO_VOXEL_SPHERE = 0, CSRO_VOXEL_CUBE = 1 };

/* New grid over [lo, hi] (nm) with voxel edge v and stride s. Fails with
 * CSRO_EINVAL when v or s is outside [CSRO_GRID_MIN_NM, CSRO_GRID_MAX_NM],
 * the ROI is smaller than one voxel, or the grid would have more than
 * CSRO_GRID_MAX_VOXELS voxels (sizes no APT analysis can mean; the message
 * says which and by how much). */
#define CSRO_GRID_MIN_NM 1e-3
#define CSRO_GRID_MAX_NM 1e4
#define CSRO_GRID_MAX_VOXELS ((size_t)1 << 32)
CSRO_API int csro_grid_new(csro_grid **out, const double lo[3], const double hi[3],
                           double voxel, double stride, int shape);
CSRO_API void csro_grid_free(csro_grid *g);
/* Total number of voxels nx*ny*nz. */
CSRO_API size_t csro_grid_count(const csro_grid *g);
CSRO_API void csro_grid_dims(const csro_grid *g, size_t dims[3]);
CSRO_API void csro_grid_lo(const csro_grid *g, double lo[3]);
CSRO_API void csro_grid_hi(const csro_grid *g, double hi[3]);
CSRO_API double csro_grid_voxel(const csro_grid *g);
CSRO_API double csro_grid_stride(const csro_grid *g);
CSRO_API int csro_grid_shape(const csro_grid *g);
/* Centre (nm) of voxel idx (< count). */
CSRO_API void csro_grid_center(const csro_grid *g, size_t idx, double c[3]);
/* Add to counts[0..nvox-1] the number of points inside each voxel
 * [first, first+nvox) (the membership rule of csro_sdm_voxels): per-voxel
 * counts and, one species at a time, composition maps. */
CSRO_API int csro_grid_count_points(const csro_grid *g, const float *x, const float *y, const float *z,
                                    size_t n, size_t first, size_t nvox, uint32_t *counts);

#ifdef __cplusplus
}
#endif
#endif
