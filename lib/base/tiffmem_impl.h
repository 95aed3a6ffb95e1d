/* tiffmem_impl.h: libtiff writing into memory with a per-call error
 * handler (no global libtiff state, nothing printed); the finished bytes go
 * out through cs_out (temporary file + rename; "-" = stdout). Shared by the
 * SDM image and probability-map writers. */
#ifndef CSRO_TIFFMEM_IMPL_H
#define CSRO_TIFFMEM_IMPL_H
#include <tiffio.h>

typedef struct cs_tiffmem cs_tiffmem;

/* Start a TIFF in memory ("w", or BigTIFF "w8" when big). NULL with the
 * error text set on failure. */
TIFF *cs_tiffmem_open(cs_tiffmem **m, const char *path, int big);
/* libtiff's first error message, or "" . */
const char *cs_tiffmem_error(const cs_tiffmem *m);
/* Close tif; if rc == 0 and libtiff reported nothing, write the file
 * atomically. Frees m and returns the final code. */
int cs_tiffmem_finish(cs_tiffmem *m, TIFF *tif, const char *path, int rc);

#endif
