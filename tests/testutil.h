/* tests/testutil.h: helpers shared by the Check suites. */
#ifndef CSRO_TESTUTIL_H
#define CSRO_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* Path under tests/data (CSRO_TESTDATA); static buffer per call slot. */
const char *tu_data(const char *name);
/* A fresh temporary directory for this process (removed at exit). */
const char *tu_tmpdir(void);
/* Path inside tu_tmpdir(); returns a malloc'ed string the caller frees. */
char *tu_tmp(const char *name);
/* Write bytes to a file; returns 0 on success. */
int tu_write(const char *path, const void *data, size_t n);
/* Read a whole file (malloc'ed, *n its size); NULL on failure. */
void *tu_read(const char *path, size_t *n);
/* Run one suite, return process exit status (0 if all passed). */
int tu_run(Suite *s);

#endif
