/* csro/recon.h: (to be filled by the recon module) */
#ifndef CSRO_RECON_H
#define CSRO_RECON_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
