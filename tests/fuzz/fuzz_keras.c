/* fuzz_keras.c: the Keras HDF5 reader of csro-net-import (tools/keras.c).
 * A refusal must be a CSRO_E* code with a message naming the file; an
 * accepted network also runs one forward pass. Two kinds of input:
 *
 * - an HDF5 file (starts with the HDF5 signature): read as it is. The
 *   replay (make check) runs the damaged files of tests/fuzz/seeds_keras.py
 *   this way. Under libFuzzer such inputs are skipped unless
 *   FUZZ_KERAS_RAW=1: byte mutations of an HDF5 file mostly exercise
 *   libhdf5's own decoder, which in 1.10 is not robust against damaged
 *   files (see README, Fuzzing); the defects of libhdf5 that our reader
 *   can refuse beforehand are in the replay.
 * - anything else: the text of model_config, written with libhdf5 into a
 *   valid Keras 2 file beside the weights of the small model of
 *   tests/keras_ref.py (conv1d_1 5x1x4 + bias, conv1d_2 3x4x3, dense_1
 *   54x8 + bias, dense_2 8x3 + bias; conv1d_2 listed through weight_names),
 *   so that the mutations reach the JSON-to-network logic.
 *
 * libhdf5 allocates a variable-length string with the length stored in the
 * file before anything can check it; the tool bounds that with an
 * address-space cap (not possible under ASan). Here ASan returns NULL for
 * any single allocation above 256 MiB instead, so that such a file is
 * refused as it is by the tool; allocations that succeed still count
 * against -malloc_limit_mb/-rss_limit_mb. libhdf5 1.10 itself leaks a few
 * hundred bytes on some damaged object headers (inside H5Fopen): leaks
 * allocated in libhdf5 are suppressed, ours are not. */
#include "fuzz.h"
#include "keras.h"
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=256";
}
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libhdf5\n";
}
#endif

static const unsigned char h5sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };

static int str_attr(hid_t obj, const char *name, const char *text)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), a = -1;
    int ok = t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
             (a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0 && H5Awrite(a, t, &text) >= 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return ok ? 0 : -1;
}

/* model_weights/<layer>/<layer>/<what>:0 with deterministic values. */
static int weights(hid_t g, const char *layer, const char *what, int rank, const hsize_t *dims)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s/%s:0", layer, layer, what);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    float *w = malloc(n * sizeof *w);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp = H5Screate_simple(rank, dims, NULL), d = -1;
    int ok = w && lcpl >= 0 && sp >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0;
    for (size_t i = 0; ok && i < n; i++) w[i] = 0.5f * (float)sin(0.7 * (double)i + (double)rank);
    ok = ok && (d = H5Dcreate2(g, path, H5T_IEEE_F32LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
         H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) >= 0;
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    if (lcpl >= 0) H5Pclose(lcpl);
    free(w);
    return ok ? 0 : -1;
}

/* A valid Keras 2 file at path whose model_config is text. */
static int keras_file(const char *path, const char *text)
{
    static const hsize_t k1[3] = { 5, 1, 4 }, b1[1] = { 4 }, k2[3] = { 3, 4, 3 }, k3[2] = { 54, 8 }, b3[1] = { 8 },
                         k4[2] = { 8, 3 }, b4[1] = { 3 };
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return -1;
    hid_t g = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 || str_attr(f, "model_config", text) || str_attr(f, "keras_version", "2.2.4-tf") ||
             weights(g, "conv1d_1", "kernel", 3, k1) || weights(g, "conv1d_1", "bias", 1, b1) ||
             weights(g, "conv1d_2", "kernel", 3, k2) || weights(g, "dense_1", "kernel", 2, k3) ||
             weights(g, "dense_1", "bias", 1, b3) || weights(g, "dense_2", "kernel", 2, k4) ||
             weights(g, "dense_2", "bias", 1, b4);
    if (!rc) {
        hid_t lg = H5Gopen2(g, "conv1d_2", H5P_DEFAULT);
        rc = lg < 0 || str_attr(lg, "weight_names", "conv1d_2/kernel:0");
        if (lg >= 0) H5Gclose(lg);
    }
    if (g >= 0) H5Gclose(g);
    H5Fclose(f);
    return rc ? -1 : 0;
}

int fuzz_target(const uint8_t *data, size_t size)
{
    const char *path;
    int raw = size >= 8 && !memcmp(data, h5sig, 8);
#ifndef FUZZ_DRIVER
    static int raw_ok = -1;
    if (raw_ok < 0) raw_ok = getenv("FUZZ_KERAS_RAW") && !strcmp(getenv("FUZZ_KERAS_RAW"), "1");
    if (raw && !raw_ok) return 0;
#endif
    if (raw) {
        path = fuzz_file(data, size);
    } else {
        char *text = malloc(size + 1);
        if (!text) abort();
        memcpy(text, data, size);
        text[size] = 0;
        path = fuzz_file(NULL, 0);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        if (keras_file(path, text)) {
            fprintf(stderr, "fuzz_keras: cannot write the model file %s\n", path);
            abort();
        }
        free(text);
    }
    char err[1024], *kv = NULL;
    csro_net *n = NULL;
    int rc = keras_import(&n, &kv, path, err, sizeof err);
    free(kv);
    if (rc) {
#ifdef FUZZ_DRIVER
        if (getenv("FUZZ_VERBOSE")) printf("  %s\n", err);
#endif
        if (rc > 0 || strncmp(err, path, strlen(path))) {
            fprintf(stderr, "fuzz_keras: refusal %d without the file named: '%s'\n", rc, err);
            abort();
        }
        return rc;
    }
    size_t in = csro_net_input_size(n), out = csro_net_output_size(n);
    if (in <= 4096 && out <= 4096) {
        float *x = calloc(in, sizeof *x), *y = malloc(out * sizeof *y);
        if (x && y) rc = csro_net_forward(n, 1, x, y);
        free(x);
        free(y);
    }
    csro_net_free(n);
    return rc;
}
