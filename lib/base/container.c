/* container.c: the chunked, zlib-compressed, checksummed container shared by
 * the .zsdm, .prob and .csronet formats (layout in internal.h and
 * man/man5/csro-formats.5). */
#include "internal.h"
#include <stdlib.h>
#include <zlib.h>

#define CS_CHUNK (1u << 20) /* raw bytes per chunk */

struct cs_cw {
    cs_out *out;
    unsigned char *raw, *comp;
    size_t nraw;
    uLong crc_all;
    uint64_t total;
};

static int cw_emit(cs_cw *w)
{
    if (!w->nraw) return 0;
    uLongf clen = compressBound(CS_CHUNK);
    /* level 1: profiles compress nearly as well as at 6, 3-4x faster */
    if (compress2(w->comp, &clen, w->raw, w->nraw, 1) != Z_OK)
        return cs_err(CSRO_ENOMEM, "%s: compression failed", cs_out_path(w->out));
    unsigned char h[12];
    cs_wr_le32(h, (uint32_t)w->nraw);
    cs_wr_le32(h + 4, (uint32_t)clen);
    uLong crc = crc32(0L, w->raw, (uInt)w->nraw);
    cs_wr_le32(h + 8, (uint32_t)crc);
    FILE *fp = cs_out_fp(w->out);
    if (fwrite(h, 1, 12, fp) != 12 || fwrite(w->comp, 1, clen, fp) != clen)
        return cs_err_errno(CSRO_EIO, "%s: write error", cs_out_path(w->out));
    w->crc_all = crc32_combine(w->crc_all, crc, (z_off_t)w->nraw);
    w->total += w->nraw;
    w->nraw = 0;
    return 0;
}

int cs_cw_open(cs_cw **wp, const char *path, const char magic[8], uint32_t version,
               const void *header, uint32_t header_len)
{
    *wp = NULL;
    cs_cw *w = calloc(1, sizeof *w);
    if (!w) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    w->raw = malloc(CS_CHUNK);
    w->comp = malloc(compressBound(CS_CHUNK));
    w->crc_all = crc32(0L, Z_NULL, 0);
    if (!w->raw || !w->comp) { free(w->raw); free(w->comp); free(w); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    int rc = cs_out_open(&w->out, path);
    if (rc) { free(w->raw); free(w->comp); free(w); return rc; }
    unsigned char h[8];
    FILE *fp = cs_out_fp(w->out);
    cs_wr_le32(h, version);
    cs_wr_le32(h + 4, header_len);
    unsigned char c[4];
    cs_wr_le32(c, (uint32_t)crc32(0L, header, header_len));
    if (fwrite(magic, 1, 8, fp) != 8 || fwrite(h, 1, 8, fp) != 8 ||
        (header_len && fwrite(header, 1, header_len, fp) != header_len) || fwrite(c, 1, 4, fp) != 4) {
        rc = cs_err_errno(CSRO_EIO, "%s: write error", path);
        cs_cw_abort(w);
        return rc;
    }
    *wp = w;
    return 0;
}

int cs_cw_write(cs_cw *w, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        size_t k = CS_CHUNK - w->nraw;
        if (k > n) k = n;
        memcpy(w->raw + w->nraw, p, k);
        w->nraw += k; p += k; n -= k;
        if (w->nraw == CS_CHUNK) {
            int rc = cw_emit(w);
            if (rc) return rc;
        }
    }
    return 0;
}

int cs_cw_close(cs_cw *w)
{
    int rc = cw_emit(w);
    if (!rc) {
        unsigned char e[20];
        cs_wr_le32(e, 0);
        cs_wr_le32(e + 4, 0);
        cs_wr_le32(e + 8, (uint32_t)w->crc_all);
        cs_wr_le64(e + 12, w->total);
        if (fwrite(e, 1, 20, cs_out_fp(w->out)) != 20)
            rc = cs_err_errno(CSRO_EIO, "%s: write error", cs_out_path(w->out));
    }
    if (rc) cs_out_abort(w->out);
    else rc = cs_out_commit(w->out);
    free(w->raw); free(w->comp); free(w);
    return rc;
}

void cs_cw_abort(cs_cw *w)
{
    if (!w) return;
    cs_out_abort(w->out);
    free(w->raw); free(w->comp); free(w);
}

struct cs_cr {
    FILE *fp;
    char *path;
    unsigned char *raw, *comp;
    size_t nraw, pos;
    uLong crc_all;
    uint64_t total;
    int ended;
};

static int cr_fread(cs_cr *r, void *buf, size_t n, const char *what)
{
    if (fread(buf, 1, n, r->fp) != n) {
        if (ferror(r->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", r->path);
        return cs_err(CSRO_EFORMAT, "%s: truncated file (in %s)", r->path, what);
    }
    return 0;
}

int cs_cr_open(cs_cr **rp, const char *path, const char magic[8], uint32_t *version,
               void **header, uint32_t *header_len)
{
    *rp = NULL;
    *header = NULL;
    cs_cr *r = calloc(1, sizeof *r);
    if (!r) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    r->path = strdup(path);
    r->raw = malloc(CS_CHUNK);
    r->comp = malloc(compressBound(CS_CHUNK));
    r->crc_all = crc32(0L, Z_NULL, 0);
    if (!r->path || !r->raw || !r->comp) { cs_cr_close(r); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    int rc = cs_in_open(&r->fp, path);
    if (rc) { cs_cr_close(r); return rc; }
    unsigned char h[16];
    size_t got = fread(h, 1, 16, r->fp);
    if (got == 0) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: empty file", path); }
    if (got < 8 || memcmp(h, magic, 8) != 0) {
        cs_cr_close(r);
        return cs_err(CSRO_EFORMAT, "%s: not a %.7s file (bad magic)", path, magic);
    }
    if (got < 16) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: truncated file (in header)", path); }
    *version = cs_rd_le32(h + 8);
    uint32_t hl = cs_rd_le32(h + 12);
    if (hl > (64u << 20)) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: header length %u is implausible", path, hl); }
    unsigned char *hd = malloc(hl ? hl : 1), c[4];
    if (!hd) { cs_cr_close(r); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    if ((rc = cr_fread(r, hd, hl, "header")) || (rc = cr_fread(r, c, 4, "header"))) { free(hd); cs_cr_close(r); return rc; }
    if ((uint32_t)crc32(0L, hd, hl) != cs_rd_le32(c)) {
        free(hd); cs_cr_close(r);
        return cs_err(CSRO_ECHECKSUM, "%s: header checksum mismatch (corrupted file)", path);
    }
    *header = hd;
    *header_len = hl;
    *rp = r;
    return 0;
}

/* Load the next chunk; sets ended at the end record. */
static int cr_next(cs_cr *r)
{
    unsigned char h[12];
    int rc = cr_fread(r, h, 12, "chunk header");
    if (rc) return rc;
    uint32_t rl = cs_rd_le32(h), cl = cs_rd_le32(h + 4), crc = cs_rd_le32(h + 8);
    if (rl == 0 && cl == 0) {
        unsigned char t[8];
        if ((rc = cr_fread(r, t, 8, "end record"))) return rc;
        if ((uint32_t)r->crc_all != crc || cs_rd_le64(t) != r->total)
            return cs_err(CSRO_ECHECKSUM, "%s: payload checksum mismatch (corrupted file)", r->path);
        /* the end record ends the file (csro-formats(5)) */
        if (getc(r->fp) != EOF)
            return cs_err(CSRO_EFORMAT, "%s: bytes after the end record (corrupted or concatenated file)", r->path);
        if (ferror(r->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", r->path);
        r->ended = 1;
        return 0;
    }
    if (rl > CS_CHUNK || cl > compressBound(CS_CHUNK) || rl == 0)
        return cs_err(CSRO_EFORMAT, "%s: corrupted chunk header", r->path);
    if ((rc = cr_fread(r, r->comp, cl, "chunk"))) return rc;
    uLongf dl = CS_CHUNK;
    if (uncompress(r->raw, &dl, r->comp, cl) != Z_OK || dl != rl)
        return cs_err(CSRO_ECHECKSUM, "%s: corrupted chunk (decompression failed)", r->path);
    if ((uint32_t)crc32(0L, r->raw, rl) != crc)
        return cs_err(CSRO_ECHECKSUM, "%s: chunk checksum mismatch (corrupted file)", r->path);
    r->crc_all = crc32_combine(r->crc_all, crc, (z_off_t)rl);
    r->total += rl;
    r->nraw = rl;
    r->pos = 0;
    return 0;
}

int cs_cr_read(cs_cr *r, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        if (r->pos == r->nraw) {
            if (r->ended) return cs_err(CSRO_EFORMAT, "%s: payload ends early (truncated file)", r->path);
            int rc = cr_next(r);
            if (rc) return rc;
            continue;
        }
        size_t k = r->nraw - r->pos;
        if (k > n) k = n;
        memcpy(p, r->raw + r->pos, k);
        r->pos += k; p += k; n -= k;
    }
    return 0;
}

int cs_cr_at_end(cs_cr *r)
{
    while (r->pos == r->nraw && !r->ended) {
        int rc = cr_next(r);
        if (rc) return rc;
    }
    return r->pos == r->nraw && r->ended;
}

void cs_cr_close(cs_cr *r)
{
    if (!r) return;
    cs_in_close(r->fp);
    free(r->path); free(r->raw); free(r->comp); free(r);
}

const char *cs_cr_path(const cs_cr *r) { return r->path; }
