/* tools/common.c: see common.h. Process-wide state (program name, quiet
 * flag, the run's outputs and the signal cleanup registry) lives here, in
 * the tools, never in the library. */
#include "common.h"
#include "base/fileio.h"   /* the library's atomic writer: one home */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "csro";
static void (*usage_fn)(void);
static int quiet, bar_shown, bar_len;

static void outputs_abort(void);

void tool_init(const char *name, void (*usage)(void))
{
    progname = name;
    usage_fn = usage;
    atexit(outputs_abort);
}
const char *tool_name(void) { return progname; }

static void vmessage(const char *fmt, va_list ap)
{
    tool_progress_done();
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void tool_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    exit(code);
}

void tool_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", progname);
    exit(TOOL_EUSAGE);
}

void tool_note(const char *fmt, ...)
{
    if (quiet) return;
    va_list ap;
    if (bar_shown) { /* erase the bar; the next progress call draws it again below the note */
        fprintf(stderr, "\r%*s\r", bar_len, "");
        bar_shown = 0;
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* Exit 0 when everything printed on stdout reached it, else 1 naming the
 * cause (a full disk, a closed pipe). */
static _Noreturn void stdout_exit(void)
{
    errno = 0;
    int bad = ferror(stdout);
    if (fflush(stdout) != 0 || bad) {
        int e = errno ? errno : EIO;
        fprintf(stderr, "%s: -: write error: %s\n", progname, strerror(e));
        _exit(TOOL_EDATA);
    }
    exit(0);
}

void tool_help(void)
{
    if (usage_fn) usage_fn();
    stdout_exit();
}

void tool_version(void)
{
    printf("%s (libcsro) %s\n", progname, csro_version());
    stdout_exit();
}

void tool_refuse_tty(const char *path)
{
    if (path && !strcmp(path, "-") && isatty(STDOUT_FILENO))
        tool_usage_error("refusing to write binary output to a terminal (use -o FILE or a pipe)");
}

/* ---- options ----------------------------------------------------------- */

/* Edits (insert, delete, substitute, swap two neighbours) from a to b. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), d[64][64];
    if (n >= 63 || m >= 63) return 99;
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[n][m];
}

/* The closest long option to word (NULL if none is close). */
static const char *closest(const char *word, const struct option *lo)
{
    const char *best = NULL;
    size_t bd = 99, wl = strlen(word);
    for (; lo->name; lo++) {
        size_t d = edit_distance(word, lo->name);
        if (wl >= 3 && !strncmp(lo->name, word, wl)) d = 1;   /* a prefix of it */
        if (d < bd) { bd = d; best = lo->name; }
    }
    size_t limit = wl < 4 ? 1 : wl < 8 ? 2 : 3;
    return bd <= limit ? best : NULL;
}

static _Noreturn void bad_option(char **argv, const struct option *lo, int c)
{
    const char *arg = argv[optind - 1];
    int is_long = arg && arg[0] == '-' && arg[1] == '-';
    if (c == ':') {
        if (is_long) tool_usage_error("option '%s' needs a value", arg);
        tool_usage_error("option '-%c' needs a value", optopt);
    }
    if (!is_long) tool_usage_error("unknown option '-%c'", optopt);
    char word[64];
    snprintf(word, sizeof word, "%s", arg + 2);
    char *eq = strchr(word, '=');
    if (eq) *eq = 0;
    int ambiguous = 0;
    size_t wl = strlen(word);
    for (const struct option *o = lo; o->name; o++) if (!strncmp(o->name, word, wl)) ambiguous++;
    if (ambiguous > 1) tool_usage_error("option '--%s' is ambiguous (several options start so)", word);
    const char *s = closest(word, lo);
    if (optopt && !ambiguous) {
        for (const struct option *o = lo; o->name; o++)
            if (!strcmp(o->name, word) && o->has_arg == no_argument)
                tool_usage_error("option '--%s' takes no value", word);
    }
    if (s) tool_usage_error("unknown option '--%s'; did you mean '--%s'?", word, s);
    tool_usage_error("unknown option '--%s'", word);
}

int tool_getopt(int argc, char **argv, const char *shorts, const struct option *lo)
{
    static struct option all[128];
    static char opts[160];
    if (!opts[0]) {
        size_t n = 0;
        while (lo[n].name && n < 120) { all[n] = lo[n]; n++; }
        all[n++] = (struct option){ "help", no_argument, 0, 'h' };
        all[n++] = (struct option){ "version", no_argument, 0, 'V' };
        all[n++] = (struct option){ "quiet", no_argument, 0, 'q' };
        all[n] = (struct option){ 0, 0, 0, 0 };
        snprintf(opts, sizeof opts, ":%shVq", shorts);
        opterr = 0;
    }
    for (;;) {
        optopt = 0;
        int c = getopt_long(argc, argv, opts, all, NULL);
        switch (c) {
        case 'h': tool_help();
        case 'V': tool_version();
        case 'q': tool_set_quiet(1); continue;
        case '?': case ':': bad_option(argv, all, c);
        default: return c;
        }
    }
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

int tool_choice(const char *opt, const char *s, const char *words)
{
    size_t n = strlen(s);
    int i = 0;
    for (const char *w = words;; i++) {
        const char *e = strchr(w, '|');
        size_t k = e ? (size_t)(e - w) : strlen(w);
        if (k == n && !strncmp(w, s, n)) return i;
        if (!e) break;
        w = e + 1;
    }
    char list[256];
    snprintf(list, sizeof list, "%s", words);
    char *last = strrchr(list, '|');
    for (char *p = list; *p; p++) if (*p == '|') *p = ',';
    if (last) {
        *last = 0;
        tool_usage_error("%s: '%s' is not %s or %s", opt, s, list, last + 1);
    }
    tool_usage_error("%s: '%s' is not %s", opt, s, list);
}

int tool_lattice(const char *opt, const char *s)
{
    return tool_choice(opt, s, "fcc|bcc") ? CSRO_LATTICE_BCC : CSRO_LATTICE_FCC;
}

int tool_map_mode(const char *opt, const char *s)
{
    return tool_choice(opt, s, "sum|mean") ? CSRO_PROBMAP_MEAN : CSRO_PROBMAP_SUM;
}

int tool_recon_format(const char *opt, const char *s)
{
    int f = csro_format_from_name(s);
    if (f < 0 || f == CSRO_FMT_AUTO) tool_usage_error("%s: '%s' is not pos, epos, apt, ato or csv", opt, s);
    return f;
}

/* The library's names (one home: csro_preprocess_state_parse/_name). */
int tool_preprocess(const char *opt, const char *s)
{
    int st = csro_preprocess_state_parse(s);
    if (st < 0) tool_usage_error("%s: %s", opt, csro_last_error());
    return st;
}

const char *tool_preprocess_name(int s) { return csro_preprocess_state_name(s); }

void tool_pair(const char *opt, const char *s, int single_ok, char *a, char *b)
{
    const char *dash = *s ? strchr(s + 1, '-') : NULL;
    size_t la = dash ? (size_t)(dash - s) : strlen(s);
    const char *rb = dash ? dash + 1 : s;
    if (!*s || (dash && !*rb) || (!dash && !single_ok) || la >= TOOL_SPECIES_MAX || strlen(rb) >= TOOL_SPECIES_MAX)
        tool_usage_error("%s: '%s' is not a species pair A-B (e.g. Ni-Co)", opt, s);
    memcpy(a, s, la);
    a[la] = 0;
    strcpy(b, rb);
}

void tool_openblas_single(char **argv)
{
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("CSRO_REEXEC")) {
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        setenv("CSRO_REEXEC", "1", 1);
        execv("/proc/self/exe", argv); /* on failure carry on as we are */
    }
}

/* ---- inputs and outputs ------------------------------------------------ */

typedef struct {
    cs_out *o;
    const char *path;     /* as given */
    char *dir, *prefix;   /* temporaries: dir/prefix* (signal cleanup) */
    int is_input_ok;      /* read-modify-write output */
} outent;

static outent outs[TOOL_MAX_OUTPUTS];
static volatile sig_atomic_t nouts;      /* entries the signal handler sees */
static struct { dev_t dev; ino_t ino; const char *path; } ins[64];
static int nins;
static const char *rmw_path;

/* Remove this process's temporaries of every registered output:
 * async-signal-safe (open, getdents64, unlinkat, close only). */
static void remove_temporaries(void)
{
    for (int i = 0; i < nouts; i++) {
        if (!outs[i].prefix) continue;
        int fd = open(outs[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        size_t pl = strlen(outs[i].prefix);
        char buf[4096] __attribute__((aligned(8)));
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                unsigned short reclen;
                memcpy(&reclen, buf + off + 16, sizeof reclen);
                const char *name = buf + off + 19;
                if (!strncmp(name, outs[i].prefix, pl)) unlinkat(fd, name, 0);
                off += reclen;
            }
        }
        close(fd);
    }
}

static void on_signal(int sig)
{
    remove_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void outputs_abort(void)
{
    for (int i = 0; i < nouts; i++)
        if (outs[i].o) { cs_out_abort(outs[i].o); outs[i].o = NULL; }
    remove_temporaries();
}

static int same_file(const struct stat *a, dev_t dev, ino_t ino)
{
    return a->st_dev == dev && a->st_ino == ino;
}

void tool_input(const char *path)
{
    struct stat st;
    if (!path || !strcmp(path, "-")) {
        if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) return;
    } else if (stat(path, &st) != 0) return;  /* the library names the problem */
    else if (S_ISDIR(st.st_mode)) tool_die(TOOL_EDATA, "%s is a directory; name a file", path);
    if (!S_ISREG(st.st_mode) || nins == 64) return;
    for (int i = 0; i < nouts; i++) {
        struct stat so;
        if (outs[i].path && !outs[i].is_input_ok && stat(outs[i].path, &so) == 0 && same_file(&so, st.st_dev, st.st_ino))
            tool_usage_error("%s: is also an output; write the output to another file", path);
    }
    ins[nins].dev = st.st_dev;
    ins[nins].ino = st.st_ino;
    ins[nins++].path = path ? path : "-";
}

void tool_out_may_be_input(const char *path) { rmw_path = path; }

/* What a file is, by its first bytes; -1 when not recognised. */
static int sniff(const char *path)
{
    struct stat st;
    if (!path || !strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    unsigned char b[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n == 8 && !memcmp(b, "CSROZSDM", 8)) return TOOL_IN_ZSDM;
    if (n == 8 && !memcmp(b, "CSROPROB", 8)) return TOOL_IN_PROB;
    if (n == 8 && !memcmp(b, "CSRONET", 8)) return TOOL_IN_MODEL;
    if (n == 8 && !memcmp(b, "CSROTRTH", 8)) return TOOL_IN_TRUTH;
    if (n == 8 && !memcmp(b, "\x89HDF\r\n\x1a\n", 8)) return TOOL_IN_KERAS;
    if (n >= 4 && (!memcmp(b, "II*", 4) || !memcmp(b, "MM\0*", 4))) return 100; /* TIFF */
    return -1;
}

static const char *kind_is(int k)
{
    switch (k) {
    case TOOL_IN_ZSDM: return "a z-SDM file (apt-voxelize or csro-simulate output)";
    case TOOL_IN_PROB: return "a probability file (csro-classify output)";
    case TOOL_IN_MODEL: return "a .csronet model (csro-train or csro-net-import output)";
    case TOOL_IN_KERAS: return "a Keras HDF5 file";
    case TOOL_IN_TRUTH: return "a per-ion truth file (apt-simulate --truth output)";
    default: return "a TIFF image (csro-map or apt-sdm output)";
    }
}

static const char *kind_wanted(int k)
{
    switch (k) {
    case TOOL_IN_ZSDM: return "a .zsdm from apt-voxelize";
    case TOOL_IN_BANK: return "a labelled .zsdm bank from csro-simulate";
    case TOOL_IN_PROB: return "a .prob from csro-classify";
    case TOOL_IN_MODEL: return "a .csronet model from csro-train or csro-net-import";
    case TOOL_IN_RECON: return "a reconstruction (POS, EPOS, APT or CSV)";
    case TOOL_IN_RANGES: return "a range file (RRNG or RNG)";
    case TOOL_IN_KERAS: return "Keras HDF5 models";
    case TOOL_IN_TRUTH: return "a per-ion truth file from apt-simulate --truth";
    default: return "a text file";
    }
}

void tool_input_as(const char *path, int kind)
{
    tool_input(path);
    int k = sniff(path);
    if (k < 0 || k == kind || (kind == TOOL_IN_BANK && k == TOOL_IN_ZSDM)) return;
    if (k == TOOL_IN_KERAS)
        tool_die(TOOL_EDATA, "%s is a Keras file: convert it with csro-net-import", path);
    tool_die(TOOL_EDATA, "%s is %s; %s wants %s", path, kind_is(k), progname, kind_wanted(kind));
}

void tool_out_ext(const char *opt, const char *path, const char *exts, const char *what)
{
    static const char binary[] = "pos|epos|apt|zsdm|prob|csronet|tif|tiff|h5|hdf5|png|jpg|jpeg|vtk";
    struct stat st;
    if (!path || !strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) return;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path, *dot = strrchr(base, '.');
    if (!dot || dot == base || !dot[1]) return;
    char ext[16];
    size_t n = strlen(dot + 1);
    if (n >= sizeof ext) n = sizeof ext - 1;
    for (size_t i = 0; i < n; i++) ext[i] = (char)((dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? dot[1 + i] + 32 : dot[1 + i]);
    ext[n] = 0;
    const char *list = exts ? exts : binary;
    int found = 0;
    for (const char *w = list; *w && !found;) {
        const char *e = strchr(w, '|');
        size_t k = e ? (size_t)(e - w) : strlen(w);
        found = k == n && !strncmp(w, ext, n);
        w = e ? e + 1 : w + k;
    }
    if (exts ? found : !found) return;
    if (exts) {
        size_t k = strcspn(exts, "|");
        tool_usage_error("%s %s: %s writes %s there, not .%s; name it .%.*s", opt, path, progname, what, ext, (int)k, exts);
    }
    tool_usage_error("%s %s: %s writes %s there, not .%s", opt, path, progname, what, ext);
}

/* Same-file check, then a registry entry (signals blocked while it is
 * filled so that the handler never sees half an entry). */
static outent *out_reserve(const char *path)
{
    struct stat st;
    int rmw = rmw_path && !strcmp(rmw_path, path);
    int is_std = !strcmp(path, "-");
    if (is_std ? fstat(STDOUT_FILENO, &st) == 0 : stat(path, &st) == 0) {
        if (!is_std && S_ISDIR(st.st_mode)) tool_die(TOOL_EDATA, "%s is a directory; name a file to write", path);
        for (int i = 0; i < nins && S_ISREG(st.st_mode) && !rmw; i++)
            if (same_file(&st, ins[i].dev, ins[i].ino))
                tool_usage_error("%s: output is the same file as input %s; write to another file", path, ins[i].path);
    }
    if (nouts == TOOL_MAX_OUTPUTS) tool_die(TOOL_EUSAGE, "more than %d outputs", TOOL_MAX_OUTPUTS);
    static int handlers;
    if (!handlers) {
        handlers = 1;
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGXFSZ };
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
            struct sigaction sa, old;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            /* keep an inherited "ignore" (nohup) */
            if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
        }
    }
    outent *e = &outs[nouts];
    memset(e, 0, sizeof *e);
    e->path = path;
    e->is_input_ok = rmw;
    char *target = NULL;
    if (!is_std && cs_out_target(path, &target) == 0) {
        char *pre = cs_out_tmp_prefix(target);
        char *slash = pre ? strrchr(pre, '/') : NULL;
        if (pre && slash) {
            e->dir = strndup(pre, slash == pre ? 1 : (size_t)(slash - pre));
            e->prefix = strdup(slash + 1);
        } else if (pre) {
            e->dir = strdup(".");
            e->prefix = strdup(pre);
        }
        free(pre);
        if (!e->dir || !e->prefix) { free(e->dir); free(e->prefix); e->dir = e->prefix = NULL; }
    }
    free(target);
    for (int i = 0; i < nouts && e->prefix; i++)
        if (outs[i].prefix && !strcmp(outs[i].prefix, e->prefix) && !strcmp(outs[i].dir, e->dir))
            tool_usage_error("%s is named for two outputs (also %s); give each output its own file", path, outs[i].path);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    nouts = nouts + 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return e;
}

FILE *tool_out_open(const char *path)
{
    outent *e = out_reserve(path);
    if (cs_out_open(&e->o, path)) tool_fail(CSRO_EIO);
    return cs_out_fp(e->o);
}

const char *tool_out_lib(const char *path)
{
    outent *e = out_reserve(path);
    if (cs_out_open(&e->o, path)) tool_fail(CSRO_EIO);
    return cs_out_write_path(e->o);
}

void tool_commit(void)
{
    int rc = 0;
    for (int i = 0; i < nouts && !rc; i++)
        if (outs[i].o) rc = cs_out_finish(outs[i].o);
    for (int i = 0; i < nouts && !rc; i++)
        if (outs[i].o) { rc = cs_out_commit(outs[i].o); outs[i].o = NULL; }
    if (rc) tool_fail(rc);   /* removes the others */
}

void tool_fail(int rc)
{
    const char *m = csro_last_error();
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", m && *m ? m : csro_strerror(rc));
    /* a library writer given a temporary names it: name the output */
    for (int i = 0; i < nouts; i++) {
        if (!outs[i].o) continue;
        const char *w = cs_out_write_path(outs[i].o);
        char *at = strstr(buf, w);
        size_t wl = strlen(w), pl = strlen(outs[i].path);
        if (at && pl <= wl) {
            memcpy(at, outs[i].path, pl);
            memmove(at + pl, at + wl, strlen(at + wl) + 1);
        }
    }
    tool_die(TOOL_EDATA, "%s", buf);
}

/* ---- progress ---------------------------------------------------------- */

static const char *plabel;
static double t_start, t_last;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tool_set_quiet(int q) { quiet = q; }
int tool_quiet(void) { return quiet; }

void tool_progress_label(const char *label)
{
    tool_progress_done();
    plabel = label;
    t_start = t_last = 0;
}

static void hms(char *b, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(b, n, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60) snprintf(b, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(b, n, "%lds", t);
}

int tool_progress(double f, void *user)
{
    (void)user;
    if (quiet) return 0;
    double t = now_s();
    if (t_start == 0) t_start = t_last = t;
    if (!isatty(STDERR_FILENO)) {
        const char *iv = getenv("CSRO_PROGRESS_INTERVAL");
        double every = iv ? atof(iv) : 10;
        if (t - t_last < every || f <= 0) return 0;
        t_last = t;
        char el[32], eta[32];
        hms(el, sizeof el, t - t_start);
        if (f > 0 && f < 1) hms(eta, sizeof eta, (t - t_start) * (1 - f) / f);
        else snprintf(eta, sizeof eta, "0s");
        fprintf(stderr, "%s: %s%s%.0f%% done, %s elapsed, about %s left\n", progname,
                plabel ? plabel : "", plabel ? ": " : "", f * 100, el, eta);
        return 0;
    }
    int w = 40, k = (int)(f * w + 0.5);
    if (k < 0) k = 0;
    if (k > w) k = w;
    bar_len = fprintf(stderr, "\r%s%s%s [%.*s%*s] %3d%%", progname, plabel ? " " : "", plabel ? plabel : "", k,
            "########################################", w - k, "", (int)(f * 100 + 0.5));
    if (bar_len < 0) bar_len = 0;
    bar_shown = 1;
    return 0;
}

void tool_progress_done(void)
{
    if (bar_shown) { fputc('\n', stderr); bar_shown = 0; }
}

/* ---- JSON -------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

/* Separator, indentation and key of the next member. */
static void json_member(tool_json *j, const char *key)
{
    int inl = j->inline_depth && j->depth >= j->inline_depth;
    if (j->count[j->depth]++) fputc(',', j->f);
    if (inl) { if (j->count[j->depth] > 1) fputc(' ', j->f); }
    else fprintf(j->f, "\n%*s", 2 * (j->depth + 1), "");
    if (key) { json_string(j->f, key); fputs(": ", j->f); }
}

static void json_open(tool_json *j, const char *key, char open, char close)
{
    json_member(j, key);
    fputc(open, j->f);
    if (j->depth < 31) j->depth++;
    j->count[j->depth] = 0;
    j->close[j->depth] = close;
}

void tool_json_begin(tool_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    fputc('{', f);
    j->close[0] = '}';
}

void tool_json_object(tool_json *j, const char *key) { json_open(j, key, '{', '}'); }
void tool_json_array(tool_json *j, const char *key) { json_open(j, key, '[', ']'); }
void tool_json_inline(tool_json *j) { if (!j->inline_depth) j->inline_depth = j->depth; }

void tool_json_close(tool_json *j)
{
    int inl = j->inline_depth && j->depth >= j->inline_depth;
    if (!inl && j->count[j->depth]) fprintf(j->f, "\n%*s", 2 * j->depth, "");
    fputc(j->close[j->depth], j->f);
    if (j->inline_depth == j->depth) j->inline_depth = 0;
    if (j->depth > 0) j->depth--;
}

void tool_json_end(tool_json *j)
{
    while (j->depth > 0) tool_json_close(j);
    fputs(j->count[0] ? "\n}\n" : "}\n", j->f);
}

void tool_json_str(tool_json *j, const char *key, const char *s) { json_member(j, key); json_string(j->f, s); }
void tool_json_int(tool_json *j, const char *key, long long v) { json_member(j, key); fprintf(j->f, "%lld", v); }
void tool_json_bool(tool_json *j, const char *key, int v) { json_member(j, key); fputs(v ? "true" : "false", j->f); }
void tool_json_null(tool_json *j, const char *key) { json_member(j, key); fputs("null", j->f); }

void tool_json_num(tool_json *j, const char *key, double v)
{
    json_member(j, key);
    if (isfinite(v)) fprintf(j->f, "%.10g", v);
    else fputs("null", j->f);
}

csro_probmap *tool_load_map(const char *const *paths, size_t npaths, const char *cls, int mode, double *thr,
                            double mean_default)
{
    csro_probmap *m;
    int rc;
    if (mode >= 0 || cls) {
        if (mode < 0) mode = CSRO_PROBMAP_SUM;
        if ((rc = csro_probmap_load_parts(&m, paths, npaths, cls, CSRO_PROBMAP_MEANS, mode))) tool_fail(rc);
        if (isnan(*thr)) *thr = mode == CSRO_PROBMAP_SUM ? 3.75 : mean_default;
        return m;
    }
    char note[512];
    double t;
    if ((rc = csro_probmap_load_auto_parts(&m, &t, paths, npaths, note, sizeof note))) tool_fail(rc);
    if (isnan(*thr)) *thr = t;
    else snprintf(note + strlen(note), sizeof note - strlen(note), " (overridden: threshold %g)", *thr);
    if (!tool_quiet()) {
        if (npaths > 1) fprintf(stderr, "%s: %s and %zu more part(s): %s\n", tool_name(), paths[0], npaths - 1, note);
        else fprintf(stderr, "%s: %s: %s\n", tool_name(), paths[0], note);
    }
    return m;
}

#ifndef CSRO_MODELDIR
#define CSRO_MODELDIR "/usr/local/share/csro/models"
#endif

/* Directory of the running executable (Linux /proc), "" if unknown. */
static void exe_dir(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) { buf[0] = 0; return; }
    buf[n] = 0;
    char *s = strrchr(buf, '/');
    if (s) *s = 0;
    else buf[0] = 0;
}

int tool_default_model(char *buf, size_t len, const char *a, const char *b)
{
    /* $CSRO_MODEL_DIR (or the library's built-in directory) first; when
     * CSRO_MODEL_DIR is set it is the only place looked in */
    if (!csro_classify_default_model(buf, len, a, b, NULL)) return 0;
    const char *env = getenv("CSRO_MODEL_DIR");
    if (env && *env) return CSRO_ENOTFOUND;
    char exe[4096], src[4200];
    exe_dir(exe, sizeof exe);
    snprintf(src, sizeof src, "%.4000s/../../models", exe);
    const char *dirs[2] = {CSRO_MODELDIR, *exe ? src : NULL};
    for (int i = 0; i < 2; i++)
        if (dirs[i] && !csro_classify_default_model(buf, len, a, b, dirs[i])) return 0;
    buf[0] = 0;
    char msg[8800];
    snprintf(msg, sizeof msg, "no default model for the pair %s-%s (looked for %s-%s.csronet in %s%s%s); "
             "give one with -m MODEL.csronet or set CSRO_MODEL_DIR", a, b, a, b, CSRO_MODELDIR,
             *exe ? " and " : "", *exe ? src : "");
    tool_die(TOOL_EDATA, "%s", msg);
}

size_t tool_map_roi(const csro_probmap *m, const csro_recon *r, int32_t *ion, const char *recon, const char *map)
{
    size_t n = csro_recon_count(r), dims[3], inroi = 0;
    const float *x = csro_recon_x(r), *y = csro_recon_y(r), *z = csro_recon_z(r);
    double o[3], hi[3], s = csro_probmap_spacing(m);
    csro_probmap_origin(m, o);
    csro_probmap_dims(m, dims);
    for (int a = 0; a < 3; a++) hi[a] = o[a] + (double)dims[a] * s;
    for (size_t i = 0; i < n; i++) {
        double p[3] = {x[i], y[i], z[i]};
        int ok = 1;
        for (int a = 0; a < 3; a++) ok &= p[a] >= o[a] && p[a] <= hi[a];
        if (!ok && ion) ion[i] = -1;
        inroi += (size_t)ok;
    }
    if (n && !inroi)
        tool_die(TOOL_EDATA, "%s: no ion lies in the ROI [%g, %g] x [%g, %g] x [%g, %g] nm of %s: not the reconstruction of this map?",
                 recon, o[0], hi[0], o[1], hi[1], o[2], hi[2], map);
    return inroi;
}
