/* tools/keras.h: the Keras 2 HDF5 reader of csro-net-import, apart from
 * the tool so that the fuzz harness tests/fuzz/fuzz_keras.c can call it:
 * it returns instead of exiting, and frees what it holds on every path.
 * Needs libhdf5 and jansson (HAVE_HDF5). */
#ifndef CSRO_TOOLS_KERAS_H
#define CSRO_TOOLS_KERAS_H
#include "csro.h"
#include <stddef.h>

/* Largest size (filters, units, kernel, pool, input length or channels)
 * taken from a model's JSON: far above any 1D CNN on z-SDM profiles, far
 * below what could overflow a product of two of them. */
#define KERAS_MAX_SIZE (1L << 24)

/* Read one Keras Sequential model from the HDF5 file at path into a new
 * network *out (architecture from the root attribute model_config, weights
 * from model_weights/). keras_version, if not NULL and *keras_version is
 * NULL, receives a malloc'ed copy of the root attribute keras_version
 * (when present). Returns 0, or a CSRO_E* code with a one-line message
 * "PATH: [layer 'NAME': ]what is wrong" in err (errlen bytes). */
int keras_import(csro_net **out, char **keras_version, const char *path, char *err, size_t errlen);

#endif
