/* tools/common.h: shared plumbing of the libcsro command-line tools
 * (options, messages, exit codes, number parsing, atomic outputs, progress,
 * JSON). Not installed. Every tool follows the glossary below; new tools and
 * new options reuse these helpers instead of writing their own.
 *
 * OPTION GLOSSARY (also man/man7/csro-tools.7). A short letter means the
 * same thing in every tool; options used by one tool only stay long-only.
 *   -o, --output FILE     output ('-' = stdout; see the output rules below)
 *   -f, --format FMT      format of the output (text, tsv, json, prob, zsdm,
 *                         pos, epos, apt, csv: what the tool writes)
 *   -i, --input-format F  reconstruction format (pos, epos, apt, csv) when
 *                         the input's name does not say
 *   -r, --ranges FILE     range file (RRNG or RNG)
 *   -p, --pair A-B        species pair; A alone means A-A where allowed.
 *                         Aliases kept: apt-sdm -a/--species-a, -b/--species-b
 *   -s, --species LIST    species selection (element, ion or list)
 *   -c, --class NAME|I    class of a probability file
 *   -m, --model FILE      .csronet ensemble
 *   -M, --map FILE        .prob file (csro-classify output) used as a map
 *   -t, --threshold T     selection threshold (value > T)
 *   -j, --threads N       worker threads (0 = all cores)
 *   -q, --quiet           no progress, no summary on stderr
 *   -h, --help            help on stdout, then exit 0 (non-zero when stdout
 *                         cannot be written)
 *   -V, --version         version on stdout
 * Long-only everywhere: --mode sum|mean, --truth FILE, --seed N, --batch N,
 * --preprocess raw|minmax|experimental, --lattice fcc|bcc, --voxel,
 * --stride, --radius, --bin-width, --crop, --roi, --direction.
 * Options are parsed by tool_getopt (getopt_long): one option table per
 * tool, -h -V -q added by it, unknown options refused with "did you mean".
 *
 * OUTPUT RULES (one writer for every tool, lib/base/fileio.h):
 *   - a new file gets mode 0666 minus the umask; a replaced file keeps its
 *     mode; a symbolic link's target is replaced, not the link;
 *   - an existing FIFO or character device is written directly, as '-';
 *   - everything else goes to "OUT.csro-tmp.PID.XXXXXX" beside OUT, fsynced
 *     and renamed over OUT when the run succeeds (then the directory is
 *     fsynced); all outputs of one run are committed together or none;
 *   - SIGTERM, SIGINT, SIGHUP and SIGXFSZ remove the run's temporaries
 *     (SIGKILL cannot be caught: remove leftover *.csro-tmp.* by hand);
 *   - an output that is the same file as an input (same device and inode)
 *     is refused before any work. */
#ifndef CSRO_TOOLS_COMMON_H
#define CSRO_TOOLS_COMMON_H

#include "csro.h"
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes: 0 ok, 1 bad data or I/O, 2 usage. */
enum { TOOL_OK = 0, TOOL_EDATA = 1, TOOL_EUSAGE = 2 };

/* Program name for messages and the help text printer (writes to stdout;
 * NULL if the tool has none). Call first in main. */
void tool_init(const char *name, void (*usage)(void));
const char *tool_name(void);
/* "name: message" on stderr, remove uncommitted outputs, exit(code). */
_Noreturn void tool_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a failed library call: "name: <csro_last_error()>" and exit 1
 * (temporary names in the text are replaced by the output they stand for). */
_Noreturn void tool_fail(int rc);
/* Usage error with a hint to --help; exits 2. */
_Noreturn void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Help text / "name (libcsro) version" on stdout, exit 0, or 1 naming the
 * cause when stdout cannot be written (e.g. /dev/full). */
_Noreturn void tool_help(void);
_Noreturn void tool_version(void);

/* getopt_long with the glossary's -h/--help, -V/--version, -q/--quiet
 * added to shorts and lo (which must not hold them) and handled here.
 * Returns the next option as getopt_long does, -1 at the end; unknown
 * options and missing values exit 2 with one message ("did you mean"). */
int tool_getopt(int argc, char **argv, const char *shorts, const struct option *lo);

/* Refuse to write binary output to a terminal (path "-" and stdout a tty). */
void tool_refuse_tty(const char *path);

/* Strict number parsing; exit 2 naming the option on failure. */
double tool_double(const char *opt, const char *s);
long tool_long(const char *opt, const char *s, long min, long max);
uint64_t tool_u64(const char *opt, const char *s);
/* Parse "a,b,c" (n values) into v; exit 2 on failure. */
void tool_doubles(const char *opt, const char *s, double *v, int n);

/* Our threads call sgemm concurrently, so OpenBLAS must run
 * single-threaded; only OPENBLAS_NUM_THREADS=1 at start-up does that
 * reliably (with its pool started, concurrent calls were measured to
 * serialise even after openblas_set_num_threads(1)). Re-executes the
 * program once with it set unless the user set it; call first in main. */
void tool_openblas_single(char **argv);

/* Option values shared by several tools; each exits 2 naming opt when s
 * is not one of the accepted words. */
int tool_lattice(const char *opt, const char *s);      /* fcc | bcc */
int tool_map_mode(const char *opt, const char *s);     /* sum | mean */
int tool_recon_format(const char *opt, const char *s); /* pos | epos | apt | ato | csv */
int tool_preprocess(const char *opt, const char *s);   /* raw | minmax | experimental */
const char *tool_preprocess_name(int state);
/* One word of words ("tsv|json|...") -> its index; exit 2 otherwise. */
int tool_choice(const char *opt, const char *s, const char *words);
/* "A-B" into a and b (each < TOOL_SPECIES_MAX bytes); "A" alone gives A-A
 * when single_ok, else is refused. */
#define TOOL_SPECIES_MAX 128
void tool_pair(const char *opt, const char *s, int single_ok, char *a, char *b);

/* ---- inputs and outputs -------------------------------------------------
 * tool_input: note an input path (not "-") so that outputs can be checked
 * against it; exits 1 if it is a directory. tool_out_open: open an output
 * the tool writes itself (FILE*, rules above). tool_out_lib: reserve an
 * output a library function writes; returns the path to give it (a
 * temporary beside path, or path itself for '-', FIFOs and devices).
 * tool_commit: make every output of the run durable, then rename them all;
 * on any failure remove them all and exit 1. Outputs not committed are
 * removed at exit. At most TOOL_MAX_OUTPUTS outputs per run. */
#define TOOL_MAX_OUTPUTS 64
void tool_input(const char *path);
/* tool_input, and a file of another known kind (by its first bytes:
 * .zsdm, .prob, .csronet, .truth, Keras HDF5, TIFF) is refused naming what it is
 * and what the tool wants ("x.prob is a probability file (csro-classify
 * output); csro-classify wants a .zsdm from apt-voxelize"). Standard input
 * and FIFOs are not read ahead. */
enum { TOOL_IN_ZSDM = 1, TOOL_IN_BANK, TOOL_IN_PROB, TOOL_IN_MODEL, TOOL_IN_RECON, TOOL_IN_RANGES,
       TOOL_IN_KERAS, TOOL_IN_TEXT, TOOL_IN_TRUTH };
void tool_input_as(const char *path, int kind);
/* Refuse (exit 2) an output name whose extension is not one of exts
 * ("tif|tiff"), naming what the tool writes there (what: "a TIFF stack").
 * "-", names without an extension, FIFOs and devices are accepted. With
 * exts NULL only the extensions of the binary formats are refused (for
 * text outputs). */
void tool_out_ext(const char *opt, const char *path, const char *exts, const char *what);
FILE *tool_out_open(const char *path);
const char *tool_out_lib(const char *path);
void tool_commit(void);
/* Read-modify-write outputs (e.g. a table a row is appended to) may be an
 * input too: call before tool_out_open for such a path. */
void tool_out_may_be_input(const char *path);

/* ---- progress -----------------------------------------------------------
 * On a terminal: a bar; otherwise (logs, nohup, Slurm) one line about every
 * 10 s (CSRO_PROGRESS_INTERVAL seconds if set) with the percentage, the
 * elapsed time and an estimate of the time left. Nothing when quiet.
 * tool_progress is usable as a csro_progress_fn with user = NULL;
 * tool_progress_label names the current pass ("pass 1/2: counting"). */
void tool_set_quiet(int q);
int tool_quiet(void);
void tool_progress_label(const char *label);
int tool_progress(double fraction, void *user);
void tool_progress_done(void);
/* printf to stderr unless quiet (ends the progress bar first). */
void tool_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- JSON ---------------------------------------------------------------
 * A small streaming emitter: objects and arrays nest, commas and
 * indentation (two spaces per level, one member per line) are automatic;
 * key is NULL inside arrays. Non-finite numbers are written as null. */
typedef struct { FILE *f; int depth, inline_depth; int count[32]; char close[32]; } tool_json;
void tool_json_begin(tool_json *j, FILE *f);            /* opens the top object */
void tool_json_end(tool_json *j);                       /* closes it, newline */
void tool_json_object(tool_json *j, const char *key);   /* opens {  */
void tool_json_array(tool_json *j, const char *key);    /* opens [  */
void tool_json_inline(tool_json *j);  /* members of the container just opened on one line */
void tool_json_close(tool_json *j);                     /* closes } or ] */
void tool_json_str(tool_json *j, const char *key, const char *s);
void tool_json_num(tool_json *j, const char *key, double v);   /* %.10g */
void tool_json_int(tool_json *j, const char *key, long long v);
void tool_json_bool(tool_json *j, const char *key, int v);
void tool_json_null(tool_json *j, const char *key);

/* The CSRO map of a .prob file, or of the npaths part files of one grid
 * (apt-voxelize --part): the rule it carries (csro_probmap_load_auto_parts,
 * with a note on stderr unless quiet) when neither mode (>= 0) nor cls is
 * given; else the plain map of that mode. *thr: NAN = the rule's (or 3.75
 * for sum, mean_default for mean), else kept as the override. */
csro_probmap *tool_load_map(const char *const *paths, size_t npaths, const char *cls, int mode, double *thr,
                            double mean_default);

/* Ions of r inside the ROI of m (the box origin .. origin + dims *
 * spacing, edges included); with ion != NULL, ion[i] = -1 for the ions
 * outside. Exits 1 naming both files when r has ions and none lies in the
 * ROI (not the reconstruction of this map). Returns the number inside. */
size_t tool_map_roi(const csro_probmap *m, const csro_recon *r, int32_t *ion, const char *recon, const char *map);

/* Path of the default model A-B.csronet of a pair into buf: in
 * $CSRO_MODEL_DIR when set (only there; CSRO_ENOTFOUND with the library's
 * message if absent), else in the installed models directory and, when run
 * from a build tree (BUILD/bin), the source tree's models/; exits 1 with a
 * clear message when there is none. */
int tool_default_model(char *buf, size_t len, const char *a, const char *b);

#endif
