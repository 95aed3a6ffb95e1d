/* csro/preprocess.h: preprocessing of z-SDM profiles before classification.
 *
 * The ML-APT "experimental" pipeline (Li et al. 2023, reference function
 * exp_data_processing_parallel) turns one voxel profile y (93 bins) into
 * the network input:
 *  1. min-max normalise y to [0, 1] (a constant profile is "no data");
 *  2. Savitzky-Golay smoothing, window 15, polynomial order 8, edges as
 *     SciPy's savgol_filter(mode='interp'): the polynomial fitted to the
 *     first/last window is evaluated at the first/last window/2 points;
 *  3. Moody background: b = smoothed curve; take the first strict local
 *     minimum of the smoothed curve with index > n/2 (integer division); if
 *     there is none the background is zero. Otherwise, while
 *     max(b[n/4 .. 3n/4 - 1]) > smoothed[minimum], set for m = 1..n-2
 *     b[m] = min(b[m], (b[m-1] + b[m+1]) / 2): the first pass reads the
 *     unmodified curve (Jacobi), later passes update in place from left to
 *     right (Gauss-Seidel), at most 1001 passes (the reference's counter);
 *  4. result = min-max normalise(smoothed - b); a constant difference is
 *     "no data" too.
 * Work is done in double precision; inputs and outputs of the profile
 * functions are float. All functions are thread-safe (no shared state);
 * an options object may be shared read-only by any number of threads.
 */
#ifndef CSRO_PREPROCESS_H
#define CSRO_PREPROCESS_H

#include "csro/common.h"
#include "csro/zsdm.h" /* CSRO_PRE_*, CSRO_ROW_NODATA */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_preprocess_opts csro_preprocess_opts;

/* New options with the reference values (window 15, order 8, 1001 Moody
 * passes); NULL when out of memory. Free with csro_preprocess_opts_free. */
CSRO_API csro_preprocess_opts *csro_preprocess_opts_new(void);
CSRO_API void csro_preprocess_opts_free(csro_preprocess_opts *o);
/* Savitzky-Golay window (odd, >= 3) and polynomial order (0 <= order <
 * window); CSRO_EINVAL otherwise. */
CSRO_API int csro_preprocess_opts_set_savgol(csro_preprocess_opts *o, int window, int order);
/* Upper limit of Moody passes (>= 1; reference 1001). */
CSRO_API int csro_preprocess_opts_set_moody_passes(csro_preprocess_opts *o, int passes);

/* Min-max normalise n values to [0, 1] (out may equal in). A constant or
 * non-finite input sets *nodata = 1 and writes zeros (the reference would
 * produce NaN); otherwise *nodata = 0. nodata may be NULL. */
CSRO_API int csro_preprocess_minmax(const float *in, float *out, size_t n, int *nodata);

/* Savitzky-Golay filter of n doubles (out must not overlap in) with SciPy's
 * mode='interp' edges. CSRO_EINVAL if window is even, < 3, order >= window,
 * order < 0, or n < window. */
CSRO_API int csro_preprocess_savgol(const double *in, double *out, size_t n, int window, int order);

/* Moody background bg[0..n-1] of a smoothed curve (rule 3 above; bg must
 * not overlap smoothed). o NULL = reference options. *passes (may be NULL)
 * receives the number of passes done (0 when no minimum was found or the
 * curve needed none). CSRO_EINVAL if n < 3. */
CSRO_API int csro_preprocess_moody(const csro_preprocess_opts *o, const double *smoothed,
                                   double *bg, size_t n, int *passes);

/* The whole experimental pipeline on one profile (rules 1-4) with the
 * reference options. out may equal in. *nodata (may be NULL) = 1 when the
 * profile has no data (then out is all zeros). CSRO_EINVAL if nbins < 15. */
CSRO_API int csro_preprocess_experimental(const float *in, float *out, size_t nbins, int *nodata);

/* Batch: nrows profiles of nbins each (row-major) with state
 * CSRO_PRE_MINMAX (rule 1 only) or CSRO_PRE_EXPERIMENTAL (rules 1-4, with
 * options o; NULL = reference). out may equal in. flags (may be NULL):
 * nrows values, CSRO_ROW_NODATA is set or cleared in each (other bits kept).
 * threads 0 = all cores; results never depend on the thread count. */
CSRO_API int csro_preprocess_rows(const csro_preprocess_opts *o, int state, const float *in,
                                  float *out, size_t nrows, size_t nbins, uint32_t *flags,
                                  int threads);

/* Names of the CSRO_PRE_* states: "raw", "minmax", "experimental"
 * ("unknown" for other values); parse gives the state of a name or
 * CSRO_EINVAL (message listing the accepted names). Thread-safe. */
CSRO_API const char *csro_preprocess_state_name(int state);
CSRO_API int csro_preprocess_state_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
