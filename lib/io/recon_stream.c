/* recon_stream.c: a reconstruction read in chunks, any number of passes, in
 * memory independent of the ion count (csro_recon_stream_*).
 *
 * POS and EPOS files are read in place (fixed-width records; a rewind is a
 * seek). POS and EPOS on stdin are copied once into an unlinked temporary
 * file. CSV and APT are loaded by csro_recon_load and their x, y, z, m
 * spilled to such a temporary (native float32 records), so their peak
 * memory is still the whole load once, at open. */
#include "recon_impl.h"
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#define STREAM_BLOCK (1u << 16) /* records per read */

struct csro_recon_stream {
    char *path;
    FILE *fp;
    int native;      /* fp holds native float32 x y z m records (a spill) */
    size_t rec;      /* bytes per record in fp */
    uint64_t n, next; /* ions in all; index of the next ion to deliver */
    int drop;
    unsigned char *buf;
};

static inline float be_float(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    v = __builtin_bswap32(v);
#endif
    return cs_u2f(v);
}

void csro_recon_stream_close(csro_recon_stream *s)
{
    if (!s) return;
    if (s->fp && s->fp != stdin) fclose(s->fp);
    free(s->path);
    free(s->buf);
    free(s);
}

/* stdin POS/EPOS: copy to a temporary file. */
static int copy_stdin(csro_recon_stream *s)
{
    FILE *t = tmpfile();
    if (!t) return cs_err_errno(CSRO_EIO, "%s: cannot create a temporary file", s->path);
    unsigned char *b = malloc(1u << 20);
    if (!b) { fclose(t); return cs_err(CSRO_ENOMEM, "%s: out of memory", s->path); }
    size_t k;
    while ((k = fread(b, 1, 1u << 20, stdin)) > 0)
        if (fwrite(b, 1, k, t) != k) { free(b); fclose(t); return cs_err_errno(CSRO_EIO, "%s: cannot write a temporary file", s->path); }
    free(b);
    if (ferror(stdin)) { fclose(t); return cs_err_errno(CSRO_EIO, "%s: read error", s->path); }
    if (fflush(t)) { fclose(t); return cs_err_errno(CSRO_EIO, "%s: cannot write a temporary file", s->path); }
    s->fp = t;
    return 0;
}

/* CSV, APT: whole load, then a native spill. */
static int spill_load(csro_recon_stream *s, const csro_load_opts *o)
{
    csro_recon *r;
    int rc = csro_recon_load(&r, s->path, o);
    if (rc) return rc;
    FILE *t = tmpfile();
    if (!t) { csro_recon_free(r); return cs_err_errno(CSRO_EIO, "%s: cannot create a temporary file", s->path); }
    s->fp = t;
    s->native = 1;
    s->rec = 16;
    s->n = r->n;
    for (size_t i = 0; i < r->n && !rc; i++) {
        float v[4] = {r->x[i], r->y[i], r->z[i], r->m[i]};
        if (fwrite(v, 4, 4, t) != 4) rc = cs_err_errno(CSRO_EIO, "%s: cannot write a temporary file", s->path);
    }
    csro_recon_free(r);
    if (!rc && fflush(t)) rc = cs_err_errno(CSRO_EIO, "%s: cannot write a temporary file", s->path);
    if (!rc) rewind(t);
    return rc;
}

int csro_recon_stream_open(csro_recon_stream **out, const char *path, const csro_load_opts *opts)
{
    if (!out) return cs_err(CSRO_EINVAL, "recon stream: NULL output");
    *out = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "recon stream: empty input path");
    csro_load_opts defaults = {0};
    defaults.sniff = 1;
    const csro_load_opts *o = opts ? opts : &defaults;
    int is_stdin = !strcmp(path, "-"), fmt = o->fmt, rc = 0;
    if (fmt == CSRO_FMT_AUTO && !is_stdin && (fmt = csro_format_from_path(path)) < 0) return fmt;
    csro_recon_stream *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) { free(s); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    s->drop = o->drop;
    if (fmt == CSRO_FMT_POS || fmt == CSRO_FMT_EPOS) {
        s->rec = fmt == CSRO_FMT_POS ? 16 : 44;
        if (is_stdin) rc = copy_stdin(s);
        else rc = cs_in_open(&s->fp, path);
        struct stat st;
        if (!rc && fstat(fileno(s->fp), &st)) rc = cs_err_errno(CSRO_EIO, "%s: cannot stat", path);
        const char *what = fmt == CSRO_FMT_POS ? "POS" : "EPOS";
        if (!rc && st.st_size == 0) rc = cs_err(CSRO_EFORMAT, "%s: empty input", path);
        if (!rc && (uint64_t)st.st_size % s->rec)
            rc = cs_err(CSRO_EFORMAT, "%s: size %llu is not a multiple of %zu bytes (%s records): truncated, or not a %s file",
                        path, (unsigned long long)st.st_size, s->rec, what, what);
        if (!rc) s->n = (uint64_t)st.st_size / s->rec;
        if (!rc) rewind(s->fp);
    } else {
        rc = spill_load(s, o);
    }
    if (!rc && !(s->buf = malloc(STREAM_BLOCK * s->rec))) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    if (rc) { csro_recon_stream_close(s); return rc; }
    *out = s;
    return 0;
}

uint64_t csro_recon_stream_count(const csro_recon_stream *s) { return s ? s->n : 0; }

int csro_recon_stream_rewind(csro_recon_stream *s)
{
    if (!s) return cs_err(CSRO_EINVAL, "recon stream: NULL stream");
    if (fseeko(s->fp, 0, SEEK_SET)) return cs_err_errno(CSRO_EIO, "%s: cannot seek", s->path);
    s->next = 0;
    return 0;
}

int csro_recon_stream_read(csro_recon_stream *s, size_t max, float *x, float *y, float *z, float *m,
                           size_t *n)
{
    if (!n) return cs_err(CSRO_EINVAL, "recon stream: NULL count");
    *n = 0;
    if (!s || !x || !y || !z || !m) return cs_err(CSRO_EINVAL, "recon stream: NULL argument");
    size_t k = 0;
    while (k < max && s->next < s->n) {
        size_t want = max - k < STREAM_BLOCK ? max - k : STREAM_BLOCK;
        if ((uint64_t)want > s->n - s->next) want = (size_t)(s->n - s->next);
        if (fread(s->buf, s->rec, want, s->fp) != want) {
            if (ferror(s->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", s->path);
            return cs_err(CSRO_EIO, "%s: file shrank while reading (at ion %llu of %llu)", s->path,
                          (unsigned long long)s->next, (unsigned long long)s->n);
        }
        for (size_t j = 0; j < want; j++) {
            const unsigned char *p = s->buf + j * s->rec;
            float v[4];
            if (s->native) memcpy(v, p, sizeof v);
            else for (int c = 0; c < 4; c++) v[c] = be_float(p + 4 * c);
            uint64_t ion = s->next + j;
            if (!(isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]) && isfinite(v[3]))) {
                if (s->drop) continue;
                return cs_err(CSRO_EFORMAT, "%s: ion %llu has a non-finite %s (drop such ions with the drop-nonfinite option)",
                              s->path, (unsigned long long)ion,
                              !isfinite(v[0]) ? "x" : !isfinite(v[1]) ? "y" : !isfinite(v[2]) ? "z" : "mass");
            }
            x[k] = v[0]; y[k] = v[1]; z[k] = v[2]; m[k] = v[3];
            k++;
        }
        s->next += want;
    }
    *n = k;
    return 0;
}
