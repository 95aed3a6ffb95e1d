/* csro/aptsim.h: (to be filled by the aptsim module) */
#ifndef CSRO_APTSIM_H
#define CSRO_APTSIM_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
