/* csro/ensemble.h: ensembles of trained networks and the .csronet file.
 *
 * A csro_ensemble holds k trained members, class names and the input
 * contract (bins, species pair, preprocessing expected) as a
 * csro_zsdm_meta; its output is the mean of the members' softmax outputs
 * and their standard deviation (the uncertainty).
 *
 * Thread-safety: a const csro_ensemble may be used for inference by many
 * threads at once.
 */
#ifndef CSRO_ENSEMBLE_H
#define CSRO_ENSEMBLE_H

#include "csro/common.h"
#include "csro/zsdm.h"
#include "csro/net.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_ensemble csro_ensemble;

CSRO_API int csro_ensemble_new(csro_ensemble **out, size_t nclasses);
CSRO_API void csro_ensemble_free(csro_ensemble *e);
/* Append a copy of n (all members must share input and output sizes). */
CSRO_API int csro_ensemble_add(csro_ensemble *e, const csro_net *n);
CSRO_API size_t csro_ensemble_size(const csro_ensemble *e);
CSRO_API const csro_net *csro_ensemble_member(const csro_ensemble *e, size_t i);
/* Keep only the first n members (1 <= n <= size), e.g. to ship a small
 * model (CSRO_1.1). */
CSRO_API int csro_ensemble_keep(csro_ensemble *e, size_t n);
CSRO_API size_t csro_ensemble_nclasses(const csro_ensemble *e);
CSRO_API int csro_ensemble_set_class(csro_ensemble *e, size_t i, const char *name);
CSRO_API const char *csro_ensemble_class(const csro_ensemble *e, size_t i);
/* Input contract: bins, pair, preprocessing state the model expects
 * (copied). csro_ensemble_check_input() fails with CSRO_EMISMATCH naming
 * the difference when data metadata do not fit it. */
CSRO_API int csro_ensemble_set_contract(csro_ensemble *e, const csro_zsdm_meta *m);
CSRO_API const csro_zsdm_meta *csro_ensemble_contract(const csro_ensemble *e);
CSRO_API int csro_ensemble_check_input(const csro_ensemble *e, const csro_zsdm_meta *data);
/* Provenance key/value (bank checksum, seed, hyper-parameters ...). */
CSRO_API int csro_ensemble_set_text(csro_ensemble *e, const char *key, const char *value);
CSRO_API const char *csro_ensemble_text(const csro_ensemble *e, const char *key);
/* Mean (n*nclasses) and standard deviation (n*nclasses, may be NULL) of
 * the members' outputs for n inputs; threads 0 = all cores. */
CSRO_API int csro_ensemble_predict(const csro_ensemble *e, size_t n, const float *in,
                                   float *mean, float *std, int threads);
/* .csronet files (csro-formats(5)); load verifies the checksum. */
CSRO_API int csro_ensemble_save(const csro_ensemble *e, const char *path);
CSRO_API int csro_ensemble_load(csro_ensemble **out, const char *path);

#ifdef __cplusplus
}
#endif
#endif
