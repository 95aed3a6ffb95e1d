/* csro/net.h: 1D convolutional networks, their training, ensembles and the
 * .csronet model file.
 *
 * A csro_net is a stack of layers built with csro_net_add_*; all its
 * parameters live in one contiguous float buffer (csro_net_params), layer
 * by layer, weights then bias, in Keras' layouts: Conv1D kernel
 * [kernel][in_channels][filters], Dense kernel [inputs][units]. Activations
 * are channels-last: a layer output of length L with C channels is stored
 * [L][C], so Flatten is the identity on memory, exactly as Keras' Flatten.
 * A csro_ensemble holds k trained members, class names and the input
 * contract (bins, species pair, preprocessing expected) as a
 * csro_zsdm_meta; its output is the mean of the members' softmax outputs
 * and their standard deviation (the uncertainty).
 *
 * Thread-safety: a const csro_net / csro_ensemble may be used for inference
 * by many threads at once; building and training need exclusive access.
 */
#ifndef CSRO_NET_H
#define CSRO_NET_H

#include "csro/common.h"
#include "csro/zsdm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_net csro_net;
typedef struct csro_ensemble csro_ensemble;
typedef struct csro_train_opts csro_train_opts;
typedef struct csro_train_report csro_train_report;

enum { CSRO_LAYER_CONV1D = 1, CSRO_LAYER_RELU, CSRO_LAYER_DROPOUT, CSRO_LAYER_MAXPOOL1D,
       CSRO_LAYER_FLATTEN, CSRO_LAYER_DENSE, CSRO_LAYER_SOFTMAX };
enum { CSRO_PAD_VALID = 0, CSRO_PAD_SAME = 1 };

/* Empty network for inputs of `length` samples x `channels` channels. */
CSRO_API int csro_net_new(csro_net **out, size_t length, size_t channels);
/* The ML-APT reference: Conv1D(16, 10, valid) ReLU Dropout(0.5) MaxPool(2)
 * Flatten Dense(256) ReLU Dense(nclasses) Softmax, for nbins inputs. */
CSRO_API int csro_net_new_default(csro_net **out, size_t nbins, size_t nclasses);
CSRO_API csro_net *csro_net_clone(const csro_net *n);
CSRO_API void csro_net_free(csro_net *n);

CSRO_API int csro_net_add_conv1d(csro_net *n, size_t filters, size_t kernel, int padding);
CSRO_API int csro_net_add_relu(csro_net *n);
CSRO_API int csro_net_add_dropout(csro_net *n, double rate);
CSRO_API int csro_net_add_maxpool1d(csro_net *n, size_t pool);
CSRO_API int csro_net_add_flatten(csro_net *n);
CSRO_API int csro_net_add_dense(csro_net *n, size_t units);
CSRO_API int csro_net_add_softmax(csro_net *n);

CSRO_API size_t csro_net_nlayers(const csro_net *n);
CSRO_API int csro_net_layer_type(const csro_net *n, size_t i);
/* Output length x channels of layer i (dense/flatten: length 1). */
CSRO_API void csro_net_layer_shape(const csro_net *n, size_t i, size_t *length, size_t *channels);
CSRO_API size_t csro_net_input_size(const csro_net *n);   /* length * channels */
CSRO_API size_t csro_net_output_size(const csro_net *n);
/* All parameters, contiguous (see layout above); writable. */
CSRO_API size_t csro_net_nparams(const csro_net *n);
CSRO_API float *csro_net_params(csro_net *n);
/* Weights and bias of layer i inside the parameter buffer (NULL, 0 for
 * layers without parameters). */
CSRO_API int csro_net_layer_params(csro_net *n, size_t i, float **w, size_t *nw, float **b, size_t *nb);
/* Keras defaults: Glorot-uniform weights, zero biases, from seed. */
CSRO_API int csro_net_init(csro_net *n, uint64_t seed);
/* Inference (dropout off) on a batch: in is batch*input_size, out is
 * batch*output_size. Uses OpenBLAS sgemm; thread-safe on a const net. */
CSRO_API int csro_net_forward(const csro_net *n, size_t batch, const float *in, float *out);

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

/* k-fold training of copies of `arch` on n labelled patterns x (n*nbins,
 * already preprocessed), labels y in [0, nclasses). Produces the ensemble
 * (classes unnamed; set contract and names afterwards) and a report. */
CSRO_API int csro_train(csro_ensemble **out, csro_train_report **report, const csro_net *arch,
                        const float *x, const int32_t *y, size_t n, size_t nclasses,
                        const csro_train_opts *o, csro_progress_fn progress, void *user);
CSRO_API void csro_train_report_free(csro_train_report *r);
/* Per-fold, per-epoch train/validation loss and accuracy as TSV. */
CSRO_API int csro_train_report_write_log(const csro_train_report *r, const char *path);
/* Held-out test: confusion matrix (nclasses*nclasses, row = true class),
 * accuracy, and per-class precision/recall/F1 (arrays of nclasses). */
CSRO_API size_t csro_train_report_nclasses(const csro_train_report *r);
CSRO_API int csro_train_report_confusion(const csro_train_report *r, uint64_t *m);
CSRO_API double csro_train_report_accuracy(const csro_train_report *r);
CSRO_API int csro_train_report_prf(const csro_train_report *r, double *precision, double *recall, double *f1);

/* Ensembles. */
CSRO_API int csro_ensemble_new(csro_ensemble **out, size_t nclasses);
CSRO_API void csro_ensemble_free(csro_ensemble *e);
/* Append a copy of n (all members must share input and output sizes). */
CSRO_API int csro_ensemble_add(csro_ensemble *e, const csro_net *n);
CSRO_API size_t csro_ensemble_size(const csro_ensemble *e);
CSRO_API const csro_net *csro_ensemble_member(const csro_ensemble *e, size_t i);
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

/* Added in 1.0 by the network module: MaxPooling1D with Keras' padding.
 * CSRO_PAD_VALID is csro_net_add_maxpool1d(); CSRO_PAD_SAME gives
 * ceil(length / pool) outputs, the window grid shifted left by
 * floor(((out - 1) pool + pool - length) / 2) samples and windows clipped to
 * the input (padding never wins the maximum), as Keras/TensorFlow. */
CSRO_API int csro_net_add_maxpool1d_padded(csro_net *n, size_t pool, int padding);

#ifdef __cplusplus
}
#endif
#endif
