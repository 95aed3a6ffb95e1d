/* context_impl.h: private layout of csro_context and the feature code
 * shared by context.c (features, apply, text) and context_train.c. */
#ifndef CSRO_CONTEXT_IMPL_H
#define CSRO_CONTEXT_IMPL_H

#include "base/internal.h"
#include "csro/context.h"
#include "csro/ensemble.h"

#define CS_CTX_MAX_HIDDEN 4

/* Feature settings (shared by a context stage and a training set). */
typedef struct {
    double voxel, stride;  /* grid geometry the stage belongs to (0 = not yet fixed) */
    int r;                 /* voxel / stride */
    int h;                 /* window half-width (voxel strides) */
    int use_std;
} cs_ctx_feat;

struct csro_context {
    cs_ctx_feat f;
    size_t nfeat;
    size_t nhidden, hidden[CS_CTX_MAX_HIDDEN];
    float *mu, *sc;        /* standardisation: (x - mu) * sc */
    csro_ensemble *ens;    /* members: Dense/ReLU..., Dense(2), Softmax on (1, nfeat) */
};

struct csro_context_opts {
    int h, use_std;
    size_t nhidden, hidden[CS_CTX_MAX_HIDDEN];
    double dropout, lr, holdout, sample;
    int members, epochs, batch, threads;
    uint64_t seed;
};

/* Number of features for the settings. */
size_t cs_ctx_nfeat(const cs_ctx_feat *f);
/* r = voxel/stride of g (0 if not an integer 1..64). */
int cs_ctx_ratio(const csro_grid *g);
/* Features of every sub-cell of g (n == csro_context_subcells(g)) into
 * feat (n * nfeat); rows without a covering voxel are NaN. */
int cs_ctx_features(const cs_ctx_feat *f, const csro_grid *g, const float *mean, const float *std,
                    float *feat, size_t n, int threads);
/* The inference network for the context's layer sizes (no dropout). */
int cs_ctx_arch(csro_net **out, size_t nfeat, size_t nhidden, const size_t *hidden, double dropout);

#endif
