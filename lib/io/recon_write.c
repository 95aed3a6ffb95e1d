/* recon_write.c: csro_recon_save and the POS, EPOS and CSV writers. All
 * output goes through cs_out (temporary file renamed on success). */
#include "recon_impl.h"
#include <stdlib.h>

#define WBLOCK_RECORDS 65536

int cs_recon_epos_check(const csro_recon *r, const char *path, int idx[7])
{
    for (int i = 0; i < 7; i++) {
        idx[i] = -1;
        for (size_t f = 0; f < r->nf; f++)
            if (!strcmp(r->f[f].name, cs_epos_names[i])) idx[i] = (int)f;
        if (idx[i] < 0)
            return cs_err(CSRO_ENOTFOUND, "%s: cannot write EPOS: the reconstruction has no '%s' field "
                          "(EPOS needs tof, vdc, vpulse, det_x, det_y, pslep, ipp)", path, cs_epos_names[i]);
        const cs_rfield *f = &r->f[idx[i]];
        if (f->type != cs_epos_types[i] || f->width != 1)
            return cs_err(CSRO_EMISMATCH, "%s: cannot write EPOS: field '%s' must be one %s per ion", path,
                          cs_epos_names[i], cs_epos_types[i] == CSRO_FIELD_F32 ? "float32" : "int32");
    }
    return 0;
}

static int put(FILE *fp, const void *p, size_t n, const char *path)
{
    if (n && fwrite(p, 1, n, fp) != n) return cs_err_errno(CSRO_EIO, "%s: write error", path);
    return 0;
}

/* Records of k big-endian words: the first 4 from x, y, z, m, the rest
 * from the 32-bit fields fidx[0..k-5]. */
static int write_be(const csro_recon *r, FILE *fp, const char *path, unsigned k, const int *fidx)
{
    size_t rec = 4u * k;
    unsigned char *buf = malloc(WBLOCK_RECORDS * rec);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    const uint32_t *col[11];
    col[0] = (const uint32_t *)r->x; col[1] = (const uint32_t *)r->y;
    col[2] = (const uint32_t *)r->z; col[3] = (const uint32_t *)r->m;
    for (unsigned c = 4; c < k; c++) col[c] = (const uint32_t *)r->f[fidx[c - 4]].data;
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i += WBLOCK_RECORDS) {
        size_t nr = r->n - i < WBLOCK_RECORDS ? r->n - i : WBLOCK_RECORDS;
        for (size_t j = 0; j < nr; j++)
            for (unsigned c = 0; c < k; c++) cs_wr_be32(buf + rec * j + 4 * c, col[c][i + j]);
        rc = put(fp, buf, nr * rec, path);
    }
    free(buf);
    return rc;
}

int cs_recon_write_pos(const csro_recon *r, FILE *fp, const char *path)
{
    return write_be(r, fp, path, 4, NULL);
}

int cs_recon_write_epos(const csro_recon *r, FILE *fp, const char *path)
{
    int idx[7];
    int rc = cs_recon_epos_check(r, path, idx);
    return rc ? rc : write_be(r, fp, path, 11, idx);
}

/* One "%.9g,%.9g,%.9g,%.9g\n" line per ion (cs_fmt_float9 = exact %.9g). */
int cs_recon_write_csv(const csro_recon *r, FILE *fp, const char *path)
{
    enum { CAP = 1 << 16 };
    char *buf = malloc(CAP);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    size_t len = 0;
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        const float v[4] = {r->x[i], r->y[i], r->z[i], r->m[i]};
        for (int a = 0; a < 4; a++) {
            len += (size_t)cs_fmt_float9(buf + len, v[a]);
            buf[len++] = a < 3 ? ',' : '\n';
        }
        if (len > CAP - 4 * 40) { rc = put(fp, buf, len, path); len = 0; }
    }
    if (!rc) rc = put(fp, buf, len, path);
    free(buf);
    return rc;
}

int csro_recon_save(const csro_recon *r, const char *path, int fmt)
{
    if (!r || !path || !*path) return cs_err(CSRO_EINVAL, "recon save: NULL argument");
    if (r->meta_only) return cs_err(CSRO_EINVAL, "%s: the reconstruction was loaded without data (meta-only)", path);
    if (fmt == CSRO_FMT_AUTO) {
        if (!strcmp(path, "-")) return cs_err(CSRO_EINVAL, "-: give the output format explicitly for stdout");
        fmt = csro_format_from_path(path);
        if (fmt < 0) return fmt;
    }
    if (fmt == CSRO_FMT_ATO) return cs_err(CSRO_EUNSUPPORTED, "%s: ATO is read, not written (write .pos, .epos, .apt or .csv)", path);
    if (fmt < CSRO_FMT_POS || fmt > CSRO_FMT_CSV) return cs_err(CSRO_EINVAL, "%s: unknown output format %d", path, fmt);
    int idx[7];
    int rc = fmt == CSRO_FMT_EPOS ? cs_recon_epos_check(r, path, idx) : 0; /* fail before creating anything */
    if (rc) return rc;
    cs_out *o;
    if ((rc = cs_out_open(&o, path))) return rc;
    FILE *fp = cs_out_fp(o);
    switch (fmt) {
    case CSRO_FMT_POS: rc = cs_recon_write_pos(r, fp, path); break;
    case CSRO_FMT_EPOS: rc = cs_recon_write_epos(r, fp, path); break;
    case CSRO_FMT_APT: rc = cs_recon_write_apt(r, fp, path); break;
    default: rc = cs_recon_write_csv(r, fp, path); break;
    }
    if (rc) { cs_out_abort(o); return rc; }
    return cs_out_commit(o);
}
