/* grid.c: the ML-APT voxel grid (see csro/grid.h). */
#include "internal.h"
#include "grid_impl.h"
#include <math.h>
#include <stdlib.h>

/* Number of origins lo + k*s (k >= 0) with origin + v <= hi, computed as
 * the reference does: X = lo + k*s in double, test X + v <= hi. */
static size_t axis_count(double lo, double hi, double v, double s)
{
    size_t n = 0;
    for (;;) {
        double x = lo + (double)n * s;
        if (!(x < hi) || !(x + v <= hi)) break;
        n++;
    }
    return n;
}

int csro_grid_new(csro_grid **out, const double lo[3], const double hi[3],
                  double voxel, double stride, int shape)
{
    *out = NULL;
    if (!(stride > 0) || !isfinite(stride)) return cs_err(CSRO_EINVAL, "grid: stride %g must be > 0", stride);
    if (!(voxel > 0) || !isfinite(voxel)) return cs_err(CSRO_EINVAL, "grid: voxel size %g must be > 0", voxel);
    if (shape != CSRO_VOXEL_SPHERE && shape != CSRO_VOXEL_CUBE)
        return cs_err(CSRO_EINVAL, "grid: unknown voxel shape %d", shape);
    size_t d[3];
    for (int a = 0; a < 3; a++) {
        if (!isfinite(lo[a]) || !isfinite(hi[a]) || !(hi[a] > lo[a]))
            return cs_err(CSRO_EINVAL, "grid: ROI axis %c [%g, %g] is empty", "xyz"[a], lo[a], hi[a]);
        if ((hi[a] - lo[a]) / stride > 1e7)
            return cs_err(CSRO_EINVAL, "grid: ROI axis %c [%g, %g] has too many voxels for stride %g", "xyz"[a], lo[a], hi[a], stride);
        d[a] = axis_count(lo[a], hi[a], voxel, stride);
        if (!d[a])
            return cs_err(CSRO_EINVAL, "grid: voxel %g nm is larger than the ROI along %c (%g nm)", voxel, "xyz"[a], hi[a] - lo[a]);
    }
    csro_grid *g = calloc(1, sizeof *g);
    if (!g) return cs_err(CSRO_ENOMEM, "grid: out of memory");
    for (int a = 0; a < 3; a++) { g->lo[a] = lo[a]; g->hi[a] = hi[a]; g->dims[a] = d[a]; }
    g->voxel = voxel;
    g->stride = stride;
    g->shape = shape;
    *out = g;
    return 0;
}

void csro_grid_free(csro_grid *g) { free(g); }
size_t csro_grid_count(const csro_grid *g) { return g->dims[0] * g->dims[1] * g->dims[2]; }
void csro_grid_dims(const csro_grid *g, size_t dims[3]) { for (int a = 0; a < 3; a++) dims[a] = g->dims[a]; }
void csro_grid_lo(const csro_grid *g, double lo[3]) { for (int a = 0; a < 3; a++) lo[a] = g->lo[a]; }
void csro_grid_hi(const csro_grid *g, double hi[3]) { for (int a = 0; a < 3; a++) hi[a] = g->hi[a]; }
double csro_grid_voxel(const csro_grid *g) { return g->voxel; }
double csro_grid_stride(const csro_grid *g) { return g->stride; }
int csro_grid_shape(const csro_grid *g) { return g->shape; }

void csro_grid_center(const csro_grid *g, size_t idx, double c[3])
{
    size_t i = idx % g->dims[0], j = idx / g->dims[0] % g->dims[1], k = idx / (g->dims[0] * g->dims[1]);
    size_t ijk[3] = {i, j, k};
    for (int a = 0; a < 3; a++) c[a] = g->lo[a] + (double)ijk[a] * g->stride + g->voxel / 2;
}
