/* fileio.c: atomic output files (temp + rename) and input opening. */
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

struct cs_out { FILE *fp; char *path, *tmp; };

int cs_out_open(cs_out **out, const char *path)
{
    *out = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "empty output path");
    cs_out *o = calloc(1, sizeof *o);
    if (!o) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    if (!strcmp(path, "-")) {
        o->fp = stdout;
        *out = o;
        return 0;
    }
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->tmp = malloc(n + 16);
    if (!o->path || !o->tmp) { free(o->path); free(o->tmp); free(o); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int rc = cs_err_errno(CSRO_EIO, "%s: cannot create", path);
        free(o->path); free(o->tmp); free(o);
        return rc;
    }
    fchmod(fd, 0644);
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        int rc = cs_err_errno(CSRO_EIO, "%s: cannot open", path);
        close(fd); unlink(o->tmp); free(o->path); free(o->tmp); free(o);
        return rc;
    }
    *out = o;
    return 0;
}

FILE *cs_out_fp(cs_out *o) { return o->fp; }
const char *cs_out_path(const cs_out *o) { return o->path ? o->path : "-"; }

int cs_out_commit(cs_out *o)
{
    int rc = 0;
    if (!o->path) {
        if (fflush(o->fp) != 0 || ferror(o->fp)) rc = cs_err_errno(CSRO_EIO, "-: write error");
        free(o);
        return rc;
    }
    if (ferror(o->fp)) rc = cs_err(CSRO_EIO, "%s: write error", o->path);
    if (fclose(o->fp) != 0 && !rc) rc = cs_err_errno(CSRO_EIO, "%s: write error", o->path);
    if (!rc && rename(o->tmp, o->path) != 0) rc = cs_err_errno(CSRO_EIO, "%s: cannot rename", o->path);
    if (rc) unlink(o->tmp);
    free(o->path); free(o->tmp); free(o);
    return rc;
}

void cs_out_abort(cs_out *o)
{
    if (!o) return;
    if (o->path) { fclose(o->fp); unlink(o->tmp); }
    else fflush(o->fp);
    free(o->path); free(o->tmp); free(o);
}

int cs_in_open(FILE **fp, const char *path)
{
    *fp = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "empty input path");
    if (!strcmp(path, "-")) { *fp = stdin; return 0; }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return cs_err(CSRO_EIO, "%s: is a directory", path);
    *fp = fopen(path, "rb");
    if (!*fp) return cs_err_errno(CSRO_EIO, "%s: cannot open", path);
    return 0;
}

void cs_in_close(FILE *fp)
{
    if (fp && fp != stdin) fclose(fp);
}
