/* fileio.c: atomic output files (temp + fsync + rename) and input opening;
 * the rules are in fileio.h. */
#include "internal.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/random.h>

struct cs_out {
    FILE *fp;
    char *path;    /* as given */
    char *target;  /* file replaced on commit; NULL when written directly */
    char *tmp;     /* temporary; NULL when written directly */
    int finished;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Directory part of p ("." when none), malloc'ed. */
static char *dir_of(const char *p)
{
    const char *s = strrchr(p, '/');
    if (!s) return dup_str(".");
    if (s == p) return dup_str("/");
    char *d = malloc((size_t)(s - p) + 1);
    if (d) { memcpy(d, p, (size_t)(s - p)); d[s - p] = 0; }
    return d;
}

int cs_out_target(const char *path, char **target)
{
    *target = NULL;
    char *cur = dup_str(path);
    if (!cur) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (int depth = 0;; depth++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
        if (depth == 40) { free(cur); errno = ELOOP; return cs_err_errno(CSRO_EIO, "%s: cannot resolve", path); }
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) { int rc = cs_err_errno(CSRO_EIO, "%s: cannot resolve", path); free(cur); return rc; }
        link[n] = 0;
        char *next;
        if (link[0] == '/' || !strchr(cur, '/')) next = dup_str(link);
        else {
            char *d = dir_of(cur);
            size_t m = d ? strlen(d) + strlen(link) + 2 : 0;
            next = d ? malloc(m) : NULL;
            if (next) snprintf(next, m, "%s/%s", d, link);
            free(d);
        }
        free(cur);
        if (!(cur = next)) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    }
    *target = cur;
    return 0;
}

char *cs_out_tmp_prefix(const char *target)
{
    size_t n = strlen(target) + sizeof CS_OUT_TMP_TAG + 24;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s" CS_OUT_TMP_TAG "%ld.", target, (long)getpid());
    return p;
}

/* Create "<prefix>XXXXXX" exclusively with the given mode (the umask
 * applies); the name is left in *tmp. Returns the descriptor or -1. */
static int make_temp(const char *prefix, mode_t mode, char **tmp)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(prefix);
    char *t = malloc(n + 7);
    if (!t) { errno = ENOMEM; return -1; }
    memcpy(t, prefix, n);
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        if (getentropy(r, sizeof r) != 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull + (uint64_t)attempt;
            for (int i = 0; i < 6; i++) r[i] = (unsigned char)(x >> (8 * i + 5));
        }
        for (int i = 0; i < 6; i++) t[n + (size_t)i] = abc[r[i] % (sizeof abc - 1)];
        t[n + 6] = 0;
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0) { *tmp = t; return fd; }
        if (errno != EEXIST) break;
    }
    free(t);
    return -1;
}

static void out_free(cs_out *o)
{
    free(o->path); free(o->target); free(o->tmp); free(o);
}

int cs_out_open(cs_out **out, const char *path)
{
    *out = NULL;
    if (!path || !*path) return cs_err(CSRO_EINVAL, "empty output path");
    cs_out *o = calloc(1, sizeof *o);
    if (!o || !(o->path = dup_str(path))) { free(o); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    if (!strcmp(path, "-")) {
        o->fp = stdout;
        *out = o;
        return 0;
    }
    struct stat st;
    int exists = stat(path, &st) == 0, rc;
    if (exists && S_ISDIR(st.st_mode)) {
        out_free(o);
        return cs_err(CSRO_EIO, "%s: is a directory; name a file to write", path);
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* FIFO or device (also through a link such as /dev/stdout):
         * written directly, as stdout */
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || !(o->fp = fdopen(fd, "wb"))) {
            rc = cs_err_errno(CSRO_EIO, "%s: cannot open", path);
            if (fd >= 0) close(fd);
            out_free(o);
            return rc;
        }
        *out = o;
        return 0;
    }
    if ((rc = cs_out_target(path, &o->target))) { out_free(o); return rc; }
    char *prefix = cs_out_tmp_prefix(o->target);
    if (!prefix) { out_free(o); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    int fd = make_temp(prefix, exists ? 0600 : 0666, &o->tmp);
    free(prefix);
    if (fd < 0) {
        rc = cs_err_errno(CSRO_EIO, "%s: cannot create a file beside it", path);
        out_free(o);
        return rc;
    }
    /* keep the mode of the file being replaced (a new file got the umask) */
    if ((exists && fchmod(fd, st.st_mode & 07777) != 0) || !(o->fp = fdopen(fd, "wb"))) {
        rc = cs_err_errno(CSRO_EIO, "%s: cannot create", path);
        close(fd); unlink(o->tmp); out_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

FILE *cs_out_fp(cs_out *o) { return o->fp; }
const char *cs_out_path(const cs_out *o) { return o->path; }
const char *cs_out_write_path(const cs_out *o) { return o->tmp ? o->tmp : o->path; }

/* Write error text naming the cause; errno as left by the failed call,
 * EIO when the stream only knows that an earlier write failed. */
static int write_error(const cs_out *o, int e)
{
    errno = e ? e : EIO;
    return cs_err_errno(CSRO_EIO, "%s: write error", o->path);
}

int cs_out_finish(cs_out *o)
{
    if (o->finished) return 0;
    errno = 0;
    int bad = ferror(o->fp);
    int rc = 0;
    if (fflush(o->fp) != 0 || bad) rc = write_error(o, errno);
    else if (o->tmp && fsync(fileno(o->fp)) != 0) rc = write_error(o, errno);
    if (!rc) o->finished = 1;
    return rc;
}

int cs_out_commit(cs_out *o)
{
    int rc = cs_out_finish(o);
    if (!o->target) {   /* stdout, FIFO or device */
        if (o->fp != stdout && fclose(o->fp) != 0 && !rc) rc = write_error(o, errno);
        out_free(o);
        return rc;
    }
    if (fclose(o->fp) != 0 && !rc) rc = write_error(o, errno);
    if (!rc && rename(o->tmp, o->target) != 0) rc = cs_err_errno(CSRO_EIO, "%s: cannot rename the temporary over it", o->path);
    if (rc) unlink(o->tmp);
    else {
        char *d = dir_of(o->target);
        int fd = d ? open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        /* some file systems refuse fsync on directories: not an error */
        if (fd >= 0) { fsync(fd); close(fd); }
        free(d);
    }
    out_free(o);
    return rc;
}

void cs_out_abort(cs_out *o)
{
    if (!o) return;
    if (o->tmp) { fclose(o->fp); unlink(o->tmp); }
    else if (o->fp == stdout) fflush(o->fp);
    else fclose(o->fp);
    out_free(o);
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
