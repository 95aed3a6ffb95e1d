/* domains.c: connected CSRO domains of a 3D mask (breadth-first flood
 * fill in linear order, 6/18/26 connectivity). */
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>

struct csro_domains {
    size_t n, count;
    int32_t *labels;
    uint64_t *sizes;
};

int csro_domains_new(csro_domains **out, const uint8_t *mask, const size_t dims[3],
                     int connectivity)
{
    *out = NULL;
    if (connectivity != 6 && connectivity != 18 && connectivity != 26)
        return cs_err(CSRO_EINVAL, "domains: connectivity %d is not 6, 18 or 26", connectivity);
    if (!dims) return cs_err(CSRO_EINVAL, "domains: NULL dims");
    const size_t NX = dims[0], NY = dims[1], NZ = dims[2];
    if (NX && NY && NZ && (NX > SIZE_MAX / NY || NX * NY > SIZE_MAX / NZ))
        return cs_err(CSRO_EINVAL, "domains: %zu x %zu x %zu cells overflow", NX, NY, NZ);
    size_t n = NX * NY * NZ;
    if (n && !mask) return cs_err(CSRO_EINVAL, "domains: NULL mask");
    if (n > INT32_MAX) return cs_err(CSRO_EINVAL, "domains: %zu cells exceed the label range", n);
    int off[26][3], noff = 0;
    for (int dz = -1; dz <= 1; dz++)
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int l1 = abs(dx) + abs(dy) + abs(dz);
                if (!l1 || (connectivity == 6 && l1 > 1) || (connectivity == 18 && l1 > 2)) continue;
                off[noff][0] = dx; off[noff][1] = dy; off[noff][2] = dz; noff++;
            }
    csro_domains *d = calloc(1, sizeof *d);
    size_t *queue = malloc((n ? n : 1) * sizeof *queue);
    if (d) d->labels = calloc(n ? n : 1, sizeof *d->labels);
    if (!d || !queue || !d->labels) {
        free(queue);
        csro_domains_free(d);
        return cs_err(CSRO_ENOMEM, "domains: out of memory for %zu cells", n);
    }
    d->n = n;
    size_t cap = 0;
    for (size_t start = 0; start < n; start++) {
        if (!mask[start] || d->labels[start]) continue;
        if (d->count == cap) {
            cap = cap ? 2 * cap : 64;
            uint64_t *q = realloc(d->sizes, cap * sizeof *q);
            if (!q) { free(queue); csro_domains_free(d); return cs_err(CSRO_ENOMEM, "domains: out of memory"); }
            d->sizes = q;
        }
        int32_t lab = (int32_t)++d->count;
        size_t head = 0, tail = 0;
        queue[tail++] = start;
        d->labels[start] = lab;
        while (head < tail) {
            size_t c = queue[head++];
            size_t i = c % NX, j = c / NX % NY, k = c / (NX * NY);
            for (int t = 0; t < noff; t++) {
                if ((off[t][0] < 0 && i == 0) || (off[t][0] > 0 && i + 1 == NX)) continue;
                if ((off[t][1] < 0 && j == 0) || (off[t][1] > 0 && j + 1 == NY)) continue;
                if ((off[t][2] < 0 && k == 0) || (off[t][2] > 0 && k + 1 == NZ)) continue;
                size_t q = (size_t)((ptrdiff_t)c + off[t][0] + (ptrdiff_t)NX * (off[t][1] + (ptrdiff_t)NY * off[t][2]));
                if (mask[q] && !d->labels[q]) { d->labels[q] = lab; queue[tail++] = q; }
            }
        }
        d->sizes[lab - 1] = tail;
    }
    free(queue);
    *out = d;
    return 0;
}

void csro_domains_free(csro_domains *d)
{
    if (!d) return;
    free(d->labels);
    free(d->sizes);
    free(d);
}

size_t csro_domains_count(const csro_domains *d) { return d->count; }
const int32_t *csro_domains_labels(const csro_domains *d) { return d->labels; }
const uint64_t *csro_domains_sizes(const csro_domains *d) { return d->sizes; }

int csro_domains_diameters(const csro_domains *d, double spacing, double *out, size_t n)
{
    if (!(spacing > 0) || !isfinite(spacing)) return cs_err(CSRO_EINVAL, "domains: spacing %g must be > 0", spacing);
    if (n < d->count) return cs_err(CSRO_EINVAL, "domains: buffer of %zu for %zu domains", n, d->count);
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < d->count; i++)
        out[i] = cbrt(6.0 * (double)d->sizes[i] * spacing * spacing * spacing / pi);
    return 0;
}
