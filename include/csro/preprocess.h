/* csro/preprocess.h: (to be filled by the preprocess module) */
#ifndef CSRO_PREPROCESS_H
#define CSRO_PREPROCESS_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
