/* savgol.c: Savitzky-Golay smoothing with SciPy's mode='interp' edges.
 *
 * The fit of a degree-d polynomial to w equally spaced values is the
 * orthogonal projection onto the span of 1, t, ..., t^d. We build an
 * orthonormal basis Q of that span (modified Gram-Schmidt, applied twice,
 * in long double, on the centred and scaled abscissa t = (j - h) / h in
 * [-1, 1]) and use P = Q Q^T: row h gives the interior convolution
 * weights, rows 0..h-1 and h+1..w-1 evaluate the polynomial fitted to the
 * first and last window at the edge points, as savgol_filter(mode='interp')
 * does. This avoids the normal equations, whose condition number grows
 * like the square of the Vandermonde matrix's. */
#include "base/internal.h"
#include "preprocess_impl.h"
#include <math.h>
#include <stdlib.h>

int cs_savgol_proj(int window, int order, double *P)
{
    const int w = window, d = order + 1, h = window / 2;
    long double *Q = malloc(sizeof *Q * (size_t)w * (size_t)d);
    if (!Q) return cs_err(CSRO_ENOMEM, "savgol: out of memory");
    for (int j = 0; j < w; j++) {
        long double t = h ? (long double)(j - h) / h : 0.0L, p = 1.0L;
        for (int k = 0; k < d; k++, p *= t) Q[(size_t)j * d + k] = p;
    }
    for (int k = 0; k < d; k++) {
        for (int pass = 0; pass < 2; pass++) {
            for (int l = 0; l < k; l++) {
                long double dot = 0;
                for (int j = 0; j < w; j++) dot += Q[(size_t)j * d + l] * Q[(size_t)j * d + k];
                for (int j = 0; j < w; j++) Q[(size_t)j * d + k] -= dot * Q[(size_t)j * d + l];
            }
        }
        long double nn = 0;
        for (int j = 0; j < w; j++) nn += Q[(size_t)j * d + k] * Q[(size_t)j * d + k];
        nn = sqrtl(nn);
        for (int j = 0; j < w; j++) Q[(size_t)j * d + k] /= nn;
    }
    for (int p = 0; p < w; p++)
        for (int j = 0; j < w; j++) {
            long double s = 0;
            for (int k = 0; k < d; k++) s += Q[(size_t)p * d + k] * Q[(size_t)j * d + k];
            P[(size_t)p * w + j] = (double)s;
        }
    /* P is centrosymmetric (P[p][j] = P[w-1-p][w-1-j]) and symmetric in
     * exact arithmetic; make it so bit for bit */
    for (int p = 0; p < w; p++)
        for (int j = 0; j < w; j++) {
            double *pa = &P[(size_t)p * w + j], *pb = &P[(size_t)(w - 1 - p) * w + (w - 1 - j)];
            double *pc = &P[(size_t)j * w + p], *pd = &P[(size_t)(w - 1 - j) * w + (w - 1 - p)];
            double m = ((*pa + *pb) + (*pc + *pd)) / 4;
            *pa = *pb = *pc = *pd = m;
        }
    free(Q);
    return 0;
}

void cs_savgol_apply(const double *P, int window, const double *in, double *out, size_t n)
{
    const size_t w = (size_t)window, h = w / 2;
    const double *c = P + h * w;
    /* interior: mirrored inputs are added first, so a profile symmetric
     * about a point gives a bit-for-bit symmetric result (same-species
     * z-SDMs are symmetric; exact ties then stay ties, see Moody) */
    for (size_t i = h; i + h < n; i++) {
        double s = c[h] * in[i];
        for (size_t j = 0; j < h; j++) s += c[j] * (in[i - h + j] + in[i + h - j]);
        out[i] = s;
    }
    for (size_t p = 0; p < h; p++) {
        double s = 0, t = 0;
        for (size_t j = 0; j < w; j++) {
            s += P[p * w + j] * in[j];
            t += P[(p + h + 1) * w + j] * in[n - w + j];
        }
        out[p] = s;
        out[n - h + p] = t;
    }
}

int csro_preprocess_savgol(const double *in, double *out, size_t n, int window, int order)
{
    if (window < 3 || window % 2 == 0)
        return cs_err(CSRO_EINVAL, "savgol: window %d must be odd and >= 3", window);
    if (order < 0 || order >= window)
        return cs_err(CSRO_EINVAL, "savgol: polynomial order %d must be in [0, %d)", order, window);
    if (n < (size_t)window)
        return cs_err(CSRO_EINVAL, "savgol: %zu values are fewer than the window %d", n, window);
    double *P = malloc(sizeof *P * (size_t)window * (size_t)window);
    if (!P) return cs_err(CSRO_ENOMEM, "savgol: out of memory");
    int rc = cs_savgol_proj(window, order, P);
    if (!rc) cs_savgol_apply(P, window, in, out, n);
    free(P);
    return rc;
}
