/* fuzz_ranges.h: the range-file harnesses (one format each). */
#include "fuzz.h"

static int fuzz_ranges(const uint8_t *data, size_t size, int fmt)
{
    csro_ranges_opts *o = csro_ranges_opts_new();
    if (!o) return CSRO_ENOMEM;
    csro_ranges_opts_set_format(o, fmt);
    csro_ranges *r = NULL;
    int rc = csro_ranges_load(&r, fuzz_file(data, size), o);
    csro_ranges_free(r);
    csro_ranges_opts_free(o);
    return rc;
}
