/* tools/common.h: shared plumbing of the libcsro command-line tools
 * (messages, exit codes, number parsing, progress bar). Not installed. */
#ifndef CSRO_TOOLS_COMMON_H
#define CSRO_TOOLS_COMMON_H

#include "csro.h"
#include <stdint.h>

/* Exit codes: 0 ok, 1 bad data or I/O, 2 usage. */
enum { TOOL_OK = 0, TOOL_EDATA = 1, TOOL_EUSAGE = 2 };

void tool_init(const char *name);           /* program name for messages */
const char *tool_name(void);
/* "name: message" on stderr, then exit(code). */
_Noreturn void tool_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a failed library call: "name: <csro_last_error()>" and exit 1. */
_Noreturn void tool_fail(int rc);
/* Usage error with a hint to --help; exits 2. */
_Noreturn void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "name (libcsro) version" and exit 0. */
_Noreturn void tool_version(void);

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
int tool_recon_format(const char *opt, const char *s); /* pos | epos | apt | csv */

/* Progress bar on stderr when stderr is a terminal and not quiet.
 * Usable as a csro_progress_fn with user = NULL. */
void tool_set_quiet(int q);
int tool_quiet(void);
int tool_progress(double fraction, void *user);
void tool_progress_done(void);

#endif
