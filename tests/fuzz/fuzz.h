/* tests/fuzz/fuzz.h: one libFuzzer harness per parser (issue #14).
 * Each fuzz_<name>.c defines fuzz_target(); fuzz_common.c turns it into
 * LLVMFuzzerTestOneInput (clang -fsanitize=fuzzer, make check-fuzz) or,
 * built with -DFUZZ_DRIVER and the normal cc, into a plain driver that
 * replays files (make check: seed corpus + reproducers). */
#ifndef CSRO_FUZZ_H
#define CSRO_FUZZ_H
#include "csro.h"
#include <stddef.h>
#include <stdint.h>

/* Parse one input; returns the library's result code (0 = accepted). */
int fuzz_target(const uint8_t *data, size_t size);
/* The input as a file: a per-process temporary path holding data. */
const char *fuzz_file(const uint8_t *data, size_t size);
/* Structure-aware part for the chunked container (.zsdm, .prob,
 * .csronet): a copy of data with magic set and every checksum, length
 * and the end record's total recomputed where the layout can be followed,
 * so that mutations reach the parsers behind the checksums. Caller frees. */
uint8_t *fuzz_fix_container(const uint8_t *data, size_t size, const char magic[8], size_t *out_size);

#endif
