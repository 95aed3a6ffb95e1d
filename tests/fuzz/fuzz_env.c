/* fuzz_env.c: the Rouen ENV range-file reader (format forced). */
#include "fuzz_ranges.h"

int fuzz_target(const uint8_t *data, size_t size) { return fuzz_ranges(data, size, CSRO_RANGES_ENV); }
