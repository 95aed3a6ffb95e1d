/* prob.c: the .prob file (csro-prob(5)): per-voxel class probabilities in
 * the chunked container. The header is the .zsdm metadata codec (grid, pair,
 * bins, preprocessing, class names, provenance); rows are
 * u64 index | u32 flags | nclasses f32 means | nclasses f32 std, all
 * little-endian. */
#include "prob_impl.h"
#include "zsdm_impl.h"
#include <math.h>
#include <stdlib.h>

#define ROWS_PER_BLOCK 4096

struct csro_prob_writer {
    cs_cw *cw;
    size_t nc;
    uint64_t nrows;
    unsigned char *buf;  /* ROWS_PER_BLOCK packed rows */
};

struct csro_prob_reader {
    cs_cr *cr;
    csro_zsdm_meta *meta;
    size_t nc;
    uint64_t nrows;
    unsigned char *row;
};

int csro_prob_writer_open(csro_prob_writer **out, const char *path, const csro_zsdm_meta *m)
{
    if (!out) return cs_err(CSRO_EINVAL, "csro_prob_writer_open: out is NULL");
    *out = NULL;
    if (!path || !m) return cs_err(CSRO_EINVAL, "csro_prob_writer_open: NULL path or metadata");
    size_t nc = csro_zsdm_meta_nclasses(m);
    if (nc == 0)
        return cs_err(CSRO_EINVAL, "%s: metadata has no class names (add the model's classes)", path);
    if (nc > CS_ZSDM_MAX_CLASSES)
        return cs_err(CSRO_EINVAL, "%s: %zu classes is too many", path, nc);
    csro_prob_writer *w = calloc(1, sizeof *w);
    if (w) w->buf = malloc(ROWS_PER_BLOCK * CS_PROB_ROW_BYTES(nc));
    if (!w || !w->buf) { if (w) free(w); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    w->nc = nc;
    cs_buf b = { 0 };
    cs_zsdm_meta_encode(m, &b);
    int rc;
    if (b.oom) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    else if (b.n > UINT32_MAX) rc = cs_err(CSRO_EINVAL, "%s: metadata too large", path);
    else rc = cs_cw_open(&w->cw, path, CS_PROB_MAGIC, CS_PROB_VERSION, b.p, (uint32_t)b.n);
    free(b.p);
    if (rc) { free(w->buf); free(w); return rc; }
    *out = w;
    return 0;
}

int csro_prob_writer_set_compression(csro_prob_writer *w, int level, int threads)
{
    if (!w) return cs_err(CSRO_EINVAL, "csro_prob_writer_set_compression: NULL writer");
    return cs_cw_set(w->cw, level < 0 ? CS_CW_LEVEL_AUTO : level, threads);
}

int csro_prob_writer_write(csro_prob_writer *w, size_t n, const uint64_t *index,
                           const uint32_t *flags, const float *mean, const float *std)
{
    if (!w) return cs_err(CSRO_EINVAL, "csro_prob_writer_write: NULL writer");
    if (n && !mean) return cs_err(CSRO_EINVAL, "csro_prob_writer_write: mean is NULL");
    size_t nc = w->nc, rb = CS_PROB_ROW_BYTES(nc);
    for (size_t i0 = 0; i0 < n; i0 += ROWS_PER_BLOCK) {
        size_t k = n - i0 < ROWS_PER_BLOCK ? n - i0 : ROWS_PER_BLOCK;
        for (size_t r = 0; r < k; r++) {
            size_t i = i0 + r;
            unsigned char *p = w->buf + r * rb;
            uint32_t fl = flags ? flags[i] : 0;
            if (fl & ~CS_PROB_FLAGS_KNOWN)
                return cs_err(CSRO_EINVAL, "csro_prob_writer_write: row %zu: unknown flags 0x%x", i, fl);
            cs_wr_le64(p, index ? index[i] : w->nrows + i);
            cs_wr_le32(p + 8, fl);
            for (size_t c = 0; c < nc; c++) {
                float mv = mean[i * nc + c], sv = std ? std[i * nc + c] : 0.0f;
                if (!isfinite(mv) || !isfinite(sv))
                    return cs_err(CSRO_EINVAL, "csro_prob_writer_write: row %zu: non-finite probability", i);
                cs_wr_le32(p + 12 + 4 * c, cs_f2u(mv));
                cs_wr_le32(p + 12 + 4 * (nc + c), cs_f2u(sv));
            }
        }
        int rc = cs_cw_write(w->cw, w->buf, k * rb);
        if (rc) return rc;
    }
    w->nrows += n;
    return 0;
}

int csro_prob_writer_close(csro_prob_writer *w)
{
    if (!w) return cs_err(CSRO_EINVAL, "csro_prob_writer_close: NULL writer");
    int rc = cs_cw_close(w->cw);
    free(w->buf);
    free(w);
    return rc;
}

void csro_prob_writer_abort(csro_prob_writer *w)
{
    if (!w) return;
    cs_cw_abort(w->cw);
    free(w->buf);
    free(w);
}

int csro_prob_reader_open(csro_prob_reader **out, const char *path)
{
    if (!out) return cs_err(CSRO_EINVAL, "csro_prob_reader_open: out is NULL");
    *out = NULL;
    if (!path) return cs_err(CSRO_EINVAL, "csro_prob_reader_open: path is NULL");
    csro_prob_reader *r = calloc(1, sizeof *r);
    if (!r) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    uint32_t ver, hl;
    void *h;
    int rc = cs_cr_open(&r->cr, path, CS_PROB_MAGIC, &ver, &h, &hl);
    if (rc) { free(r); return rc; }
    if (ver != CS_PROB_VERSION)
        rc = cs_err(CSRO_EUNSUPPORTED, "%s: .prob version %u is not supported (this library reads %u)",
                    path, ver, CS_PROB_VERSION);
    else rc = cs_zsdm_meta_decode(&r->meta, h, hl, path);
    free(h);
    if (!rc && (r->nc = csro_zsdm_meta_nclasses(r->meta)) == 0)
        rc = cs_err(CSRO_EFORMAT, "%s: .prob header names no classes", path);
    if (!rc && !(r->row = malloc(CS_PROB_ROW_BYTES(r->nc))))
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    if (rc) { csro_prob_reader_close(r); return rc; }
    *out = r;
    return 0;
}

const csro_zsdm_meta *csro_prob_reader_meta(const csro_prob_reader *r)
{
    return r ? r->meta : NULL;
}

int csro_prob_reader_read(csro_prob_reader *r, size_t max, uint64_t *index,
                          uint32_t *flags, float *mean, float *std, size_t *nread)
{
    if (nread) *nread = 0;
    if (!r || !nread) return cs_err(CSRO_EINVAL, "csro_prob_reader_read: NULL reader or nread");
    size_t nc = r->nc, rb = CS_PROB_ROW_BYTES(nc), k = 0;
    const char *path = cs_cr_path(r->cr);
    while (k < max) {
        int e = cs_cr_at_end(r->cr);
        if (e < 0) return e;
        if (e) break;
        int rc = cs_cr_read(r->cr, r->row, rb);
        if (rc) return rc;
        const unsigned char *p = r->row;
        uint32_t fl = cs_rd_le32(p + 8);
        if (fl & ~CS_PROB_FLAGS_KNOWN)
            return cs_err(CSRO_EFORMAT, "%s: row %llu: unknown flags 0x%x", path,
                          (unsigned long long)r->nrows, fl);
        if (index) index[k] = cs_rd_le64(p);
        if (flags) flags[k] = fl;
        for (size_t c = 0; c < nc; c++) {
            float mv = cs_u2f(cs_rd_le32(p + 12 + 4 * c));
            float sv = cs_u2f(cs_rd_le32(p + 12 + 4 * (nc + c)));
            if (!isfinite(mv) || !isfinite(sv))
                return cs_err(CSRO_EFORMAT, "%s: row %llu: non-finite probability", path,
                              (unsigned long long)r->nrows);
            if (mean) mean[k * nc + c] = mv;
            if (std) std[k * nc + c] = sv;
        }
        k++;
        r->nrows++;
    }
    *nread = k;
    return 0;
}

void csro_prob_reader_close(csro_prob_reader *r)
{
    if (!r) return;
    cs_cr_close(r->cr);
    csro_zsdm_meta_free(r->meta);
    free(r->row);
    free(r);
}
