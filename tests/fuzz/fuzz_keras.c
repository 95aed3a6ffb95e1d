/* fuzz_keras.c: the Keras HDF5 reader of csro-net-import (tools/keras.c)
 * on the input as a file; a refusal must be a CSRO_E* code with a message
 * naming the file, an accepted network also runs one forward pass.
 *
 * libhdf5 allocates a variable-length string (model_config) with the
 * length stored in the file before anything can check it; the tool bounds
 * that with an address-space cap (not possible under ASan). Here ASan
 * returns NULL for any single allocation above 256 MiB instead, so that
 * such a file is refused as it is by the tool; allocations that succeed
 * still count against -malloc_limit_mb/-rss_limit_mb. libhdf5 1.10 itself
 * leaks a few hundred bytes on some damaged object headers (inside
 * H5Fopen): leaks allocated in libhdf5 are suppressed, ours are not. */
#include "fuzz.h"
#include "keras.h"
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

int fuzz_target(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
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
