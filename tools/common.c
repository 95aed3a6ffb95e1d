/* tools/common.c: see common.h. */
#include "common.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "csro";
static int quiet, bar_shown;

void tool_init(const char *name) { progname = name; }
const char *tool_name(void) { return progname; }

void tool_die(int code, const char *fmt, ...)
{
    va_list ap;
    tool_progress_done();
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

void tool_fail(int rc)
{
    const char *m = csro_last_error();
    tool_die(TOOL_EDATA, "%s", m && *m ? m : csro_strerror(rc));
}

void tool_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
    exit(TOOL_EUSAGE);
}

void tool_version(void)
{
    printf("%s (libcsro) %s\n", progname, csro_version());
    exit(0);
}

void tool_refuse_tty(const char *path)
{
    if (path && !strcmp(path, "-") && isatty(STDOUT_FILENO))
        tool_usage_error("refusing to write binary output to a terminal (use -o FILE or a pipe)");
}

double tool_double(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        tool_usage_error("%s: '%s' is not a number", opt, s);
    return v;
}

long tool_long(const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno)
        tool_usage_error("%s: '%s' is not an integer", opt, s);
    if (v < min || v > max)
        tool_usage_error("%s: %ld is out of range [%ld, %ld]", opt, v, min, max);
    return v;
}

uint64_t tool_u64(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    if (*s == '-') tool_usage_error("%s: '%s' must not be negative", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || errno)
        tool_usage_error("%s: '%s' is not a non-negative integer", opt, s);
    return (uint64_t)v;
}

void tool_doubles(const char *opt, const char *s, double *v, int n)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno || !isfinite(v[i]) || (i < n - 1 ? *end != ',' : *end != 0))
            tool_usage_error("%s: '%s' is not %d comma-separated numbers", opt, s, n);
        p = end + 1;
    }
}

void tool_set_quiet(int q) { quiet = q; }
int tool_quiet(void) { return quiet; }

int tool_progress(double f, void *user)
{
    (void)user;
    if (quiet || !isatty(STDERR_FILENO)) return 0;
    int w = 40, k = (int)(f * w + 0.5);
    if (k < 0) k = 0;
    if (k > w) k = w;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%%", progname, k,
            "########################################", w - k, "", (int)(f * 100 + 0.5));
    bar_shown = 1;
    return 0;
}

void tool_progress_done(void)
{
    if (bar_shown) { fputc('\n', stderr); bar_shown = 0; }
}

void tool_openblas_single(char **argv)
{
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("CSRO_REEXEC")) {
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        setenv("CSRO_REEXEC", "1", 1);
        execv("/proc/self/exe", argv); /* on failure carry on as we are */
    }
}

int tool_lattice(const char *opt, const char *s)
{
    if (!strcmp(s, "fcc")) return CSRO_LATTICE_FCC;
    if (!strcmp(s, "bcc")) return CSRO_LATTICE_BCC;
    tool_usage_error("%s: '%s' is not fcc or bcc", opt, s);
}

int tool_map_mode(const char *opt, const char *s)
{
    if (!strcmp(s, "sum")) return CSRO_PROBMAP_SUM;
    if (!strcmp(s, "mean")) return CSRO_PROBMAP_MEAN;
    tool_usage_error("%s: '%s' is not sum or mean", opt, s);
}

int tool_recon_format(const char *opt, const char *s)
{
    int f = csro_format_from_name(s);
    if (f < 0 || f == CSRO_FMT_AUTO) tool_usage_error("%s: '%s' is not pos, epos, apt or csv", opt, s);
    return f;
}
