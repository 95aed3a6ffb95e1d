/* net_impl.h: private layout of csro_net, the per-layer kernels and the
 * forward/backward workspace shared by net.c, layers.c, train.c,
 * ensemble.c and ensemble_io.c. */
#ifndef CSRO_NET_IMPL_H
#define CSRO_NET_IMPL_H

#include "base/internal.h"
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int type;                  /* CSRO_LAYER_* */
    size_t in_len, in_ch;      /* input shape [in_len][in_ch] */
    size_t out_len, out_ch;    /* output shape */
    size_t filters, kernel;    /* conv1d */
    int padding;               /* conv1d: CSRO_PAD_* */
    size_t pad_left;           /* conv1d same: (kernel - 1) / 2 */
    double rate;               /* dropout */
    size_t pool;               /* maxpool1d (stride = pool, valid) */
    size_t units;              /* dense */
    size_t woff, nw, boff, nb; /* parameter slices (nw = nb = 0: none) */
} cs_layer;

struct csro_net {
    size_t in_len, in_ch;
    size_t nlayers, cap;
    cs_layer *layers;
    size_t nparams;
    float *params;
    int shape_only;     /* count parameters, allocate none (file loading) */
};

/* Most values any size of a network may reach: weights of one layer, all
 * parameters, one sample's activations of one layer (2^28 floats = 1 GiB). */
#define CS_NET_MAX_SIZE ((size_t)1 << 28)

/* Output shape of the last layer (the input when there are no layers). */
void cs_net_out_shape(const csro_net *n, size_t *len, size_t *ch);

/* Workspace for batches of up to `batch` samples: activations of every
 * layer (act[0] = input, act[i + 1] = output of layer i), their gradients,
 * im2col buffers, dropout masks and max-pool arg-max indices. */
typedef struct {
    size_t batch, nlayers;
    int train;                 /* 1: keep what backward needs */
    float **act, **grad;       /* nlayers + 1 each (grad only when train) */
    float **col;               /* per layer (conv only) */
    float **mask;              /* per layer (dropout, train only) */
    uint32_t **idx;            /* per layer (maxpool, train only) */
    float *dcol;               /* scratch for conv input gradients */
} cs_ws;

cs_ws *cs_ws_new(const csro_net *n, size_t batch, int train);
void cs_ws_free(cs_ws *w);

/* Forward B <= w->batch samples. train: dropout active with masks drawn
 * from cs_rng(seed, stream). Returns the output activations (in w). */
const float *cs_net_fwd(const csro_net *n, cs_ws *w, size_t B, const float *in,
                        int train, uint64_t seed, uint64_t stream);
/* Backward through layers top-1 ... 0 after a training forward: dtop is the
 * gradient of the loss with respect to act[top] (B rows). Parameter
 * gradients are ADDED to g (nparams floats). The input gradient of layer 0
 * is computed only when want_dx (then it is in w->grad[0]). */
void cs_net_bwd(const csro_net *n, cs_ws *w, size_t B, size_t top, const float *dtop,
                float *g, int want_dx);

/* Per-layer kernels (layers.c). */
void cs_layer_fwd(const cs_layer *L, const float *params, size_t B, const float *in, float *out,
                  float *col, float *mask, uint32_t *idx, int train, cs_rng *rng);
void cs_layer_bwd(const cs_layer *L, const float *params, size_t B, const float *in,
                  const float *out, const float *dout, float *din, float *g,
                  const float *col, float *dcol, const float *mask, const uint32_t *idx);

/* Our thread count for a batch job of `items` work items: cs_threads()
 * (0 = all cores) when OpenBLAS runs single-threaded, else 1 (OpenBLAS
 * then parallelises each product; our threads and its pool together were
 * measured up to 10x slower). */
int cs_net_threads(int threads, size_t items);

/* Glorot-uniform init of one layer's weights (zero biases). */
void cs_layer_init(const cs_layer *L, float *params, cs_rng *rng);


/* ---- ensembles (ensemble.c, ensemble_contract.c, ensemble_io.c) ---- */
struct csro_ensemble {
    size_t nclasses;
    char **classes;            /* nclasses names (NULL = unnamed) */
    size_t n, cap;
    csro_net **members;
    csro_zsdm_meta *contract;  /* NULL = none */
    size_t ntext;
    char **keys, **vals;
};

/* Contract helpers (ensemble_contract.c): free, serialise into a header
 * buffer, parse back (*m NULL when none was stored). */
void cs_ens_contract_free(csro_zsdm_meta *m);
void cs_ens_contract_put(cs_buf *b, const csro_zsdm_meta *m);
int cs_ens_contract_get(cs_cur *c, csro_zsdm_meta **m, const char *path);

/* Training report (train.c). */
struct csro_train_report {
    size_t nclasses, folds, epochs, ntest;
    double *tr_loss, *tr_acc, *va_loss, *va_acc; /* [fold][epoch] */
    uint64_t *conf;                              /* nclasses^2, row = true class */
};

/* Fused softmax + categorical cross-entropy on B rows of K probabilities p
 * (the softmax output): returns the summed loss -log(clip(p[y], 1e-7,
 * 1 - 1e-7)) and sets dlogits = (p - onehot(y)) / B (train.c). */
double cs_softmax_ce(const float *p, const int32_t *y, size_t B, size_t K, float *dlogits);
/* One Adam step (Keras form) on n parameters; t is the 1-based step. */
void cs_adam_step(float *p, const float *g, float *m, float *v, size_t n, long t,
                  double lr, double b1, double b2, double eps);

#endif
