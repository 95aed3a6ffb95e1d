/* csro/zsdm.h: (to be filled by the zsdm module) */
#ifndef CSRO_ZSDM_H
#define CSRO_ZSDM_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
