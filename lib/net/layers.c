/* layers.c: forward and backward of every layer type on batches
 * (channels-last [batch][length][channels]); Conv1D through im2col + one
 * sgemm per batch, Dense through one sgemm per batch. */
#if defined(__GNUC__) && !defined(__clang__)
/* let GCC vectorise the element-wise loops (plain -O2 does not); no
 * reassociation is enabled, so results stay bit-identical to scalar code */
#pragma GCC optimize("O3")
#endif
#include "net_impl.h"
#include "base/threads_impl.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

/* ---- im2col: col[(b, l)][(j, c)] = in[b][l + j - pad_left][c], 0 outside */
static void im2col(const cs_layer *L, size_t B, const float *in, float *col)
{
    size_t cin = L->in_ch, kc = L->kernel * cin, isz = L->in_len * cin;
    for (size_t b = 0; b < B; b++) {
        const float *x = in + b * isz;
        for (size_t l = 0; l < L->out_len; l++) {
            float *row = col + (b * L->out_len + l) * kc;
            ptrdiff_t p0 = (ptrdiff_t)l - (ptrdiff_t)L->pad_left;
            if (p0 >= 0 && p0 + (ptrdiff_t)L->kernel <= (ptrdiff_t)L->in_len) {
                memcpy(row, x + (size_t)p0 * cin, kc * sizeof *row);
                continue;
            }
            for (size_t j = 0; j < L->kernel; j++) {
                ptrdiff_t p = p0 + (ptrdiff_t)j;
                if (p < 0 || p >= (ptrdiff_t)L->in_len) memset(row + j * cin, 0, cin * sizeof *row);
                else memcpy(row + j * cin, x + (size_t)p * cin, cin * sizeof *row);
            }
        }
    }
}

static void col2im_add(const cs_layer *L, size_t B, const float *dcol, float *din)
{
    size_t cin = L->in_ch, kc = L->kernel * cin, isz = L->in_len * cin;
    memset(din, 0, B * isz * sizeof *din);
    for (size_t b = 0; b < B; b++) {
        float *x = din + b * isz;
        for (size_t l = 0; l < L->out_len; l++) {
            const float *row = dcol + (b * L->out_len + l) * kc;
            ptrdiff_t p0 = (ptrdiff_t)l - (ptrdiff_t)L->pad_left;
            for (size_t j = 0; j < L->kernel; j++) {
                ptrdiff_t p = p0 + (ptrdiff_t)j;
                if (p < 0 || p >= (ptrdiff_t)L->in_len) continue;
                float *d = x + (size_t)p * cin;
                const float *s = row + j * cin;
                for (size_t c = 0; c < cin; c++) d[c] += s[c];
            }
        }
    }
}

/* ---- element-wise kernels (restrict: vectorised) ---- */
static void relu_fwd(size_t n, const float *restrict in, float *restrict out)
{
    for (size_t k = 0; k < n; k++) out[k] = in[k] > 0.0f ? in[k] : 0.0f;
}

static void relu_inplace(size_t n, float *restrict p)
{
    for (size_t k = 0; k < n; k++) p[k] = p[k] > 0.0f ? p[k] : 0.0f;
}

static void relu_bwd(size_t n, const float *restrict out, const float *restrict dout, float *restrict din)
{
    for (size_t k = 0; k < n; k++) /* branch-free select (vectorises) */
        din[k] = cs_u2f(cs_f2u(dout[k]) & (0u - (uint32_t)(out[k] > 0.0f)));
}

static void mul_fwd(size_t n, const float *restrict a, const float *restrict b, float *restrict out)
{
    for (size_t k = 0; k < n; k++) out[k] = a[k] * b[k];
}

static void colsum_add(size_t M, size_t N, const float *restrict d, float *restrict s)
{
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < N; k++) s[k] += d[m * N + k];
}

/* Inverted dropout mask: keep with probability 1 - rate (32-bit uniforms,
 * two per draw), kept entries scaled by 1 / (1 - rate). */
static void dropout_mask(size_t n, double rate, float *restrict mask, cs_rng *rng)
{
    uint32_t sbits = cs_f2u((float)(1.0 / (1.0 - rate)));
    uint64_t thr = (uint64_t)ceil(rate * 4294967296.0);
    /* branch-free (the outcome is a coin flip no predictor learns):
     * keep <=> u >= thr <=> the 64-bit difference u - thr has no sign bit */
#define CS_KEEP(u32) (sbits & ((uint32_t)(((uint64_t)(u32) - thr) >> 63) - 1u))
    size_t k = 0;
    for (; k + 1 < n; k += 2) {
        uint64_t u = cs_rng_next(rng);
        mask[k] = cs_u2f(CS_KEEP(u & 0xffffffffu));
        mask[k + 1] = cs_u2f(CS_KEEP(u >> 32));
    }
    if (k < n) mask[k] = cs_u2f(CS_KEEP(cs_rng_next(rng) & 0xffffffffu));
#undef CS_KEEP
}

/* One sample; idx (may be NULL) gets base + the arg-max offsets. Window l
 * covers input positions [l p - pad_left, l p - pad_left + p) clipped to
 * the input (only 'same' padding clips). */
static void maxpool_fwd(const cs_layer *L, const float *restrict x, float *restrict y, uint32_t *restrict idx,
                        uint32_t base)
{
    size_t C = L->in_ch, p = L->pool;
    for (size_t l = 0; l < L->out_len; l++) {
        ptrdiff_t s0 = (ptrdiff_t)(l * p) - (ptrdiff_t)L->pad_left, s1 = s0 + (ptrdiff_t)p;
        if (s0 < 0) s0 = 0;
        if (s1 > (ptrdiff_t)L->in_len) s1 = (ptrdiff_t)L->in_len;
        size_t a = (size_t)s0, np = (size_t)(s1 - s0);
        float *restrict yy = y + l * C;
        const float *restrict x0 = x + a * C;
        for (size_t c = 0; c < C; c++) yy[c] = x0[c];
        if (idx) {
            uint32_t *restrict ii = idx + l * C;
            for (size_t c = 0; c < C; c++) ii[c] = base + (uint32_t)(a * C + c);
            for (size_t j = 1; j < np; j++) {
                const float *restrict xj = x0 + j * C;
                uint32_t off = base + (uint32_t)((a + j) * C);
                for (size_t c = 0; c < C; c++) { /* branch-free select */
                    uint32_t gt = 0u - (uint32_t)(xj[c] > yy[c]);
                    yy[c] = cs_u2f((cs_f2u(xj[c]) & gt) | (cs_f2u(yy[c]) & ~gt));
                    ii[c] = ((off + (uint32_t)c) & gt) | (ii[c] & ~gt);
                }
            }
        } else {
            for (size_t j = 1; j < np; j++) {
                const float *restrict xj = x0 + j * C;
                for (size_t c = 0; c < C; c++) yy[c] = xj[c] > yy[c] ? xj[c] : yy[c];
            }
        }
    }
}

/* out[m][n] = bias[n] + sum_k a[m][k] w[k][n], in sgemm calls of exactly
 * AFFINE_TILE rows (the last tile zero-padded): sgemm's arithmetic per row
 * depends on the call's row count, so this makes a row's result independent
 * of the batch it came in (parts of a file, batch sizes, thread splits). */
#define AFFINE_TILE 64
static void affine(size_t M, size_t K, size_t N, const float *a, const float *w, const float *bias, float *out)
{
    for (size_t m = 0; m < M; m++) memcpy(out + m * N, bias, N * sizeof *out);
    size_t full = M / AFFINE_TILE * AFFINE_TILE;
    for (size_t m0 = 0; m0 < full; m0 += AFFINE_TILE)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, AFFINE_TILE, (int)N, (int)K, 1.0f, a + m0 * K,
                    (int)K, w, (int)N, 1.0f, out + m0 * N, (int)N);
    if (full == M) return;
    size_t r = M - full;
    float *pa = calloc(AFFINE_TILE * K, sizeof *pa), *po = calloc(AFFINE_TILE * N, sizeof *po);
    if (pa && po) {
        memcpy(pa, a + full * K, r * K * sizeof *pa);
        memcpy(po, out + full * N, r * N * sizeof *po);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, AFFINE_TILE, (int)N, (int)K, 1.0f, pa, (int)K,
                    w, (int)N, 1.0f, po, (int)N);
        memcpy(out + full * N, po, r * N * sizeof *po);
    } else { /* out of memory for the pad: the same numbers up to rounding */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)N, (int)K, 1.0f, a + full * K, (int)K,
                    w, (int)N, 1.0f, out + full * N, (int)N);
    }
    free(pa); free(po);
}

/* Parameter gradients of out = a w + bias; din = dout w^T when din. */
static void affine_bwd(size_t M, size_t K, size_t N, const float *a, const float *w, const float *dout,
                       float *gw, float *gb, float *din)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)N, (int)M, 1.0f, a, (int)K,
                dout, (int)N, 1.0f, gw, (int)N);
    colsum_add(M, N, dout, gb);
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)K, (int)N, 1.0f, dout, (int)N,
                    w, (int)N, 0.0f, din, (int)K);
}

void cs_layer_fwd(const cs_layer *L, const float *params, size_t B, const float *in, float *out,
                  float *col, float *mask, uint32_t *idx, int train, cs_rng *rng)
{
    size_t isz = L->in_len * L->in_ch, osz = L->out_len * L->out_ch, n = B * isz;
    switch (L->type) {
    case CSRO_LAYER_CONV1D:
        im2col(L, B, in, col);
        affine(B * L->out_len, L->kernel * L->in_ch, L->filters, col, params + L->woff,
               params + L->boff, out);
        break;
    case CSRO_LAYER_DENSE:
        affine(B * L->in_len, L->in_ch, L->units, in, params + L->woff, params + L->boff, out);
        break;
    case CSRO_LAYER_RELU:
        relu_fwd(n, in, out);
        break;
    case CSRO_LAYER_DROPOUT:
        if (train && L->rate > 0) {
            dropout_mask(n, L->rate, mask, rng);
            mul_fwd(n, in, mask, out);
        } else {
            if (mask) for (size_t k = 0; k < n; k++) mask[k] = 1.0f;
            memcpy(out, in, n * sizeof *out);
        }
        break;
    case CSRO_LAYER_FLATTEN:
        memcpy(out, in, n * sizeof *out);
        break;
    case CSRO_LAYER_MAXPOOL1D:
        for (size_t b = 0; b < B; b++)
            maxpool_fwd(L, in + b * isz, out + b * osz, idx ? idx + b * osz : NULL, (uint32_t)(b * isz));
        break;
    case CSRO_LAYER_SOFTMAX: {
        size_t C = L->in_ch, rows = B * L->in_len;
        for (size_t r = 0; r < rows; r++) {
            const float *x = in + r * C;
            float *y = out + r * C;
            float mx = x[0];
            for (size_t c = 1; c < C; c++) if (x[c] > mx) mx = x[c];
            double s = 0;
            for (size_t c = 0; c < C; c++) s += exp((double)x[c] - mx);
            for (size_t c = 0; c < C; c++) y[c] = (float)(exp((double)x[c] - mx) / s);
        }
        break;
    }
    default:
        break;
    }
}

void cs_layer_bwd(const cs_layer *L, const float *params, size_t B, const float *in,
                  const float *out, const float *dout, float *din, float *g,
                  const float *col, float *dcol, const float *mask, const uint32_t *idx)
{
    size_t isz = L->in_len * L->in_ch, n = B * isz;
    switch (L->type) {
    case CSRO_LAYER_CONV1D: {
        size_t M = B * L->out_len, K = L->kernel * L->in_ch;
        affine_bwd(M, K, L->filters, col, params + L->woff, dout, g + L->woff, g + L->boff,
                   din ? dcol : NULL);
        if (din) col2im_add(L, B, dcol, din);
        break;
    }
    case CSRO_LAYER_DENSE:
        affine_bwd(B * L->in_len, L->in_ch, L->units, in, params + L->woff, dout, g + L->woff,
                   g + L->boff, din);
        break;
    case CSRO_LAYER_RELU:
        if (din) relu_bwd(n, out, dout, din);
        break;
    case CSRO_LAYER_DROPOUT:
        if (din) mul_fwd(n, dout, mask, din);
        break;
    case CSRO_LAYER_FLATTEN:
        if (din) memcpy(din, dout, n * sizeof *din);
        break;
    case CSRO_LAYER_MAXPOOL1D:
        if (din) {
            size_t on = B * L->out_len * L->out_ch;
            memset(din, 0, n * sizeof *din);
            for (size_t k = 0; k < on; k++) din[idx[k]] += dout[k];
        }
        break;
    case CSRO_LAYER_SOFTMAX:
        if (din) {
            size_t C = L->in_ch, rows = B * L->in_len;
            for (size_t r = 0; r < rows; r++) {
                const float *p = out + r * C, *d = dout + r * C;
                double s = 0;
                for (size_t c = 0; c < C; c++) s += (double)d[c] * p[c];
                for (size_t c = 0; c < C; c++) din[r * C + c] = (float)(p[c] * (d[c] - s));
            }
        }
        break;
    default:
        break;
    }
}

/* ---- workspace ---- */
void cs_ws_free(cs_ws *w)
{
    if (!w) return;
    for (size_t i = 0; i <= w->nlayers; i++) {
        if (w->act && i > 0) free(w->act[i]); /* act[0] = caller's input */
        if (w->grad) free(w->grad[i]);
        if (i < w->nlayers) {
            if (w->col) free(w->col[i]);
            if (w->mask) free(w->mask[i]);
            if (w->idx) free(w->idx[i]);
        }
    }
    free(w->act); free(w->grad); free(w->col); free(w->mask); free(w->idx); free(w->dcol);
    free(w);
}

cs_ws *cs_ws_new(const csro_net *n, size_t batch, int train)
{
    cs_ws *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    size_t nl = n->nlayers;
    w->batch = batch;
    w->nlayers = nl;
    w->train = train;
    w->act = calloc(nl + 1, sizeof *w->act);
    w->grad = calloc(nl + 1, sizeof *w->grad);
    w->col = calloc(nl + 1, sizeof *w->col);
    w->mask = calloc(nl + 1, sizeof *w->mask);
    w->idx = calloc(nl + 1, sizeof *w->idx);
    if (!w->act || !w->grad || !w->col || !w->mask || !w->idx) goto oom;
    size_t maxcol = 0;
    for (size_t i = 0; i < nl; i++) {
        const cs_layer *L = &n->layers[i];
        size_t isz = batch * L->in_len * L->in_ch, osz = batch * L->out_len * L->out_ch;
        if (!(w->act[i + 1] = malloc(osz * sizeof(float)))) goto oom;
        if (train && !(w->grad[i + 1] = malloc(osz * sizeof(float)))) goto oom;
        if (train && i > 0 && !w->grad[i] && !(w->grad[i] = malloc(isz * sizeof(float)))) goto oom;
        if (L->type == CSRO_LAYER_CONV1D) {
            size_t c = batch * L->out_len * L->kernel * L->in_ch;
            if (!(w->col[i] = malloc(c * sizeof(float)))) goto oom;
            if (c > maxcol) maxcol = c;
        }
        if (train && L->type == CSRO_LAYER_DROPOUT && !(w->mask[i] = malloc(isz * sizeof(float)))) goto oom;
        if (train && L->type == CSRO_LAYER_MAXPOOL1D && !(w->idx[i] = malloc(osz * sizeof(uint32_t)))) goto oom;
    }
    if (train) {
        size_t isz = batch * n->in_len * n->in_ch;
        if (!(w->grad[0] = malloc(isz * sizeof(float)))) goto oom;
        if (maxcol && !(w->dcol = malloc(maxcol * sizeof(float)))) goto oom;
    }
    return w;
oom:
    cs_ws_free(w);
    return NULL;
}

/* act[0] is never owned: it points at the caller's input during a call. */
const float *cs_net_fwd(const csro_net *n, cs_ws *w, size_t B, const float *in,
                        int train, uint64_t seed, uint64_t stream)
{
    cs_rng rng;
    cs_rng_init(&rng, seed, stream);
    int tr = train && w->train;
    const float *x = in;
    for (size_t i = 0; i < n->nlayers; i++) {
        const cs_layer *L = &n->layers[i];
        if (!tr && (L->type == CSRO_LAYER_DROPOUT || L->type == CSRO_LAYER_FLATTEN))
            continue; /* identities in inference: no copy */
        if (!tr && L->type == CSRO_LAYER_RELU && x != in) {
            relu_inplace(B * L->in_len * L->in_ch, (float *)(uintptr_t)x); /* our own buffer */
            continue;
        }
        cs_layer_fwd(L, n->params, B, x, w->act[i + 1], w->col[i], w->mask[i], w->idx[i], tr, &rng);
        x = w->act[i + 1];
    }
    w->act[0] = (float *)(uintptr_t)in;
    return x;
}

void cs_net_bwd(const csro_net *n, cs_ws *w, size_t B, size_t top, const float *dtop,
                float *g, int want_dx)
{
    const float *d = dtop;
    for (size_t i = top; i-- > 0;) {
        const cs_layer *L = &n->layers[i];
        float *din = (i > 0 || want_dx) ? w->grad[i] : NULL;
        cs_layer_bwd(L, n->params, B, w->act[i], w->act[i + 1], d, din, g, w->col[i], w->dcol,
                     w->mask[i], w->idx[i]);
        d = din;
    }
    w->act[0] = NULL;
}

int cs_net_threads(int threads, size_t items)
{
    return openblas_get_num_threads() > 1 ? 1 : cs_threads(threads, items);
}

#define CS_FWD_CHUNK 256

int csro_net_forward(const csro_net *n, size_t batch, const float *in, float *out)
{
    if (!n || (batch && (!in || !out))) return cs_err(CSRO_EINVAL, "forward: NULL argument");
    if (!n->nlayers) return cs_err(CSRO_EINVAL, "forward: network has no layers");
    if (!batch) return 0;
    size_t chunk = batch < CS_FWD_CHUNK ? batch : CS_FWD_CHUNK;
    cs_ws *w = cs_ws_new(n, chunk, 0);
    if (!w) return cs_err(CSRO_ENOMEM, "forward: out of memory for a batch of %zu", chunk);
    size_t isz = csro_net_input_size(n), osz = csro_net_output_size(n);
    for (size_t s = 0; s < batch; s += chunk) {
        size_t B = batch - s < chunk ? batch - s : chunk;
        const float *y = cs_net_fwd(n, w, B, in + s * isz, 0, 0, 0);
        memcpy(out + s * osz, y, B * osz * sizeof *out);
    }
    cs_ws_free(w);
    return 0;
}
