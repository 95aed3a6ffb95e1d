/* tiffmem.c: see tiffmem_impl.h. */
#include "internal.h"
#include "tiffmem_impl.h"
#include <stdlib.h>

struct cs_tiffmem {
    unsigned char *p;
    size_t n, cap, pos;
    int oom;
    char err[256];
};

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t size)
{
    cs_tiffmem *b = h;
    size_t avail = b->pos < b->n ? b->n - b->pos : 0, k = (size_t)size < avail ? (size_t)size : avail;
    memcpy(buf, b->p + b->pos, k);
    b->pos += k;
    return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t size)
{
    cs_tiffmem *b = h;
    size_t end = b->pos + (size_t)size;
    if (end > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < end) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return -1; }
        b->p = q;
        b->cap = cap;
    }
    if (b->pos > b->n) memset(b->p + b->n, 0, b->pos - b->n);
    memcpy(b->p + b->pos, buf, (size_t)size);
    b->pos = end;
    if (end > b->n) b->n = end;
    return size;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    cs_tiffmem *b = h;
    uint64_t base = whence == SEEK_CUR ? b->pos : whence == SEEK_END ? b->n : 0;
    b->pos = (size_t)(base + off);
    return (toff_t)b->pos;
}

static int mem_close(thandle_t h) { (void)h; return 0; }
static toff_t mem_size(thandle_t h) { return (toff_t)((cs_tiffmem *)h)->n; }
static int mem_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void mem_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)module;
    cs_tiffmem *b = user;
    if (!b->err[0]) vsnprintf(b->err, sizeof b->err, fmt, ap);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

TIFF *cs_tiffmem_open(cs_tiffmem **mp, const char *path, int big)
{
    *mp = NULL;
    cs_tiffmem *b = calloc(1, sizeof *b);
    TIFFOpenOptions *opts = b ? TIFFOpenOptionsAlloc() : NULL;
    if (!opts) { free(b); cs_err(CSRO_ENOMEM, "%s: out of memory", path); return NULL; }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, b);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, b);
    TIFF *tif = TIFFClientOpenExt(path, big ? "w8" : "w", (thandle_t)b, mem_read, mem_write, mem_seek,
                                  mem_close, mem_size, mem_map, mem_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        cs_err(CSRO_EIO, "%s: libtiff: %s", path, b->err[0] ? b->err : "cannot start a TIFF");
        free(b);
        return NULL;
    }
    *mp = b;
    return tif;
}

const char *cs_tiffmem_error(const cs_tiffmem *m) { return m->err; }

int cs_tiffmem_finish(cs_tiffmem *b, TIFF *tif, const char *path, int rc)
{
    TIFFClose(tif);
    if (!rc && b->oom) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    if (!rc && b->err[0]) rc = cs_err(CSRO_EIO, "%s: libtiff: %s", path, b->err);
    if (!rc) {
        cs_out *o;
        rc = cs_out_open(&o, path);
        if (!rc) {
            if (fwrite(b->p, 1, b->n, cs_out_fp(o)) != b->n) {
                rc = cs_err_errno(CSRO_EIO, "%s: write error", path);
                cs_out_abort(o);
            } else rc = cs_out_commit(o);
        }
    }
    free(b->p);
    free(b);
    return rc;
}
