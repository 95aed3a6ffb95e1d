/* fuzz_recon.h: the reconstruction harnesses (one format each). */
#include "fuzz.h"

static int fuzz_recon(const uint8_t *data, size_t size, int fmt)
{
    csro_load_opts *o = csro_load_opts_new();
    if (!o) return CSRO_ENOMEM;
    csro_load_opts_set_format(o, fmt);
    csro_recon *r = NULL;
    int rc = csro_recon_load(&r, fuzz_file(data, size), o);
    csro_recon_free(r);
    csro_load_opts_free(o);
    return rc;
}
