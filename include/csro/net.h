/* csro/net.h: 1D convolutional networks (layers, parameters, inference).
 *
 * A csro_net is a stack of layers built with csro_net_add_*; all its
 * parameters live in one contiguous float buffer (csro_net_params), layer
 * by layer, weights then bias, in Keras' layouts: Conv1D kernel
 * [kernel][in_channels][filters], Dense kernel [inputs][units]. Activations
 * are channels-last: a layer output of length L with C channels is stored
 * [L][C], so Flatten is the identity on memory, exactly as Keras' Flatten.
 * Ensembles: csro/ensemble.h; training: csro/train.h.
 *
 * Thread-safety: a const csro_net may be used for inference by many
 * threads at once; building needs exclusive access.
 */
#ifndef CSRO_NET_H
#define CSRO_NET_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_net csro_net;

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
