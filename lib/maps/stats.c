/* stats.c: summary statistics of CSRO domains, composition inside /
 * outside CSRO, and the least-squares line of csro-stats --fit. */
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int csro_stats_summary(double *mean, double *median, double *min, double *max,
                       const double *v, size_t n)
{
    double mn = NAN, md = NAN, lo = NAN, hi = NAN;
    if (n && !v) return cs_err(CSRO_EINVAL, "stats: NULL values");
    if (n) {
        double *t = malloc(n * sizeof *t);
        if (!t) return cs_err(CSRO_ENOMEM, "stats: out of memory for %zu values", n);
        memcpy(t, v, n * sizeof *t);
        qsort(t, n, sizeof *t, cmp_double);
        double s = 0;
        for (size_t i = 0; i < n; i++) s += t[i];
        mn = s / (double)n;
        md = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
        lo = t[0];
        hi = t[n - 1];
        free(t);
    }
    if (mean) *mean = mn;
    if (median) *median = md;
    if (min) *min = lo;
    if (max) *max = hi;
    return 0;
}

int csro_stats_histogram(uint64_t *counts, size_t nbins, double lo, double hi,
                         const double *v, size_t n)
{
    if (!nbins || !counts) return cs_err(CSRO_EINVAL, "stats: histogram needs at least one bin");
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return cs_err(CSRO_EINVAL, "stats: histogram range [%g, %g] is empty", lo, hi);
    memset(counts, 0, nbins * sizeof *counts);
    double w = (hi - lo) / (double)nbins;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (!(x >= lo && x <= hi)) continue;
        size_t b = x == hi ? nbins - 1 : (size_t)((x - lo) / w);
        if (b >= nbins) b = nbins - 1;
        counts[b]++;
    }
    return 0;
}

int csro_stats_composition(uint64_t *count_in, uint64_t *count_out, size_t nspecies,
                           const int32_t *species, const uint8_t *inside, size_t n)
{
    if (!count_in || !count_out || (n && (!species || !inside)))
        return cs_err(CSRO_EINVAL, "stats: NULL composition array");
    memset(count_in, 0, nspecies * sizeof *count_in);
    memset(count_out, 0, nspecies * sizeof *count_out);
    for (size_t i = 0; i < n; i++) {
        int32_t s = species[i];
        if (s < 0 || (size_t)s >= nspecies) continue;
        if (inside[i]) count_in[s]++;
        else count_out[s]++;
    }
    return 0;
}

int csro_stats_linfit(double *slope, double *slope_err, double *intercept, double *r2,
                      const double *x, const double *y, size_t n)
{
    if (slope) *slope = NAN;
    if (slope_err) *slope_err = NAN;
    if (intercept) *intercept = NAN;
    if (r2) *r2 = NAN;
    if (n < 2) return cs_err(CSRO_EINVAL, "stats: a linear fit needs at least 2 points, got %zu", n);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return cs_err(CSRO_EINVAL, "stats: point %zu (%g, %g) is not finite", i + 1, x[i], y[i]);
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (!(sxx > 0)) return cs_err(CSRO_EINVAL, "stats: all %zu x values are equal: no line fits", n);
    double b = sxy / sxx, a = my - b * mx;
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - (a + b * x[i]);
        sse += e * e;
    }
    if (slope) *slope = b;
    if (intercept) *intercept = a;
    if (slope_err && n > 2) *slope_err = sqrt(sse / (double)(n - 2) / sxx);
    if (r2 && syy > 0) *r2 = 1 - sse / syy;
    return 0;
}
