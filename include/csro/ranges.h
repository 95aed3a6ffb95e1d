/* csro/ranges.h: (to be filled by the ranges module) */
#ifndef CSRO_RANGES_H
#define CSRO_RANGES_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
