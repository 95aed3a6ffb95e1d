/* fuzz_ato.c: the ATO v3/v5 reader (csro_recon_load, format forced). */
#include "fuzz_recon.h"

int fuzz_target(const uint8_t *data, size_t size) { return fuzz_recon(data, size, CSRO_FMT_ATO); }
