/* csro/sim.h: (to be filled by the sim module) */
#ifndef CSRO_SIM_H
#define CSRO_SIM_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
