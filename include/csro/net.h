/* csro/net.h: (to be filled by the net module) */
#ifndef CSRO_NET_H
#define CSRO_NET_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
