/* grid_impl.h: private layout of csro_grid. */
#ifndef CSRO_GRID_IMPL_H
#define CSRO_GRID_IMPL_H
#include <stddef.h>
struct csro_grid {
    double lo[3], hi[3], voxel, stride;
    size_t dims[3];
    int shape;
};
#endif
