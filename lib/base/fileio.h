/* fileio.h: atomic output files and input opening (private; never
 * installed). The one home of the temp-file + rename writer: the library's
 * writers and the command-line tools (tools/common.c) both use it.
 *
 * Output rules (cs_out_open):
 *  - "-" writes to stdout directly; commit flushes.
 *  - a symbolic link is followed: its final target is replaced, never the
 *    link itself (dangling links too);
 *  - an existing FIFO, character or block device is written directly (as
 *    "-"): no temporary, no rename;
 *  - a directory is refused;
 *  - otherwise writes go to a temporary "<target>.csro-tmp.<pid>.XXXXXX" in
 *    the target's directory, created exclusively (O_EXCL, unpredictable
 *    suffix) with mode 0666 filtered by the umask (and default ACLs), or
 *    with the mode of the file it will replace;
 *  - commit = flush + fsync the file, rename over the target, fsync the
 *    directory; abort = unlink the temporary.
 * Temporary names carry CS_OUT_TMP_TAG and the process id so that a
 * killed run's leftovers are recognisable (SIGKILL cannot be caught) and a
 * caller can remove its own on a signal (see tools/common.c). */
#ifndef CSRO_BASE_FILEIO_H
#define CSRO_BASE_FILEIO_H

#include <stdio.h>

#define CS_OUT_TMP_TAG ".csro-tmp."

typedef struct cs_out cs_out;
int cs_out_open(cs_out **o, const char *path);
FILE *cs_out_fp(cs_out *o);
/* The name given to cs_out_open ("-" for stdout). */
const char *cs_out_path(const cs_out *o);
/* Where the bytes go before commit: the temporary, or the path itself
 * when written directly (stdout, FIFO, device). */
const char *cs_out_write_path(const cs_out *o);
/* Flush and fsync; reports a write error naming its cause. The output stays
 * open for cs_out_commit or cs_out_abort (so several outputs can be made
 * durable first and renamed together). Repeated calls return 0. */
int cs_out_finish(cs_out *o);
int cs_out_commit(cs_out *o);  /* finish, rename, fsync directory; frees o */
void cs_out_abort(cs_out *o);  /* frees o; NULL is a no-op */

/* The file an output path will replace: symbolic links followed to their
 * final target (which need not exist). malloc'ed; 0 or CSRO_E*. */
int cs_out_target(const char *path, char **target);
/* "<target>.csro-tmp.<pid>." : prefix of this process's temporaries for
 * target (malloc'ed, NULL on out of memory). */
char *cs_out_tmp_prefix(const char *target);

/* Open an input path ("-" = stdin). Error text names the path. */
int cs_in_open(FILE **fp, const char *path);
void cs_in_close(FILE *fp);

#endif
