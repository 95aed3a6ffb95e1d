/* recon_apt_write.c: AP Suite 6 ".apt" writer: the 540-byte file header,
 * a Position section (172-byte header: 148 + six float32 bounds xmin,
 * xmax, ymin, ymax, zmin, zmax), one one-to-one section per extra field,
 * and the Mass section last. Layout in csro-recon(5). */
#include "recon_impl.h"
#include <stdlib.h>

#define APT_WBLOCK 65536

/* ASCII/UTF-8 text to NUL-padded UTF-16LE of n units (BMP; others '?'). */
static void put_utf16(unsigned char *d, size_t n, const char *s)
{
    memset(d, 0, 2 * n);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (*p && i + 1 < n) {
        uint32_t c = *p++;
        if (c >= 0xc0 && c < 0xe0 && (*p & 0xc0) == 0x80) c = (c & 0x1f) << 6 | (*p++ & 0x3f);
        else if (c >= 0xe0 && c < 0xf0 && (p[0] & 0xc0) == 0x80 && (p[1] & 0xc0) == 0x80) {
            c = (c & 0x0f) << 12 | (uint32_t)(p[0] & 0x3f) << 6 | (p[1] & 0x3f);
            p += 2;
        } else if (c >= 0x80) {
            c = '?';
            while ((*p & 0xc0) == 0x80) p++;
        }
        d[2 * i] = (unsigned char)c;
        d[2 * i + 1] = (unsigned char)(c >> 8);
        i++;
    }
}

static int put(FILE *fp, const void *p, size_t n, const char *path)
{
    if (n && fwrite(p, 1, n, fp) != n) return cs_err_errno(CSRO_EIO, "%s: write error", path);
    return 0;
}

static int sec_header(FILE *fp, const char *path, const char *name, const char *unit, uint32_t dtype,
                      int32_t bits, int32_t recsize, uint64_t n, const float *bounds)
{
    unsigned char h[172];
    size_t hs = bounds ? 172 : 148;
    memset(h, 0, sizeof h);
    memcpy(h, "SEC\0", 4);
    cs_wr_le32(h + 4, (uint32_t)hs);
    cs_wr_le32(h + 8, 2);
    put_utf16(h + 12, 32, name);
    cs_wr_le32(h + 76, 1);  /* section version */
    cs_wr_le32(h + 80, 1);  /* one record per ion */
    cs_wr_le32(h + 84, 1);  /* fixed-size records */
    cs_wr_le32(h + 88, dtype);
    cs_wr_le32(h + 92, (uint32_t)bits);
    cs_wr_le32(h + 96, (uint32_t)recsize);
    put_utf16(h + 100, 16, unit ? unit : "");
    cs_wr_le64(h + 132, n);
    cs_wr_le64(h + 140, n * (uint64_t)recsize);
    if (bounds)
        for (int i = 0; i < 6; i++) cs_wr_le32(h + 148 + 4 * i, cs_f2u(bounds[i]));
    return put(fp, h, hs, path);
}

/* n elements of es bytes from host order to little-endian. */
static int put_le(FILE *fp, const void *src, size_t count, size_t es, const char *path)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    unsigned char *buf = malloc(APT_WBLOCK * es);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    const unsigned char *s = src;
    int rc = 0;
    for (size_t i = 0; i < count && !rc; i += APT_WBLOCK) {
        size_t k = count - i < APT_WBLOCK ? count - i : APT_WBLOCK;
        for (size_t j = 0; j < k; j++)
            for (size_t a = 0; a < es; a++) buf[j * es + a] = s[(i + j) * es + es - 1 - a];
        rc = put(fp, buf, k * es, path);
    }
    free(buf);
    return rc;
#else
    return put(fp, src, count * es, path);
#endif
}

int cs_recon_write_apt(const csro_recon *r, FILE *fp, const char *path)
{
    unsigned char h[540];
    memset(h, 0, sizeof h);
    memcpy(h, "APT\0", 4);
    cs_wr_le32(h + 4, 540);
    cs_wr_le32(h + 8, 2);
    const char *slash = strrchr(path, '/');
    put_utf16(h + 12, 256, strcmp(path, "-") ? (slash ? slash + 1 : path) : "");
    cs_wr_le64(h + 524, 0); /* creation time: 0 keeps output reproducible */
    cs_wr_le64(h + 532, (uint64_t)r->n);
    int rc = put(fp, h, sizeof h, path);
    if (rc) return rc;
    float b[6] = {0, 0, 0, 0, 0, 0};
    double lo[3], hi[3];
    if (r->n && csro_recon_bounds(r, lo, hi) == 0)
        for (int a = 0; a < 3; a++) { b[2 * a] = (float)lo[a]; b[2 * a + 1] = (float)hi[a]; }
    if ((rc = sec_header(fp, path, "Position", "nm", 3, 32, 12, r->n, b))) return rc;
    unsigned char *buf = malloc(APT_WBLOCK * 12);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < r->n && !rc; i += APT_WBLOCK) {
        size_t k = r->n - i < APT_WBLOCK ? r->n - i : APT_WBLOCK;
        for (size_t j = 0; j < k; j++) {
            cs_wr_le32(buf + 12 * j, cs_f2u(r->x[i + j]));
            cs_wr_le32(buf + 12 * j + 4, cs_f2u(r->y[i + j]));
            cs_wr_le32(buf + 12 * j + 8, cs_f2u(r->z[i + j]));
        }
        rc = put(fp, buf, 12 * k, path);
    }
    free(buf);
    if (rc) return rc;
    for (size_t f = 0; f < r->nf; f++) {
        const cs_rfield *fd = &r->f[f];
        size_t es = csro_field_type_size(fd->type);
        uint32_t dt = (fd->type == CSRO_FIELD_F32 || fd->type == CSRO_FIELD_F64) ? 3
                    : (fd->type == CSRO_FIELD_I8 || fd->type == CSRO_FIELD_I16 || fd->type == CSRO_FIELD_I32 || fd->type == CSRO_FIELD_I64) ? 1 : 2;
        if ((rc = sec_header(fp, path, fd->name, fd->unit, dt, (int32_t)(8 * es), (int32_t)(es * fd->width), r->n, NULL))) return rc;
        if ((rc = put_le(fp, fd->data, r->n * fd->width, es, path))) return rc;
    }
    /* Mass last: a file cut anywhere then lacks (part of) a required section */
    if ((rc = sec_header(fp, path, "Mass", "Da", 3, 32, 4, r->n, NULL))) return rc;
    return put_le(fp, r->m, r->n, 4, path);
}
