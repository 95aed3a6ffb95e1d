/* prob_impl.h: private constants of the .prob format (csro-prob(5)). */
#ifndef CSRO_PROB_IMPL_H
#define CSRO_PROB_IMPL_H

#include "base/internal.h"

#define CS_PROB_MAGIC "CSROPROB"
#define CS_PROB_VERSION 1u
/* Bytes of one row: u64 index, u32 flags, nclasses f32 means, nclasses f32 std. */
#define CS_PROB_ROW_BYTES(nc) (12u + 8u * (size_t)(nc))
/* Known row flags; others are rejected on read. */
#define CS_PROB_FLAGS_KNOWN ((uint32_t)CSRO_ROW_NODATA)

#endif
