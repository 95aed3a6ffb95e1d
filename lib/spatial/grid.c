/* grid.c: the ML-APT voxel grid (see csro/grid.h). */
#include "base/internal.h"
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
    if (!(stride >= CSRO_GRID_MIN_NM && stride <= CSRO_GRID_MAX_NM))
        return cs_err(CSRO_EINVAL, "grid: stride %g nm is outside [%g, %g] nm", stride, CSRO_GRID_MIN_NM, CSRO_GRID_MAX_NM);
    if (!(voxel >= CSRO_GRID_MIN_NM && voxel <= CSRO_GRID_MAX_NM))
        return cs_err(CSRO_EINVAL, "grid: voxel size %g nm is outside [%g, %g] nm", voxel, CSRO_GRID_MIN_NM, CSRO_GRID_MAX_NM);
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
    /* each axis <= 1e7, so the product fits in double exactly enough */
    double total = (double)d[0] * (double)d[1] * (double)d[2];
    if (total > (double)CSRO_GRID_MAX_VOXELS)
        return cs_err(CSRO_EINVAL, "grid: %zu x %zu x %zu = %.3g voxels are more than %.3g; use a larger stride (%g nm now) "
                      "or a smaller ROI", d[0], d[1], d[2], total, (double)CSRO_GRID_MAX_VOXELS, stride);
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

int csro_grid_count_points(const csro_grid *g, const float *x, const float *y, const float *z, size_t n,
                           size_t first, size_t nvox, uint32_t *counts)
{
    size_t total = csro_grid_count(g);
    if (first > total || nvox > total - first)
        return cs_err(CSRO_EINVAL, "grid: voxels [%zu, %zu) are beyond the grid's %zu", first, first + nvox, total);
    if (n && (!x || !y || !z)) return cs_err(CSRO_EINVAL, "grid: NULL point arrays");
    /* membership as csro_sdm_voxels (cs_grid_reach), centre = lo + i s + v/2 */
    const int sphere = g->shape == CSRO_VOXEL_SPHERE;
    const double h = cs_grid_reach(g), r2 = h * h;
    for (size_t t = 0; t < n; t++) {
        double p[3] = {x[t], y[t], z[t]};
        size_t a0[3], a1[3];
        int empty = 0;
        for (int a = 0; a < 3 && !empty; a++) {
            double u0 = ceil((p[a] - g->lo[a] - g->voxel / 2 - h) / g->stride) - 1;
            double u1 = floor((p[a] - g->lo[a] - g->voxel / 2 + h) / g->stride) + 1;
            if (u0 < 0) u0 = 0;
            if (u1 > (double)g->dims[a] - 1) u1 = (double)g->dims[a] - 1;
            if (!(u0 <= u1)) empty = 1;
            else { a0[a] = (size_t)u0; a1[a] = (size_t)u1; }
        }
        if (empty) continue;
        for (size_t k = a0[2]; k <= a1[2]; k++)
            for (size_t j = a0[1]; j <= a1[1]; j++)
                for (size_t i = a0[0]; i <= a1[0]; i++) {
                    size_t idx = i + g->dims[0] * (j + g->dims[1] * k);
                    if (idx < first || idx >= first + nvox) continue;
                    double c[3];
                    csro_grid_center(g, idx, c);
                    double ex = p[0] - c[0], ey = p[1] - c[1], ez = p[2] - c[2];
                    int in = sphere ? ex * ex + ey * ey + ez * ez <= r2
                                    : (fabs(ex) <= h) & (fabs(ey) <= h) & (fabs(ez) <= h);
                    counts[idx - first] += (uint32_t)in;
                }
    }
    return 0;
}
