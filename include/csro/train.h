/* csro/train.h: k-fold training of network ensembles on labelled banks,
 * and the training report (curves, confusion matrix).
 */
#ifndef CSRO_TRAIN_H
#define CSRO_TRAIN_H

#include "csro/common.h"
#include "csro/net.h"
#include "csro/ensemble.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_train_opts csro_train_opts;
typedef struct csro_train_report csro_train_report;

/* Training options (Keras-like defaults: Adam lr 1e-3, beta1 0.9, beta2
 * 0.999, eps 1e-7, batch 32, 30 epochs, 5 folds, 10% held out, shift
 * augmentation -2..+1 bins with zero fill doubling the training set, seed 1). */
CSRO_API csro_train_opts *csro_train_opts_new(void);
CSRO_API void csro_train_opts_free(csro_train_opts *o);
CSRO_API int csro_train_opts_set_epochs(csro_train_opts *o, int epochs);
CSRO_API int csro_train_opts_set_batch(csro_train_opts *o, int batch);
CSRO_API int csro_train_opts_set_adam(csro_train_opts *o, double lr, double beta1, double beta2, double eps);
CSRO_API int csro_train_opts_set_folds(csro_train_opts *o, int folds);
CSRO_API int csro_train_opts_set_holdout(csro_train_opts *o, double fraction);
CSRO_API int csro_train_opts_set_shift(csro_train_opts *o, int augment, int lo, int hi);
CSRO_API int csro_train_opts_set_seed(csro_train_opts *o, uint64_t seed);
CSRO_API int csro_train_opts_set_threads(csro_train_opts *o, int threads);
/* Per-epoch callback (since CSRO_1.1): csro_train calls fn on the calling
 * thread as each epoch of a fold ends, with the fold and epoch (from 0) and
 * the numbers csro_train_report_epoch gives afterwards (validation values
 * NaN without a validation set). Within a fold the epochs come in order;
 * folds trained in parallel interleave. A non-zero return stops the
 * training (csro_train fails with CSRO_ECANCELED). fn NULL: no calls. */
typedef int (*csro_train_epoch_fn)(size_t fold, size_t epoch, double train_loss, double train_accuracy,
                                   double val_loss, double val_accuracy, void *user);
CSRO_API int csro_train_opts_set_epoch_fn(csro_train_opts *o, csro_train_epoch_fn fn, void *user);

/* k-fold training of copies of `arch` on n labelled patterns x (n*nbins,
 * already preprocessed), labels y in [0, nclasses). Produces the ensemble
 * (classes unnamed; set contract and names afterwards) and a report. */
CSRO_API int csro_train(csro_ensemble **out, csro_train_report **report, const csro_net *arch,
                        const float *x, const int32_t *y, size_t n, size_t nclasses,
                        const csro_train_opts *o, csro_progress_fn progress, void *user);
CSRO_API void csro_train_report_free(csro_train_report *r);
/* Per-fold, per-epoch train/validation loss and accuracy as TSV. */
CSRO_API int csro_train_report_write_log(const csro_train_report *r, const char *path);
/* The same numbers one epoch at a time (fold and epoch from 0; any
 * pointer may be NULL; validation values are NaN without a validation set).
 * Since CSRO_1.1. */
CSRO_API int csro_train_report_epoch(const csro_train_report *r, size_t fold, size_t epoch, double *train_loss,
                                     double *train_accuracy, double *val_loss, double *val_accuracy);
/* Held-out test: confusion matrix (nclasses*nclasses, row = true class),
 * accuracy, and per-class precision/recall/F1 (arrays of nclasses). */
CSRO_API size_t csro_train_report_nclasses(const csro_train_report *r);
CSRO_API int csro_train_report_confusion(const csro_train_report *r, uint64_t *m);
CSRO_API double csro_train_report_accuracy(const csro_train_report *r);
CSRO_API int csro_train_report_prf(const csro_train_report *r, double *precision, double *recall, double *f1);

#ifdef __cplusplus
}
#endif
#endif
