/* csro/stats.h: summary statistics, histograms, composition inside and
 * outside CSRO, straight-line fits. */
#ifndef CSRO_STATS_H
#define CSRO_STATS_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Summary of a sample: mean, median (mean of the two middle values for
 * even n), min and max of v (n entries); NaN for n == 0. */
CSRO_API int csro_stats_summary(double *mean, double *median, double *min, double *max,
                                const double *v, size_t n);
/* Histogram of v in nbins equal bins over [lo, hi) (values == hi go in the
 * last bin, others outside are not counted); counts has nbins entries. */
CSRO_API int csro_stats_histogram(uint64_t *counts, size_t nbins, double lo, double hi,
                                  const double *v, size_t n);
/* Ion counts per species inside and outside CSRO: species[i] in
 * [0, nspecies) (others, e.g. -1 for unranged, are skipped), inside[i]
 * non-zero for a kept ion; count_in and count_out have nspecies entries. */
CSRO_API int csro_stats_composition(uint64_t *count_in, uint64_t *count_out, size_t nspecies,
                                    const int32_t *species, const uint8_t *inside, size_t n);
/* Ordinary least squares y = a + b x over n >= 2 points: slope b with its
 * standard error (NaN for n == 2), intercept a, and R^2 (NaN when y is
 * constant). CSRO_EINVAL when all x are equal or a value is not finite. */
CSRO_API int csro_stats_linfit(double *slope, double *slope_err, double *intercept, double *r2,
                               const double *x, const double *y, size_t n);

#ifdef __cplusplus
}
#endif
#endif
