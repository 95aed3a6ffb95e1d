/* csro/probmap.h: (to be filled by the probmap module) */
#ifndef CSRO_PROBMAP_H
#define CSRO_PROBMAP_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
