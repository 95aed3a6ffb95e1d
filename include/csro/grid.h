/* csro/grid.h: (to be filled by the grid module) */
#ifndef CSRO_GRID_H
#define CSRO_GRID_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
