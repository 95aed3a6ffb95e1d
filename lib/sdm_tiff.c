/* sdm_tiff.c: SDM images as TIFF (one page per 2D slice, float32 or
 * uint32 samples) through libtiff.
 *
 * libtiff writes into a memory buffer through TIFFClientOpenExt with this
 * call's own error handler (no global libtiff state, nothing printed); the
 * finished bytes then go out through cs_out (temporary file + rename, so a
 * failed write never leaves a partial image; "-" = stdout). */
#include "internal.h"
#include <stdlib.h>
#include <tiffio.h>

typedef struct {
    unsigned char *p;
    size_t n, cap, pos;
    char err[200];
} tbuf;

static tmsize_t t_read(thandle_t h, void *buf, tmsize_t size)
{
    tbuf *b = h;
    size_t avail = b->pos < b->n ? b->n - b->pos : 0, k = (size_t)size < avail ? (size_t)size : avail;
    memcpy(buf, b->p + b->pos, k);
    b->pos += k;
    return (tmsize_t)k;
}

static tmsize_t t_write(thandle_t h, void *buf, tmsize_t size)
{
    tbuf *b = h;
    size_t end = b->pos + (size_t)size;
    if (end > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < end) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) return -1;
        b->p = q;
        b->cap = cap;
    }
    if (b->pos > b->n) memset(b->p + b->n, 0, b->pos - b->n);
    memcpy(b->p + b->pos, buf, (size_t)size);
    b->pos = end;
    if (end > b->n) b->n = end;
    return size;
}

static toff_t t_seek(thandle_t h, toff_t off, int whence)
{
    tbuf *b = h;
    uint64_t base = whence == SEEK_CUR ? b->pos : whence == SEEK_END ? b->n : 0;
    b->pos = (size_t)(base + off);
    return (toff_t)b->pos;
}

static int t_close(thandle_t h) { (void)h; return 0; }
static toff_t t_size(thandle_t h) { return (toff_t)((tbuf *)h)->n; }
static int t_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void t_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static int t_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)module;
    tbuf *b = user;
    if (!b->err[0]) vsnprintf(b->err, sizeof b->err, fmt, ap);
    return 1;
}

static int t_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

int csro_sdm_tiff_write(const char *path, const void *data, int type,
                        size_t width, size_t height, size_t pages)
{
    if (!path || !data) return cs_err(CSRO_EINVAL, "SDM TIFF: path and data are required");
    if (type != CSRO_SDM_TIFF_FLOAT32 && type != CSRO_SDM_TIFF_UINT32)
        return cs_err(CSRO_EINVAL, "%s: unknown TIFF sample type %d", path, type);
    if (!width || !height || !pages || width > 65535 || height > 65535 || pages > 65535)
        return cs_err(CSRO_EINVAL, "%s: image size %zu x %zu x %zu is not supported", path, width, height, pages);
    tbuf b;
    memset(&b, 0, sizeof b);
    TIFFOpenOptions *opt = TIFFOpenOptionsAlloc();
    if (!opt) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    TIFFOpenOptionsSetErrorHandlerExtR(opt, t_error, &b);
    TIFFOpenOptionsSetWarningHandlerExtR(opt, t_warning, &b);
    TIFF *tif = TIFFClientOpenExt(path, pages * width * height * 4 > 0xF0000000u ? "w8" : "w", &b,
                                  t_read, t_write, t_seek, t_close, t_size, t_map, t_unmap, opt);
    TIFFOpenOptionsFree(opt);
    int rc = 0;
    if (!tif) rc = cs_err(CSRO_EIO, "%s: cannot start TIFF: %s", path, b.err[0] ? b.err : "libtiff failed");
    const unsigned char *src = data;
    size_t row = width * 4;
    for (size_t pg = 0; !rc && pg < pages; pg++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, type == CSRO_SDM_TIFF_FLOAT32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)height);
        if (pages > 1) {
            TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
            TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)pg, (uint16_t)pages);
        }
        for (size_t r = 0; !rc && r < height; r++)
            if (TIFFWriteScanline(tif, (void *)(src + (pg * height + r) * row), (uint32_t)r, 0) < 0)
                rc = cs_err(CSRO_EIO, "%s: TIFF page %zu: %s", path, pg, b.err[0] ? b.err : "write failed");
        if (!rc && !TIFFWriteDirectory(tif))
            rc = cs_err(CSRO_EIO, "%s: TIFF page %zu: %s", path, pg, b.err[0] ? b.err : "write failed");
    }
    if (tif) TIFFClose(tif);
    if (!rc && b.err[0]) rc = cs_err(CSRO_EIO, "%s: %s", path, b.err);
    if (!rc) {
        cs_out *o;
        rc = cs_out_open(&o, path);
        if (!rc) {
            if (fwrite(b.p, 1, b.n, cs_out_fp(o)) != b.n) {
                cs_out_abort(o);
                rc = cs_err_errno(CSRO_EIO, "%s: write failed", path);
            } else {
                rc = cs_out_commit(o);
            }
        }
    }
    free(b.p);
    return rc;
}
