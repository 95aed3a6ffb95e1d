/* extract.c: ions inside selected sub-cells of a CSRO map (the reference
 * rule: within s/2 * 1.414 of a selected sub-cell centre). */
#include "base/internal.h"
#include "probmap_impl.h"
#include <math.h>
#include <stdlib.h>

int csro_probmap_extract(const csro_probmap *m, double lower, double upper, int rule,
                         const float *x, const float *y, const float *z, size_t n,
                         uint8_t *keep, size_t *nkeep)
{
    if (nkeep) *nkeep = 0;
    int rc = cs_probmap_check_band(m, lower, upper);
    if (rc) return rc;
    if (rule != CSRO_EXTRACT_SPHERE && rule != CSRO_EXTRACT_CELL)
        return cs_err(CSRO_EINVAL, "probmap: unknown extraction rule %d (0 = sphere, 1 = cell)", rule);
    if (n && (!x || !y || !z || !keep)) return cs_err(CSRO_EINVAL, "probmap: NULL coordinate or keep array");
    size_t cnt = csro_probmap_count(m);
    uint8_t *sel = malloc(cnt ? cnt : 1);
    if (!sel) return cs_err(CSRO_ENOMEM, "probmap: out of memory for %zu sub-cells", cnt);
    rc = csro_probmap_threshold(m, lower, upper, sel, cnt, NULL);
    if (rc) { free(sel); return rc; }
    const double s = m->spacing, rad = s / 2 * 1.414, rad2 = rad * rad;
    const long D[3] = {(long)m->dims[0], (long)m->dims[1], (long)m->dims[2]};
    size_t kept = 0;
    for (size_t t = 0; t < n; t++) {
        double p[3] = {x[t], y[t], z[t]};
        long c[3];
        int ok = 1;
        for (int a = 0; a < 3; a++) {
            double f = floor((p[a] - m->origin[a]) / s);
            if (!(f > -3.0 && f < (double)D[a] + 2.0)) { ok = 0; break; } /* also NaN */
            c[a] = (long)f;
        }
        uint8_t hit = 0;
        if (ok && rule == CSRO_EXTRACT_CELL) {
            if (c[0] >= 0 && c[1] >= 0 && c[2] >= 0 && c[0] < D[0] && c[1] < D[1] && c[2] < D[2])
                hit = sel[(size_t)c[0] + (size_t)D[0] * ((size_t)c[1] + (size_t)D[1] * (size_t)c[2])];
        } else if (ok) {
            /* rad < s: only the containing cell and its neighbours can reach;
             * per axis keep the candidates whose 1D offset alone is within
             * rad (same arithmetic as the final test, so nothing is lost) */
            long cand[3][3];
            double dd[3][3];
            int nc[3];
            for (int a = 0; a < 3; a++) {
                nc[a] = 0;
                for (long q = c[a] - 1; q <= c[a] + 1; q++) {
                    if (q < 0 || q >= D[a]) continue;
                    double dq = p[a] - (m->origin[a] + (double)q * s + s / 2);
                    if (dq * dq > rad2) continue;
                    cand[a][nc[a]] = q;
                    dd[a][nc[a]++] = dq * dq;
                }
            }
            for (int ck = 0; ck < nc[2] && !hit; ck++)
                for (int cj = 0; cj < nc[1] && !hit; cj++)
                    for (int ci = 0; ci < nc[0]; ci++) {
                        size_t q = (size_t)cand[0][ci] + (size_t)D[0] * ((size_t)cand[1][cj] + (size_t)D[1] * (size_t)cand[2][ck]);
                        if (sel[q] && dd[0][ci] + dd[1][cj] + dd[2][ck] <= rad2) { hit = 1; break; }
                    }
        }
        keep[t] = hit;
        kept += hit;
    }
    free(sel);
    if (nkeep) *nkeep = kept;
    return 0;
}
