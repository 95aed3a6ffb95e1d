/* recon_pos.c: POS reader (big-endian float32 x, y, z, m; 16-byte
 * records) and the block reader of big-endian 32-bit word records shared
 * with EPOS. Data are read in fixed-size blocks and converted straight into
 * the final column arrays, sized once from the file size. */
#include "recon_impl.h"
#include <stdlib.h>

#define BLOCK_BYTES (4u << 20)

static inline uint32_t ld_be32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return v;
#else
    return __builtin_bswap32(v);
#endif
}

static void free_cols(uint32_t **cols, unsigned k)
{
    for (unsigned c = 0; c < k; c++) { free(cols[c]); cols[c] = NULL; }
}

static int grow_cols(uint32_t **cols, unsigned k, size_t cap)
{
    for (unsigned c = 0; c < k; c++) {
        uint32_t *p = realloc(cols[c], (cap ? cap : 1) * sizeof *p);
        if (!p) return -1;
        cols[c] = p;
        cs_advise_huge(p, cap * sizeof *p);
    }
    return 0;
}

int cs_recon_read_be_words(cs_rin *in, const csro_load_opts *o, unsigned k, const char *what,
                           uint32_t **cols, size_t *nout)
{
    const size_t rec = 4u * k;
    size_t n = 0, cap = 0;
    *nout = 0;
    for (unsigned c = 0; c < k; c++) cols[c] = NULL;
    if (in->size_known) {
        if (in->size % rec)
            return cs_err(CSRO_EFORMAT, "%s: size %llu is not a multiple of %zu bytes (%s records): truncated, or not a %s file",
                          in->path, (unsigned long long)in->size, rec, what, what);
        if (in->size / rec > SIZE_MAX / 4)
            return cs_err(CSRO_ENOMEM, "%s: too many records", in->path);
        cap = (size_t)(in->size / rec);
    }
    size_t blk = BLOCK_BYTES / rec * rec;
    if (o->meta_only && in->size_known) {
        /* still sniff the first bytes */
        unsigned char head[4096];
        size_t got = cs_rin_read(in, head, in->size < sizeof head ? (size_t)in->size : sizeof head);
        if (o->sniff && cs_looks_text(head, got))
            return cs_err(CSRO_EFORMAT, "%s: looks like a text file, not a %s file", in->path, what);
        *nout = cap;
        return 0;
    }
    if (cap && grow_cols(cols, k, cap)) {
        free_cols(cols, k);
        return cs_err(CSRO_ENOMEM, "%s: out of memory for %zu ions", in->path, cap);
    }
    unsigned char *buf = malloc(blk);
    if (!buf) { free_cols(cols, k); return cs_err(CSRO_ENOMEM, "%s: out of memory", in->path); }
    int rc = 0, first = 1;
    for (;;) {
        size_t got = cs_rin_read(in, buf, blk);
        if (in->ioerr) { rc = cs_rin_short(in, "record"); break; }
        if (first && got && o->sniff && cs_looks_text(buf, got < 4096 ? got : 4096)) {
            rc = cs_err(CSRO_EFORMAT, "%s: looks like a text file, not a %s file", in->path, what);
            break;
        }
        first = 0;
        if (!got) break;
        if (got % rec) {
            rc = cs_err(CSRO_EFORMAT, "%s: size %llu is not a multiple of %zu bytes (%s records): truncated, or not a %s file",
                        in->path, (unsigned long long)in->pos, rec, what, what);
            break;
        }
        size_t nr = got / rec;
        if (n + nr > cs_recon_max_ions(o, in)) { rc = cs_recon_too_many(in, cs_recon_max_ions(o, in)); break; }
        if (n + nr > cap) {
            if (in->size_known) { rc = cs_err(CSRO_EIO, "%s: file grew while reading", in->path); break; }
            size_t nc = cap ? cap + cap / 2 : (1u << 16);
            while (nc < n + nr) nc += nc / 2;
            if (grow_cols(cols, k, nc)) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", in->path); break; }
            cap = nc;
        }
        if (k == 4) {
            uint32_t *c0 = cols[0] + n, *c1 = cols[1] + n, *c2 = cols[2] + n, *c3 = cols[3] + n;
            for (size_t j = 0; j < nr; j++) {
                const unsigned char *p = buf + 16 * j;
                c0[j] = ld_be32(p);
                c1[j] = ld_be32(p + 4);
                c2[j] = ld_be32(p + 8);
                c3[j] = ld_be32(p + 12);
            }
        } else {
            for (size_t j = 0; j < nr; j++) {
                const unsigned char *p = buf + rec * j;
                for (unsigned c = 0; c < k; c++) cols[c][n + j] = ld_be32(p + 4 * c);
            }
        }
        n += nr;
        if ((rc = cs_rin_progress(in))) break;
        if (got < blk) break;
    }
    free(buf);
    if (!rc && in->size_known && n != cap)
        rc = cs_err(CSRO_EIO, "%s: file shrank while reading (%zu of %zu records)", in->path, n, cap);
    if (!rc && !n) rc = cs_err(CSRO_EFORMAT, "%s: empty input", in->path);
    if (!rc && n < cap) grow_cols(cols, k, n); /* shrink; failure keeps the larger block */
    if (rc) { free_cols(cols, k); return rc; }
    *nout = n;
    return 0;
}

int cs_recon_read_pos(csro_recon *r, cs_rin *in, const csro_load_opts *o)
{
    uint32_t *cols[4];
    size_t n;
    int rc = cs_recon_read_be_words(in, o, 4, "POS", cols, &n);
    if (rc) return rc;
    r->n = n;
    r->x = (float *)cols[0];
    r->y = (float *)cols[1];
    r->z = (float *)cols[2];
    r->m = (float *)cols[3];
    return 0;
}
