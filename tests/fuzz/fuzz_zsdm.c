/* fuzz_zsdm.c: .zsdm reader, metadata and every row, behind the container
 * fixer (checksums recomputed). */
#include "fuzz.h"
#include <stdlib.h>

int fuzz_target(const uint8_t *data, size_t size)
{
    size_t n;
    uint8_t *b = fuzz_fix_container(data, size, "CSROZSDM", &n);
    csro_zsdm_reader *r = NULL;
    int rc = csro_zsdm_reader_open(&r, fuzz_file(b, n));
    free(b);
    if (rc) return rc;
    const csro_zsdm_meta *m = csro_zsdm_reader_meta(r);
    size_t nb = csro_zsdm_meta_nbins(m), np = csro_zsdm_meta_nparams(m), got;
    float *prof = malloc(16 * nb * sizeof *prof), *par = malloc(16 * (np ? np : 1) * sizeof *par);
    uint64_t idx[16];
    int32_t lab[16];
    uint32_t fl[16];
    do rc = csro_zsdm_reader_read(r, 16, prof, idx, lab, fl, par, &got);
    while (!rc && got);
    free(prof);
    free(par);
    csro_zsdm_reader_close(r);
    return rc;
}
