/* ensemble_io.c: the .csronet model file (csro-net(5)): the chunked container
 * of csro-formats(5) with magic "CSRONET\0", version 1. Header: class
 * names, per member the architecture (input shape, layer list) and its
 * parameter count, provenance texts, the input contract; payload: each
 * member's parameters as float32 little-endian, in member order. */
#include "net_impl.h"
#include <stdlib.h>

static const char CSRONET_MAGIC[8] = { 'C', 'S', 'R', 'O', 'N', 'E', 'T', 0 };
#define CSRONET_VERSION 1u
#define CS_MAX_PARAMS ((size_t)1 << 28)

static void put_arch(cs_buf *b, const csro_net *n)
{
    cs_buf_u64(b, n->in_len);
    cs_buf_u64(b, n->in_ch);
    cs_buf_u32(b, (uint32_t)n->nlayers);
    for (size_t i = 0; i < n->nlayers; i++) {
        const cs_layer *L = &n->layers[i];
        uint64_t a = 0, k = 0;
        switch (L->type) {
        case CSRO_LAYER_CONV1D: a = L->filters; k = L->kernel; break;
        case CSRO_LAYER_MAXPOOL1D: a = L->pool; break;
        case CSRO_LAYER_DENSE: a = L->units; break;
        default: break;
        }
        cs_buf_u32(b, (uint32_t)L->type);
        cs_buf_u32(b, (uint32_t)L->padding);
        cs_buf_u64(b, a);
        cs_buf_u64(b, k);
        cs_buf_f64(b, L->rate);
    }
    cs_buf_u64(b, n->nparams);
}

int csro_ensemble_save(const csro_ensemble *e, const char *path)
{
    if (!e || !path) return cs_err(CSRO_EINVAL, "ensemble_save: NULL argument");
    if (!e->n) return cs_err(CSRO_EINVAL, "%s: the ensemble has no members", path);
    cs_buf b = { 0 };
    cs_buf_u32(&b, (uint32_t)e->nclasses);
    for (size_t i = 0; i < e->nclasses; i++) cs_buf_str(&b, e->classes[i] ? e->classes[i] : "");
    cs_buf_u32(&b, (uint32_t)e->n);
    for (size_t i = 0; i < e->n; i++) put_arch(&b, e->members[i]);
    cs_buf_u32(&b, (uint32_t)e->ntext);
    for (size_t i = 0; i < e->ntext; i++) { cs_buf_str(&b, e->keys[i]); cs_buf_str(&b, e->vals[i]); }
    cs_ens_contract_put(&b, e->contract);
    if (b.oom || b.n > UINT32_MAX) { free(b.p); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    cs_cw *w;
    int rc = cs_cw_open(&w, path, CSRONET_MAGIC, CSRONET_VERSION, b.p, (uint32_t)b.n);
    free(b.p);
    if (rc) return rc;
    unsigned char tmp[4096];
    for (size_t i = 0; i < e->n && !rc; i++) {
        const csro_net *n = e->members[i];
        for (size_t k = 0; k < n->nparams && !rc;) {
            size_t m = 0;
            for (; m < sizeof tmp / 4 && k < n->nparams; m++, k++) cs_wr_le32(tmp + 4 * m, cs_f2u(n->params[k]));
            rc = cs_cw_write(w, tmp, 4 * m);
        }
    }
    if (rc) { cs_cw_abort(w); return rc; }
    return cs_cw_close(w);
}

/* Rebuild one member's architecture from the header. */
static int get_arch(cs_cur *c, csro_net **out, const char *path, size_t im)
{
    *out = NULL;
    uint64_t len = cs_cur_u64(c), ch = cs_cur_u64(c);
    uint32_t nl = cs_cur_u32(c);
    if (c->bad) return cs_err(CSRO_EFORMAT, "%s: truncated header (member %zu)", path, im);
    if (!len || !ch || len > CS_MAX_PARAMS || ch > CS_MAX_PARAMS || nl > 4096)
        return cs_err(CSRO_EFORMAT, "%s: member %zu: bad input shape %llu x %llu or %u layers", path, im,
                      (unsigned long long)len, (unsigned long long)ch, nl);
    csro_net *n;
    int rc = csro_net_new(&n, (size_t)len, (size_t)ch);
    if (rc) return rc;
    n->shape_only = 1; /* parameters are allocated as the payload arrives */
    for (uint32_t i = 0; i < nl && !rc; i++) {
        uint32_t type = cs_cur_u32(c), pad = cs_cur_u32(c);
        uint64_t a = cs_cur_u64(c), k = cs_cur_u64(c);
        double rate = cs_cur_f64(c);
        if (c->bad) { rc = cs_err(CSRO_EFORMAT, "%s: truncated header (member %zu)", path, im); break; }
        size_t il, ic;
        cs_net_out_shape(n, &il, &ic);
        /* refuse absurd sizes before allocating anything */
        double nw = 0;
        if (type == CSRO_LAYER_CONV1D) nw = (double)a * (double)k * (double)ic;
        if (type == CSRO_LAYER_DENSE) nw = (double)a * (double)ic;
        if (a > CS_MAX_PARAMS || k > CS_MAX_PARAMS || nw + (double)n->nparams > (double)CS_MAX_PARAMS) {
            rc = cs_err(CSRO_EFORMAT, "%s: member %zu layer %u: sizes out of range", path, im, i);
            break;
        }
        switch (type) {
        case CSRO_LAYER_CONV1D: rc = csro_net_add_conv1d(n, (size_t)a, (size_t)k, (int)pad); break;
        case CSRO_LAYER_RELU: rc = csro_net_add_relu(n); break;
        case CSRO_LAYER_DROPOUT: rc = csro_net_add_dropout(n, rate); break;
        case CSRO_LAYER_MAXPOOL1D: rc = csro_net_add_maxpool1d_padded(n, (size_t)a, (int)pad); break;
        case CSRO_LAYER_FLATTEN: rc = csro_net_add_flatten(n); break;
        case CSRO_LAYER_DENSE: rc = csro_net_add_dense(n, (size_t)a); break;
        case CSRO_LAYER_SOFTMAX: rc = csro_net_add_softmax(n); break;
        default: rc = cs_err(CSRO_EFORMAT, "%s: member %zu layer %u: unknown type %u", path, im, i, type);
        }
        if (rc) {
            char why[512];
            snprintf(why, sizeof why, "%s", csro_last_error());
            rc = cs_err(CSRO_EFORMAT, "%s: member %zu layer %u: %s", path, im, i, why);
        }
    }
    uint64_t np = cs_cur_u64(c);
    if (!rc && c->bad) rc = cs_err(CSRO_EFORMAT, "%s: truncated header (member %zu)", path, im);
    if (!rc && np != n->nparams)
        rc = cs_err(CSRO_EFORMAT, "%s: member %zu: header says %llu parameters, its layers have %zu", path, im,
                    (unsigned long long)np, n->nparams);
    if (rc) { csro_net_free(n); return rc; }
    *out = n;
    return 0;
}

/* Member im's parameters from the payload. The buffer grows with the bytes
 * actually read (at most twice them), so a header that promises more
 * parameters than the file holds costs no memory up front. */
static int read_params(cs_cr *r, csro_net *n, const char *path, size_t im)
{
    unsigned char tmp[4096];
    size_t cap = 0;
    float *p = NULL;
    for (size_t k = 0; k < n->nparams;) {
        size_t m = n->nparams - k < sizeof tmp / 4 ? n->nparams - k : sizeof tmp / 4;
        if (k + m > cap) {
            size_t c = cap ? 2 * cap : 65536;
            if (c > n->nparams) c = n->nparams;
            float *q = realloc(p, c * sizeof *q);
            if (!q) { free(p); return cs_err(CSRO_ENOMEM, "%s: member %zu: out of memory", path, im); }
            p = q;
            cap = c;
        }
        int rc = cs_cr_read(r, tmp, 4 * m);
        if (rc) { free(p); return rc; }
        for (size_t q = 0; q < m; q++, k++) p[k] = cs_u2f(cs_rd_le32(tmp + 4 * q));
    }
    free(n->params);
    n->params = p;
    n->shape_only = 0;
    return 0;
}

static int load_body(csro_ensemble **out, cs_cr *r, cs_cur *c, const char *path)
{
    uint32_t nc = cs_cur_u32(c);
    if (c->bad || nc < 1 || nc > 1u << 20)
        return cs_err(CSRO_EFORMAT, "%s: bad class count", path);
    csro_ensemble *e;
    int rc = csro_ensemble_new(&e, nc);
    if (rc) return rc;
    for (uint32_t i = 0; i < nc && !rc; i++) {
        char *s = cs_cur_str(c);
        if (!s) { rc = cs_err(CSRO_EFORMAT, "%s: truncated header (class names)", path); break; }
        if (*s) e->classes[i] = s;
        else free(s);
    }
    uint32_t nm = rc ? 0 : cs_cur_u32(c);
    if (!rc && (c->bad || nm < 1 || nm > 1u << 16)) rc = cs_err(CSRO_EFORMAT, "%s: bad member count", path);
    csro_net **nets = rc ? NULL : calloc(nm, sizeof *nets);
    if (!rc && !nets) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (uint32_t i = 0; i < nm && !rc; i++) {
        if ((rc = get_arch(c, &nets[i], path, i))) break;
        if (csro_net_output_size(nets[i]) != nc || csro_net_input_size(nets[i]) != csro_net_input_size(nets[0]))
            rc = cs_err(CSRO_EFORMAT, "%s: member %u: its shape does not fit the ensemble", path, i);
    }
    uint32_t nt = rc ? 0 : cs_cur_u32(c);
    if (!rc && (c->bad || nt > 1u << 20)) rc = cs_err(CSRO_EFORMAT, "%s: truncated header (texts)", path);
    for (uint32_t i = 0; i < nt && !rc; i++) {
        char *k = cs_cur_str(c), *v = cs_cur_str(c);
        if (!k || !v) rc = cs_err(CSRO_EFORMAT, "%s: truncated header (texts)", path);
        else rc = csro_ensemble_set_text(e, k, v);
        free(k); free(v);
    }
    if (!rc) rc = cs_ens_contract_get(c, &e->contract, path);
    if (!rc && c->off != c->n) rc = cs_err(CSRO_EFORMAT, "%s: %zu unexpected bytes at the end of the header", path, c->n - c->off);
    for (uint32_t i = 0; i < nm && !rc; i++)
        if (!(rc = read_params(r, nets[i], path, i))) rc = csro_ensemble_add(e, nets[i]);
    if (!rc) {
        int end = cs_cr_at_end(r);
        if (end < 0) rc = end;
        else if (end == 0) rc = cs_err(CSRO_EFORMAT, "%s: unexpected data after the last member's parameters", path);
    }
    for (uint32_t i = 0; nets && i < nm; i++) csro_net_free(nets[i]);
    free(nets);
    if (rc) { csro_ensemble_free(e); return rc; }
    *out = e;
    return 0;
}

int csro_ensemble_load(csro_ensemble **out, const char *path)
{
    *out = NULL;
    if (!path) return cs_err(CSRO_EINVAL, "ensemble_load: NULL path");
    cs_cr *r;
    uint32_t version, hlen;
    void *hdr;
    int rc = cs_cr_open(&r, path, CSRONET_MAGIC, &version, &hdr, &hlen);
    if (rc) return rc;
    if (version != CSRONET_VERSION) {
        free(hdr);
        cs_cr_close(r);
        return cs_err(CSRO_EUNSUPPORTED, "%s: .csronet version %u (this library reads version %u)", path,
                      version, CSRONET_VERSION);
    }
    cs_cur c = { hdr, hlen, 0, 0 };
    rc = load_body(out, r, &c, path);
    free(hdr);
    cs_cr_close(r);
    return rc;
}
