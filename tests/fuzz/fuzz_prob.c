/* fuzz_prob.c: .prob reader, metadata and every row, behind the container
 * fixer (checksums recomputed). */
#include "fuzz.h"
#include <stdlib.h>

int fuzz_target(const uint8_t *data, size_t size)
{
    size_t n;
    uint8_t *b = fuzz_fix_container(data, size, "CSROPROB", &n);
    csro_prob_reader *r = NULL;
    int rc = csro_prob_reader_open(&r, fuzz_file(b, n));
    free(b);
    if (rc) return rc;
    size_t nc = csro_zsdm_meta_nclasses(csro_prob_reader_meta(r)), got;
    if (!nc) nc = 1;
    float *mean = malloc(16 * nc * sizeof *mean), *std = malloc(16 * nc * sizeof *std);
    uint64_t idx[16];
    uint32_t fl[16];
    do rc = csro_prob_reader_read(r, 16, idx, fl, mean, std, &got);
    while (!rc && got);
    free(mean);
    free(std);
    csro_prob_reader_close(r);
    return rc;
}
