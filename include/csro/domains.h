/* csro/domains.h: connected CSRO domains of a 3D selection mask. */
#ifndef CSRO_DOMAINS_H
#define CSRO_DOMAINS_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_domains csro_domains;

/* Connected CSRO domains of a mask (1 = selected) on a dims[0] x dims[1] x
 * dims[2] grid (x fastest). connectivity 6 (faces), 18 (faces + edges) or
 * 26 (faces + edges + corners). Labels are 1..count in order of each
 * domain's first cell in linear order; 0 is background. Immutable, and
 * thread-safe after creation. */
CSRO_API int csro_domains_new(csro_domains **out, const uint8_t *mask, const size_t dims[3],
                              int connectivity);
CSRO_API void csro_domains_free(csro_domains *d);
CSRO_API size_t csro_domains_count(const csro_domains *d);
/* Label per cell (dims product entries), valid while d lives. */
CSRO_API const int32_t *csro_domains_labels(const csro_domains *d);
/* Cells per domain (count entries; entry l-1 for label l). */
CSRO_API const uint64_t *csro_domains_sizes(const csro_domains *d);
/* Equivalent-sphere diameter (nm) of each domain, out[l-1] =
 * cbrt(6 * size * spacing^3 / pi); n must be >= count. */
CSRO_API int csro_domains_diameters(const csro_domains *d, double spacing, double *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
