/* preprocess_impl.h: private parts of the preprocessing module. */
#ifndef CSRO_PREPROCESS_IMPL_H
#define CSRO_PREPROCESS_IMPL_H

#include "base/internal.h"

struct csro_preprocess_opts {
    int window, order, passes;
};

/* Savitzky-Golay projection matrix P (window x window, row-major): the
 * least-squares polynomial of degree order through window values y,
 * evaluated at position p, is sum_j P[p*window + j] y[j]. */
int cs_savgol_proj(int window, int order, double *P);
/* Filter with a precomputed P (mode='interp' edges); n >= window. */
void cs_savgol_apply(const double *P, int window, const double *in, double *out, size_t n);

#endif
