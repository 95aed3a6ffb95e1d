/* net.c: building a csro_net (layers, shapes, the parameter buffer) and
 * Keras' default initialisation. Forward/backward kernels: layers.c. */
#include "net_impl.h"
#include <math.h>
#include <stdlib.h>

/* a * b * c when it stays <= CS_NET_MAX_SIZE (no size_t overflow), else 0 */
static size_t size3(size_t a, size_t b, size_t c)
{
    size_t ab, abc;
    if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc) || abc > CS_NET_MAX_SIZE)
        return 0;
    return abc;
}

int csro_net_new(csro_net **out, size_t length, size_t channels)
{
    *out = NULL;
    if (!length || !channels)
        return cs_err(CSRO_EINVAL, "network input %zu x %zu: length and channels must be > 0", length, channels);
    if (!size3(length, channels, 1))
        return cs_err(CSRO_EINVAL, "network input %zu x %zu is larger than %zu values", length, channels, CS_NET_MAX_SIZE);
    csro_net *n = calloc(1, sizeof *n);
    if (!n) return cs_err(CSRO_ENOMEM, "network: out of memory");
    n->in_len = length;
    n->in_ch = channels;
    *out = n;
    return 0;
}

void csro_net_free(csro_net *n)
{
    if (!n) return;
    free(n->layers);
    free(n->params);
    free(n);
}

csro_net *csro_net_clone(const csro_net *n)
{
    if (!n) return NULL;
    csro_net *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    *c = *n;
    c->layers = NULL;
    c->params = NULL;
    c->cap = n->nlayers;
    if (n->nlayers && !(c->layers = malloc(n->nlayers * sizeof *c->layers))) goto oom;
    if (n->nparams && !(c->params = malloc(n->nparams * sizeof *c->params))) goto oom;
    if (n->nlayers) memcpy(c->layers, n->layers, n->nlayers * sizeof *c->layers);
    if (n->nparams) memcpy(c->params, n->params, n->nparams * sizeof *c->params);
    return c;
oom:
    csro_net_free(c);
    return NULL;
}

void cs_net_out_shape(const csro_net *n, size_t *len, size_t *ch)
{
    if (n->nlayers) {
        *len = n->layers[n->nlayers - 1].out_len;
        *ch = n->layers[n->nlayers - 1].out_ch;
    } else {
        *len = n->in_len;
        *ch = n->in_ch;
    }
}

/* Append L (its in/out shapes and parameter counts set by the caller);
 * every size is checked here, before anything is allocated. */
static int net_push(csro_net *n, cs_layer *L)
{
    static const char *const names[] = {"conv1d", "relu", "dropout", "maxpool1d", "flatten", "dense", "softmax"};
    const char *name = L->type >= CSRO_LAYER_CONV1D && L->type <= CSRO_LAYER_SOFTMAX ? names[L->type - 1] : "layer";
    if (!L->out_len || !L->out_ch || !size3(L->out_len, L->out_ch, 1))
        return cs_err(CSRO_EINVAL, "%s: output %zu x %zu is empty or larger than %zu values", name,
                      L->out_len, L->out_ch, CS_NET_MAX_SIZE);
    if (L->nw + L->nb < L->nw || L->nw + L->nb > CS_NET_MAX_SIZE - n->nparams)
        return cs_err(CSRO_EINVAL, "%s: %zu + %zu parameters make more than %zu in the network", name,
                      n->nparams, L->nw + L->nb, CS_NET_MAX_SIZE);
    if (n->nlayers == n->cap) {
        size_t c = n->cap ? 2 * n->cap : 8;
        cs_layer *p = realloc(n->layers, c * sizeof *p);
        if (!p) return cs_err(CSRO_ENOMEM, "network: out of memory");
        n->layers = p;
        n->cap = c;
    }
    size_t add = L->nw + L->nb;
    if (add && n->shape_only) {
        L->woff = n->nparams;
        L->boff = n->nparams + L->nw;
        n->nparams += add;
    } else if (add) {
        float *p = realloc(n->params, (n->nparams + add) * sizeof *p);
        if (!p) return cs_err(CSRO_ENOMEM, "network: out of memory");
        memset(p + n->nparams, 0, add * sizeof *p);
        n->params = p;
        L->woff = n->nparams;
        L->boff = n->nparams + L->nw;
        n->nparams += add;
    }
    n->layers[n->nlayers++] = *L;
    return 0;
}

static cs_layer layer_begin(const csro_net *n, int type)
{
    cs_layer L;
    memset(&L, 0, sizeof L);
    L.type = type;
    cs_net_out_shape(n, &L.in_len, &L.in_ch);
    L.out_len = L.in_len;
    L.out_ch = L.in_ch;
    return L;
}

int csro_net_add_conv1d(csro_net *n, size_t filters, size_t kernel, int padding)
{
    if (!n) return cs_err(CSRO_EINVAL, "conv1d: NULL network");
    cs_layer L = layer_begin(n, CSRO_LAYER_CONV1D);
    if (!filters || !kernel)
        return cs_err(CSRO_EINVAL, "conv1d: filters (%zu) and kernel (%zu) must be > 0", filters, kernel);
    if (padding != CSRO_PAD_VALID && padding != CSRO_PAD_SAME)
        return cs_err(CSRO_EINVAL, "conv1d: unknown padding %d", padding);
    if (padding == CSRO_PAD_VALID && kernel > L.in_len)
        return cs_err(CSRO_EINVAL, "conv1d: kernel %zu is longer than the input (%zu)", kernel, L.in_len);
    L.filters = filters;
    L.kernel = kernel;
    L.padding = padding;
    L.pad_left = padding == CSRO_PAD_SAME ? (kernel - 1) / 2 : 0;
    L.out_len = padding == CSRO_PAD_SAME ? L.in_len : L.in_len - kernel + 1;
    L.out_ch = filters;
    if (!(L.nw = size3(kernel, L.in_ch, filters)))
        return cs_err(CSRO_EINVAL, "conv1d: %zu x %zu x %zu weights are more than %zu", kernel, L.in_ch, filters,
                      CS_NET_MAX_SIZE);
    L.nb = filters;
    return net_push(n, &L);
}

int csro_net_add_relu(csro_net *n)
{
    if (!n) return cs_err(CSRO_EINVAL, "relu: NULL network");
    cs_layer L = layer_begin(n, CSRO_LAYER_RELU);
    return net_push(n, &L);
}

int csro_net_add_dropout(csro_net *n, double rate)
{
    if (!n) return cs_err(CSRO_EINVAL, "dropout: NULL network");
    if (!(rate >= 0 && rate < 1)) return cs_err(CSRO_EINVAL, "dropout: rate %g is not in [0, 1)", rate);
    cs_layer L = layer_begin(n, CSRO_LAYER_DROPOUT);
    L.rate = rate;
    return net_push(n, &L);
}

int csro_net_add_maxpool1d_padded(csro_net *n, size_t pool, int padding)
{
    if (!n) return cs_err(CSRO_EINVAL, "maxpool1d: NULL network");
    cs_layer L = layer_begin(n, CSRO_LAYER_MAXPOOL1D);
    if (padding != CSRO_PAD_VALID && padding != CSRO_PAD_SAME)
        return cs_err(CSRO_EINVAL, "maxpool1d: unknown padding %d", padding);
    if (!pool || (padding == CSRO_PAD_VALID && pool > L.in_len))
        return cs_err(CSRO_EINVAL, "maxpool1d: pool %zu does not fit the input length %zu", pool, L.in_len);
    L.pool = pool;
    L.padding = padding;
    if (padding == CSRO_PAD_SAME) {
        L.out_len = (L.in_len + pool - 1) / pool;
        L.pad_left = ((L.out_len - 1) * pool + pool - L.in_len) / 2;
    } else {
        L.out_len = L.in_len / pool;
    }
    return net_push(n, &L);
}

int csro_net_add_maxpool1d(csro_net *n, size_t pool)
{
    return csro_net_add_maxpool1d_padded(n, pool, CSRO_PAD_VALID);
}

int csro_net_add_flatten(csro_net *n)
{
    if (!n) return cs_err(CSRO_EINVAL, "flatten: NULL network");
    cs_layer L = layer_begin(n, CSRO_LAYER_FLATTEN);
    L.out_len = 1;
    L.out_ch = size3(L.in_len, L.in_ch, 1); /* 0 (refused by net_push) when too large */
    return net_push(n, &L);
}

int csro_net_add_dense(csro_net *n, size_t units)
{
    if (!n) return cs_err(CSRO_EINVAL, "dense: NULL network");
    if (!units) return cs_err(CSRO_EINVAL, "dense: units must be > 0");
    cs_layer L = layer_begin(n, CSRO_LAYER_DENSE);
    /* As Keras' Dense: applied to the last axis at every position. */
    L.units = units;
    L.out_ch = units;
    if (!(L.nw = size3(L.in_ch, units, 1)))
        return cs_err(CSRO_EINVAL, "dense: %zu x %zu weights are more than %zu", L.in_ch, units, CS_NET_MAX_SIZE);
    L.nb = units;
    return net_push(n, &L);
}

int csro_net_add_softmax(csro_net *n)
{
    if (!n) return cs_err(CSRO_EINVAL, "softmax: NULL network");
    cs_layer L = layer_begin(n, CSRO_LAYER_SOFTMAX);
    return net_push(n, &L);
}

int csro_net_new_default(csro_net **out, size_t nbins, size_t nclasses)
{
    *out = NULL;
    if (nbins < 12 || nclasses < 2)
        return cs_err(CSRO_EINVAL, "default network: needs >= 12 bins (got %zu) and >= 2 classes (got %zu)",
                      nbins, nclasses);
    csro_net *n;
    int rc = csro_net_new(&n, nbins, 1);
    if (rc) return rc;
    if ((rc = csro_net_add_conv1d(n, 16, 10, CSRO_PAD_VALID)) || (rc = csro_net_add_relu(n)) ||
        (rc = csro_net_add_dropout(n, 0.5)) || (rc = csro_net_add_maxpool1d(n, 2)) ||
        (rc = csro_net_add_flatten(n)) || (rc = csro_net_add_dense(n, 256)) ||
        (rc = csro_net_add_relu(n)) || (rc = csro_net_add_dense(n, nclasses)) ||
        (rc = csro_net_add_softmax(n))) {
        csro_net_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

size_t csro_net_nlayers(const csro_net *n) { return n ? n->nlayers : 0; }

int csro_net_layer_type(const csro_net *n, size_t i)
{
    if (!n || i >= n->nlayers) return cs_err(CSRO_EINVAL, "layer %zu does not exist", i);
    return n->layers[i].type;
}

void csro_net_layer_shape(const csro_net *n, size_t i, size_t *length, size_t *channels)
{
    size_t l = 0, c = 0;
    if (n && i < n->nlayers) {
        l = n->layers[i].out_len;
        c = n->layers[i].out_ch;
    }
    if (length) *length = l;
    if (channels) *channels = c;
}

size_t csro_net_input_size(const csro_net *n) { return n ? n->in_len * n->in_ch : 0; }

size_t csro_net_output_size(const csro_net *n)
{
    if (!n) return 0;
    size_t l, c;
    cs_net_out_shape(n, &l, &c);
    return l * c;
}

size_t csro_net_nparams(const csro_net *n) { return n ? n->nparams : 0; }
float *csro_net_params(csro_net *n) { return n ? n->params : NULL; }

int csro_net_layer_params(csro_net *n, size_t i, float **w, size_t *nw, float **b, size_t *nb)
{
    if (w) *w = NULL;
    if (b) *b = NULL;
    if (nw) *nw = 0;
    if (nb) *nb = 0;
    if (!n || i >= n->nlayers) return cs_err(CSRO_EINVAL, "layer %zu does not exist", i);
    const cs_layer *L = &n->layers[i];
    if (!L->nw) return 0;
    if (w) *w = n->params + L->woff;
    if (nw) *nw = L->nw;
    if (b) *b = n->params + L->boff;
    if (nb) *nb = L->nb;
    return 0;
}

void cs_layer_init(const cs_layer *L, float *params, cs_rng *rng)
{
    if (!L->nw) return;
    double fan_in, fan_out;
    if (L->type == CSRO_LAYER_CONV1D) {
        fan_in = (double)(L->kernel * L->in_ch);
        fan_out = (double)(L->kernel * L->filters);
    } else {
        fan_in = (double)L->in_ch;
        fan_out = (double)L->units;
    }
    double lim = sqrt(6.0 / (fan_in + fan_out));
    float *w = params + L->woff;
    for (size_t k = 0; k < L->nw; k++) w[k] = (float)((2.0 * cs_rng_uniform(rng) - 1.0) * lim);
    memset(params + L->boff, 0, L->nb * sizeof(float));
}

int csro_net_init(csro_net *n, uint64_t seed)
{
    if (!n) return cs_err(CSRO_EINVAL, "init: NULL network");
    for (size_t i = 0; i < n->nlayers; i++) {
        cs_rng r;
        cs_rng_init(&r, seed, (uint64_t)i); /* one stream per layer */
        cs_layer_init(&n->layers[i], n->params, &r);
    }
    return 0;
}
