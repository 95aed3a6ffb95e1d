/* grid_impl.h: private layout of csro_grid. */
#ifndef CSRO_GRID_IMPL_H
#define CSRO_GRID_IMPL_H
#include "csro/grid.h"
#include <stddef.h>
struct csro_grid {
    double lo[3], hi[3], voxel, stride;
    size_t dims[3];
    int shape;
};
/* The voxel reach rule, the one home of it: an atom belongs to a voxel
 * when |p - centre| <= reach, Euclidean for spheres (reach 0.75 v, the
 * reference's query_ball_point(centres, voxel * 1.5 / 2)) and per axis for
 * cubes (reach v/2). */
static inline double cs_grid_reach(const struct csro_grid *g)
{
    return g->shape == CSRO_VOXEL_SPHERE ? g->voxel * 1.5 / 2 : g->voxel / 2;
}
#endif
