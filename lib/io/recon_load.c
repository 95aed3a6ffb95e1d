/* recon_load.c: csro_recon_load: open the input, choose the format (by
 * extension or by sniffing stdin), run the reader, validate. */
#include "recon_impl.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <fcntl.h>

size_t cs_rin_read(cs_rin *in, void *buf, size_t n)
{
    unsigned char *d = buf;
    size_t got = 0;
    if (in->preoff < in->npre) {
        size_t k = in->npre - in->preoff;
        if (k > n) k = n;
        memcpy(d, in->pre + in->preoff, k);
        in->preoff += k;
        got = k;
    }
    while (got < n) {
        size_t k = fread(d + got, 1, n - got, in->fp);
        if (!k) {
            if (ferror(in->fp)) in->ioerr = errno ? errno : EIO;
            break;
        }
        got += k;
    }
    in->pos += got;
    return got;
}

int cs_rin_skip(cs_rin *in, uint64_t n)
{
    if (in->size_known && in->pos + n > in->size) {
        in->pos = in->size;
        return CSRO_EFORMAT;
    }
    if (in->size_known && in->preoff >= in->npre && n > 65536) {
        if (fseeko(in->fp, (off_t)(in->pos + n), SEEK_SET) == 0) {
            in->pos += n;
            return 0;
        }
    }
    unsigned char tmp[65536];
    while (n) {
        size_t k = n > sizeof tmp ? sizeof tmp : (size_t)n;
        if (cs_rin_read(in, tmp, k) != k) return CSRO_EFORMAT;
        n -= k;
    }
    return 0;
}

int cs_rin_progress(cs_rin *in)
{
    if (!in->progress || !in->size_known || !in->size) return 0;
    if (in->pos < in->next_report && in->pos < in->size) return 0;
    in->next_report = in->pos + (in->size / 200 > (1u << 20) ? in->size / 200 : (1u << 20));
    if (in->progress((double)in->pos / (double)in->size, in->user))
        return cs_err(CSRO_ECANCELED, "%s: loading canceled", in->path);
    return 0;
}

int cs_rin_short(cs_rin *in, const char *what)
{
    if (in->ioerr) {
        errno = in->ioerr;
        return cs_err_errno(CSRO_EIO, "%s: read error", in->path);
    }
    return cs_err(CSRO_EFORMAT, "%s: truncated %s (input ends at byte %llu)", in->path, what,
                  (unsigned long long)in->pos);
}

/* Format of stdin from its first bytes. */
static int sniff_format(cs_rin *in)
{
    in->npre = fread(in->pre, 1, sizeof in->pre, in->fp);
    if (ferror(in->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", in->path);
    if (!in->npre) return cs_err(CSRO_EFORMAT, "%s: empty input", in->path);
    if (in->npre >= 4 && !memcmp(in->pre, "APT\0", 4)) return CSRO_FMT_APT;
    if (cs_looks_text(in->pre, in->npre)) return CSRO_FMT_CSV;
    return cs_err(CSRO_EINVAL, "%s: binary input of unknown format (POS or EPOS?): give the format explicitly", in->path);
}

int csro_recon_load(csro_recon **out, const char *path, const csro_load_opts *opts)
{
    if (!out) return cs_err(CSRO_EINVAL, "recon: NULL output");
    *out = NULL;
    csro_load_opts defaults = {0};
    defaults.sniff = 1;
    const csro_load_opts *o = opts ? opts : &defaults;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "recon: empty input path");
    int is_stdin = !strcmp(path, "-");
    int fmt = o->fmt;
    if (fmt == CSRO_FMT_AUTO && !is_stdin) {
        fmt = csro_format_from_path(path);
        if (fmt < 0) return fmt;
    }
    cs_rin *in = calloc(1, sizeof *in);
    if (!in) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    in->path = path;
    in->is_stdin = is_stdin;
    in->progress = o->progress;
    in->user = o->user;
    int rc = cs_in_open(&in->fp, path);
    if (rc) { free(in); return rc; }
    struct stat st;
    if (fstat(fileno(in->fp), &st) == 0 && S_ISREG(st.st_mode)) {
        in->size_known = 1;
        in->size = (uint64_t)st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fileno(in->fp), 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    if (fmt == CSRO_FMT_AUTO) {
        fmt = sniff_format(in);
        if (fmt < 0) { rc = fmt; goto done; }
    }
    if (in->size_known && in->size == 0) {
        rc = cs_err(CSRO_EFORMAT, "%s: empty file", path);
        goto done;
    }
    csro_recon *r = calloc(1, sizeof *r);
    if (!r) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path); goto done; }
    r->fmt = fmt;
    r->meta_only = o->meta_only;
    switch (fmt) {
    case CSRO_FMT_POS: rc = cs_recon_read_pos(r, in, o); break;
    case CSRO_FMT_EPOS: rc = cs_recon_read_epos(r, in, o); break;
    case CSRO_FMT_APT: rc = cs_recon_read_apt(r, in, o); break;
    case CSRO_FMT_ATO: rc = cs_recon_read_ato(r, in, o); break;
    default: rc = cs_recon_read_csv(r, in, o); break;
    }
    if (!rc && r->meta_only && r->x) r->meta_only = 0; /* data were read anyway (CSV, stdin) */
    if (!rc) rc = cs_recon_finish(r, path, o);
    if (!rc && in->progress && in->size_known) {
        in->next_report = 0;
        in->pos = in->size;
        rc = cs_rin_progress(in);
    }
    if (rc) csro_recon_free(r);
    else *out = r;
done:
    cs_in_close(in->fp);
    free(in);
    return rc;
}
