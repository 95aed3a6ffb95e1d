/* tests/testutil.h: helpers shared by the Check suites. */
#ifndef CSRO_TESTUTIL_H
#define CSRO_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include "csro.h"

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
/* Run the tests of one suite named name (one test case; timeout in
 * seconds, 0 = Check's default); the exit status of main(). */
int tu_main(const char *name, int timeout, const TTest *const *tests, size_t ntests);

/* Voxel-map metadata of a Ni-Ni raw z-SDM map (default SDM options) on a
 * 1 nm sphere grid, stride 0.5 nm, over [lo, hi]; nclasses (0-3) of the
 * classes FCC, CSRO, other. */
csro_zsdm_meta *tu_voxel_meta(const double lo[3], const double hi[3], size_t nclasses);

/* The main() of a Check suite: CSRO_TEST_MAIN("name", timeout, test_a, test_b, ...). */
#define CSRO_TEST_MAIN(name, timeout, ...)                                       \
    int main(void)                                                               \
    {                                                                            \
        const TTest *const tu_tests_[] = {__VA_ARGS__};                          \
        return tu_main(name, timeout, tu_tests_, sizeof tu_tests_ / sizeof *tu_tests_); \
    }

#endif
