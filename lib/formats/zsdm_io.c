/* zsdm_io.c: streaming writer and reader of .zsdm files (rows in the
 * chunked container; layout in man/man5/csro-zsdm.5). */
#include "base/internal.h"
#include "zsdm_impl.h"
#include <math.h>
#include <stdlib.h>

#define ROWS_PER_BLOCK 256 /* rows encoded per container write */

struct csro_zsdm_writer {
    cs_cw *cw;
    csro_zsdm_meta *meta;
    char *path;
    size_t row_bytes;
    uint64_t nrows, nvox; /* rows written; grid voxel count (0 = no grid) */
    unsigned char *buf;   /* ROWS_PER_BLOCK rows */
};

struct csro_zsdm_reader {
    cs_cr *cr;
    csro_zsdm_meta *meta;
    size_t row_bytes;
    uint64_t nrows, nvox;
    unsigned char *buf;
};

static char *dup_path(const char *p)
{
    size_t n = strlen(p);
    char *d = malloc(n + 1);
    if (d) memcpy(d, p, n + 1);
    return d;
}

int csro_zsdm_writer_open(csro_zsdm_writer **out, const char *path, const csro_zsdm_meta *m)
{
    *out = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "zsdm: empty output path");
    if (!m || !m->has_bins || !m->nbins) return cs_err(CSRO_EINVAL, "%s: metadata has no bins (set SDM options first)", path);
    csro_zsdm_writer *w = calloc(1, sizeof *w);
    if (!w) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    w->meta = csro_zsdm_meta_clone(m);
    w->path = dup_path(path);
    w->row_bytes = cs_zsdm_row_bytes(m);
    w->buf = malloc(w->row_bytes * ROWS_PER_BLOCK);
    if (!w->meta || !w->path || !w->buf) { csro_zsdm_writer_abort(w); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    w->nvox = m->grid ? csro_grid_count(m->grid) : 0;
    cs_buf b = {0};
    cs_zsdm_meta_encode(m, &b);
    if (b.oom) { free(b.p); csro_zsdm_writer_abort(w); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    int rc = cs_cw_open(&w->cw, path, CS_ZSDM_MAGIC, CS_ZSDM_VERSION, b.p, (uint32_t)b.n);
    free(b.p);
    if (!rc) rc = cs_cw_set(w->cw, 0, 0);
    if (rc) { csro_zsdm_writer_abort(w); return rc; }
    *out = w;
    return 0;
}

int csro_zsdm_writer_set_compression(csro_zsdm_writer *w, int level, int threads)
{
    if (!w) return cs_err(CSRO_EINVAL, "csro_zsdm_writer_set_compression: NULL writer");
    return cs_cw_set(w->cw, level < 0 ? CS_CW_LEVEL_AUTO : level, threads);
}

/* Check one row against the metadata; message names the output path. */
static int check_row(const csro_zsdm_writer *w, uint64_t row, const float *prof, uint64_t idx,
                     int32_t lab, uint32_t fl, const float *par)
{
    const csro_zsdm_meta *m = w->meta;
    int bad = 0;
    for (size_t k = 0; k < m->nbins; k++) bad |= !isfinite(prof[k]);
    for (size_t k = 0; bad && k < m->nbins; k++)
        if (!isfinite(prof[k]))
            return cs_err(CSRO_EINVAL, "%s: row %llu: profile value %zu is not finite", w->path,
                          (unsigned long long)row, k);
    for (size_t k = 0; k < m->nparams; k++)
        if (!isfinite(par[k]))
            return cs_err(CSRO_EINVAL, "%s: row %llu: parameter '%s' is not finite", w->path,
                          (unsigned long long)row, m->params[k]);
    if (lab < -1 || (lab >= 0 && (size_t)lab >= m->nclasses))
        return cs_err(CSRO_EINVAL, "%s: row %llu: label %d outside the %zu classes", w->path,
                      (unsigned long long)row, (int)lab, m->nclasses);
    if (fl & ~(uint32_t)CSRO_ROW_NODATA)
        return cs_err(CSRO_EINVAL, "%s: row %llu: unknown flags 0x%x", w->path, (unsigned long long)row, (unsigned)fl);
    if (w->nvox && idx >= w->nvox)
        return cs_err(CSRO_EINVAL, "%s: row %llu: voxel index %llu beyond the grid (%llu voxels)", w->path,
                      (unsigned long long)row, (unsigned long long)idx, (unsigned long long)w->nvox);
    return 0;
}

int csro_zsdm_writer_write(csro_zsdm_writer *w, size_t n, const float *profiles,
                           const uint64_t *index, const int32_t *label,
                           const uint32_t *flags, const float *params)
{
    if (!n) return 0;
    if (!profiles) return cs_err(CSRO_EINVAL, "%s: no profiles given", w->path);
    const size_t nb = w->meta->nbins, np = w->meta->nparams;
    static const float zero_params[1] = {0};
    float *zp = NULL;
    if (!params && np) {
        if (!(zp = calloc(np, sizeof *zp))) return cs_err(CSRO_ENOMEM, "%s: out of memory", w->path);
    }
    int rc = 0;
    size_t done = 0;
    while (done < n && !rc) {
        size_t k = n - done < ROWS_PER_BLOCK ? n - done : ROWS_PER_BLOCK;
        unsigned char *p = w->buf;
        for (size_t r = done; r < done + k; r++) {
            const float *prof = profiles + r * nb;
            const float *par = params ? params + r * np : (zp ? zp : zero_params);
            uint64_t idx = index ? index[r] : w->nrows + r;
            int32_t lab = label ? label[r] : -1;
            uint32_t fl = flags ? flags[r] : 0;
            if ((rc = check_row(w, w->nrows + r, prof, idx, lab, fl, par))) break;
            cs_wr_le64(p, idx);
            cs_wr_le32(p + 8, (uint32_t)lab);
            cs_wr_le32(p + 12, fl);
            p += 16;
            for (size_t j = 0; j < np; j++, p += 4) cs_wr_le32(p, cs_f2u(par[j]));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            memcpy(p, prof, nb * 4); /* already little-endian float32 */
            p += nb * 4;
#else
            for (size_t j = 0; j < nb; j++, p += 4) cs_wr_le32(p, cs_f2u(prof[j]));
#endif
        }
        if (rc) break;
        if ((rc = cs_cw_write(w->cw, w->buf, k * w->row_bytes))) break;
        done += k;
    }
    w->nrows += done;
    free(zp);
    return rc;
}

static void writer_free(csro_zsdm_writer *w)
{
    csro_zsdm_meta_free(w->meta);
    free(w->path);
    free(w->buf);
    free(w);
}

int csro_zsdm_writer_close(csro_zsdm_writer *w)
{
    if (!w) return 0;
    int rc = cs_cw_close(w->cw);
    writer_free(w);
    return rc;
}

void csro_zsdm_writer_abort(csro_zsdm_writer *w)
{
    if (!w) return;
    cs_cw_abort(w->cw);
    writer_free(w);
}

int csro_zsdm_reader_open(csro_zsdm_reader **out, const char *path)
{
    *out = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "zsdm: empty input path");
    csro_zsdm_reader *r = calloc(1, sizeof *r);
    if (!r) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    uint32_t version, hl;
    void *hdr;
    int rc = cs_cr_open(&r->cr, path, CS_ZSDM_MAGIC, &version, &hdr, &hl);
    if (rc) { free(r); return rc; }
    if (version != CS_ZSDM_VERSION) {
        free(hdr);
        csro_zsdm_reader_close(r);
        return cs_err(CSRO_EUNSUPPORTED, "%s: .zsdm version %u is not supported (this library reads %u)",
                      path, version, CS_ZSDM_VERSION);
    }
    rc = cs_zsdm_meta_decode(&r->meta, hdr, hl, path);
    free(hdr);
    if (rc) { csro_zsdm_reader_close(r); return rc; }
    r->row_bytes = cs_zsdm_row_bytes(r->meta);
    r->nvox = r->meta->grid ? csro_grid_count(r->meta->grid) : 0;
    if (!(r->buf = malloc(r->row_bytes))) {
        csro_zsdm_reader_close(r);
        return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    }
    *out = r;
    return 0;
}

const csro_zsdm_meta *csro_zsdm_reader_meta(const csro_zsdm_reader *r) { return r->meta; }

/* Decode and validate one row. */
static int decode_row(csro_zsdm_reader *r, const unsigned char *p, size_t o, float *profiles,
                      uint64_t *index, int32_t *label, uint32_t *flags, float *params)
{
    const csro_zsdm_meta *m = r->meta;
    const char *path = cs_cr_path(r->cr);
    const size_t nb = m->nbins, np = m->nparams;
    unsigned long long row = (unsigned long long)r->nrows;
    uint64_t idx = cs_rd_le64(p);
    int32_t lab = (int32_t)cs_rd_le32(p + 8);
    uint32_t fl = cs_rd_le32(p + 12);
    if (lab < -1 || (lab >= 0 && (size_t)lab >= m->nclasses))
        return cs_err(CSRO_EFORMAT, "%s: row %llu: label %d outside the %zu classes", path, row, (int)lab, m->nclasses);
    if (fl & ~(uint32_t)CSRO_ROW_NODATA)
        return cs_err(CSRO_EFORMAT, "%s: row %llu: unknown flags 0x%x", path, row, (unsigned)fl);
    if (r->nvox && idx >= r->nvox)
        return cs_err(CSRO_EFORMAT, "%s: row %llu: voxel index %llu beyond the grid (%llu voxels)", path, row,
                      (unsigned long long)idx, (unsigned long long)r->nvox);
    const unsigned char *q = p + 16;
    for (size_t j = 0; j < np; j++, q += 4) {
        float v = cs_u2f(cs_rd_le32(q));
        if (!isfinite(v))
            return cs_err(CSRO_EFORMAT, "%s: row %llu: parameter '%s' is not finite", path, row, m->params[j]);
        if (params) params[o * np + j] = v;
    }
    for (size_t j = 0; j < nb; j++, q += 4) {
        float v = cs_u2f(cs_rd_le32(q));
        if (!isfinite(v))
            return cs_err(CSRO_EFORMAT, "%s: row %llu: profile value %zu is not finite", path, row, j);
        if (profiles) profiles[o * nb + j] = v;
    }
    if (index) index[o] = idx;
    if (label) label[o] = lab;
    if (flags) flags[o] = fl;
    return 0;
}

int csro_zsdm_reader_read(csro_zsdm_reader *r, size_t max, float *profiles,
                          uint64_t *index, int32_t *label, uint32_t *flags,
                          float *params, size_t *nread)
{
    *nread = 0;
    for (size_t got = 0; got < max; got++) {
        int rc = cs_cr_at_end(r->cr);
        if (rc < 0) return rc;
        if (rc == 1) break;
        if ((rc = cs_cr_read(r->cr, r->buf, r->row_bytes))) return rc;
        if ((rc = decode_row(r, r->buf, got, profiles, index, label, flags, params))) return rc;
        r->nrows++;
        *nread = got + 1;
    }
    return 0;
}

void csro_zsdm_reader_close(csro_zsdm_reader *r)
{
    if (!r) return;
    cs_cr_close(r->cr);
    csro_zsdm_meta_free(r->meta);
    free(r->buf);
    free(r);
}
