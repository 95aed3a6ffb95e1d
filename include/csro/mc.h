/* csro/mc.h: (to be filled by the mc module) */
#ifndef CSRO_MC_H
#define CSRO_MC_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
