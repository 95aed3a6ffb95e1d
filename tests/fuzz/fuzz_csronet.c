/* fuzz_csronet.c: .csronet loader behind the container fixer (checksums
 * recomputed); an accepted ensemble also predicts one row. */
#include "fuzz.h"
#include <stdlib.h>

int fuzz_target(const uint8_t *data, size_t size)
{
    size_t n;
    static const char magic[8] = { 'C', 'S', 'R', 'O', 'N', 'E', 'T', 0 };
    uint8_t *b = fuzz_fix_container(data, size, magic, &n);
    csro_ensemble *e = NULL;
    int rc = csro_ensemble_load(&e, fuzz_file(b, n));
    free(b);
    if (rc) return rc;
    size_t in = csro_net_input_size(csro_ensemble_member(e, 0)), k = csro_ensemble_nclasses(e);
    if (in <= 4096 && k <= 4096) {
        float *x = calloc(in, sizeof *x), *y = malloc(k * sizeof *y), *s = malloc(k * sizeof *s);
        if (x && y && s) rc = csro_ensemble_predict(e, 1, x, y, s, 1);
        free(x); free(y); free(s);
    }
    csro_ensemble_free(e);
    return rc;
}
