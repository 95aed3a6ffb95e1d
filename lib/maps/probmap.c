/* probmap.c: sub-cell CSRO probability map (see csro/probmap.h). */
#include "base/internal.h"
#include "probmap_impl.h"
#include <math.h>
#include <stdlib.h>

/* An empty map (data allocated, not filled) of grid g's sub-cells. */
static int probmap_alloc(csro_probmap **out, const csro_grid *g, int mode)
{
    double v = csro_grid_voxel(g), s = csro_grid_stride(g), q = v / s;
    double rr = floor(q + 0.5);
    if (rr < 1 || fabs(q - rr) > 1e-6 * rr || rr > 64)
        return cs_err(CSRO_EINVAL, "probmap: voxel %g nm is not an integer multiple (1..64) of the stride %g nm", v, s);
    int r = (int)rr;
    size_t vd[3];
    csro_grid_dims(g, vd);
    csro_probmap *m = calloc(1, sizeof *m);
    if (!m) return cs_err(CSRO_ENOMEM, "probmap: out of memory");
    size_t n = 1;
    for (int a = 0; a < 3; a++) {
        m->dims[a] = vd[a] + (size_t)r - 1;
        n *= m->dims[a];
    }
    csro_grid_lo(g, m->origin);
    m->spacing = s;
    m->ratio = r;
    m->mode = mode;
    m->data = malloc(n * sizeof *m->data);
    if (!m->data) { free(m); return cs_err(CSRO_ENOMEM, "probmap: out of memory for %zu sub-cells", n); }
    *out = m;
    return 0;
}

int csro_probmap_new_subcells(csro_probmap **out, const csro_grid *g, const float *values, size_t n)
{
    if (out) *out = NULL;
    if (!out || !g || (!values && n)) return cs_err(CSRO_EINVAL, "probmap: NULL grid or values");
    csro_probmap *m;
    int rc = probmap_alloc(&m, g, CSRO_PROBMAP_MEAN);
    if (rc) return rc;
    size_t cnt = csro_probmap_count(m);
    if (n != cnt) {
        csro_probmap_free(m);
        return cs_err(CSRO_EMISMATCH, "probmap: %zu sub-cell values for a grid of %zu sub-cells", n, cnt);
    }
    for (size_t i = 0; i < n; i++) {
        if (!isnan(values[i]) && !(values[i] >= 0 && values[i] <= 1)) {
            csro_probmap_free(m);
            return cs_err(CSRO_EINVAL, "probmap: sub-cell value %zu is %g, not in [0, 1] or NaN", i, values[i]);
        }
        m->data[i] = values[i];
    }
    *out = m;
    return 0;
}

int csro_probmap_new(csro_probmap **out, const csro_grid *g, const float *voxel_prob,
                     size_t count, int mode)
{
    *out = NULL;
    if (!g || (!voxel_prob && count)) return cs_err(CSRO_EINVAL, "probmap: NULL grid or probabilities");
    if (mode != CSRO_PROBMAP_SUM && mode != CSRO_PROBMAP_MEAN)
        return cs_err(CSRO_EINVAL, "probmap: unknown mode %d (0 = sum, 1 = mean)", mode);
    if (count != csro_grid_count(g))
        return cs_err(CSRO_EMISMATCH, "probmap: %zu probabilities for a grid of %zu voxels",
                      count, csro_grid_count(g));
    csro_probmap *m;
    int rc = probmap_alloc(&m, g, mode);
    if (rc) return rc;
    int r = m->ratio;
    size_t vd[3];
    csro_grid_dims(g, vd);
    size_t NX = m->dims[0], NY = m->dims[1], NZ = m->dims[2];
    float *d = m->data;
    for (size_t k = 0; k < NZ; k++)
        for (size_t j = 0; j < NY; j++)
            for (size_t i = 0; i < NX; i++) {
                /* voxels K = k, k-1, ..., k-r+1 (reference order), inside [0, vd) */
                double sum = 0;
                int nvalid = 0;
                for (int dk = 0; dk < r; dk++) {
                    if (k < (size_t)dk || k - (size_t)dk >= vd[2]) continue;
                    size_t K = k - (size_t)dk;
                    for (int dj = 0; dj < r; dj++) {
                        if (j < (size_t)dj || j - (size_t)dj >= vd[1]) continue;
                        size_t J = j - (size_t)dj;
                        const float *row = voxel_prob + vd[0] * (J + vd[1] * K);
                        for (int di = 0; di < r; di++) {
                            if (i < (size_t)di || i - (size_t)di >= vd[0]) continue;
                            float p = row[i - (size_t)di];
                            if (isnan(p)) continue;
                            sum += p;
                            nvalid++;
                        }
                    }
                }
                float val;
                if (!nvalid) val = NAN;
                else if (mode == CSRO_PROBMAP_MEAN) val = (float)(sum / nvalid);
                else val = (float)sum;
                d[i + NX * (j + NY * k)] = val;
            }
    *out = m;
    return 0;
}

void csro_probmap_free(csro_probmap *m)
{
    if (!m) return;
    free(m->data);
    free(m->info);
    free(m);
}

int csro_probmap_set_info(csro_probmap *m, const char *info)
{
    if (!m) return cs_err(CSRO_EINVAL, "probmap: NULL map");
    char *copy = NULL;
    if (info && *info && !(copy = strdup(info))) return cs_err(CSRO_ENOMEM, "probmap: out of memory");
    free(m->info);
    m->info = copy;
    return 0;
}

void csro_probmap_dims(const csro_probmap *m, size_t dims[3])
{
    for (int a = 0; a < 3; a++) dims[a] = m->dims[a];
}

size_t csro_probmap_count(const csro_probmap *m) { return m->dims[0] * m->dims[1] * m->dims[2]; }

void csro_probmap_origin(const csro_probmap *m, double origin[3])
{
    for (int a = 0; a < 3; a++) origin[a] = m->origin[a];
}

double csro_probmap_spacing(const csro_probmap *m) { return m->spacing; }
int csro_probmap_ratio(const csro_probmap *m) { return m->ratio; }
int csro_probmap_mode(const csro_probmap *m) { return m->mode; }
const float *csro_probmap_data(const csro_probmap *m) { return m->data; }
const char *csro_probmap_label(const csro_probmap *m) { return m->label; }

double csro_probmap_max_value(const csro_probmap *m)
{
    return m->mode == CSRO_PROBMAP_MEAN ? 1.0 : (double)m->ratio * m->ratio * m->ratio;
}

int cs_probmap_check_band(const csro_probmap *m, double lower, double upper)
{
    double mx = csro_probmap_max_value(m);
    if (!(lower >= 0) || !(lower < mx))
        return cs_err(CSRO_EINVAL, "probmap: threshold %g is outside [0, %g) for %s-mode values",
                      lower, mx, m->mode == CSRO_PROBMAP_MEAN ? "mean" : "sum");
    if (!(upper > lower))
        return cs_err(CSRO_EINVAL, "probmap: upper threshold %g is not above the lower %g", upper, lower);
    return 0;
}

int csro_probmap_threshold(const csro_probmap *m, double lower, double upper,
                           uint8_t *mask, size_t n, size_t *nsel)
{
    if (nsel) *nsel = 0;
    int rc = cs_probmap_check_band(m, lower, upper);
    if (rc) return rc;
    size_t cnt = csro_probmap_count(m);
    if (n != cnt)
        return cs_err(CSRO_EMISMATCH, "probmap: mask of %zu bytes for %zu sub-cells", n, cnt);
    size_t c = 0;
    for (size_t i = 0; i < cnt; i++) {
        double v = m->data[i];
        mask[i] = v > lower && v <= upper; /* NaN compares false */
        c += mask[i];
    }
    if (nsel) *nsel = c;
    return 0;
}
