/* tests/testutil.c: see testutil.h. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static void rm_tmpdir(void)
{
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) { /* best effort */ }
    }
}

const char *tu_data(const char *name)
{
    static char buf[4][1024];
    static int slot;
    const char *d = getenv("CSRO_TESTDATA");
    char *b = buf[slot++ & 3];
    snprintf(b, 1024, "%s/%s", d ? d : "tests/data", name);
    return b;
}

const char *tu_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/csro-test-XXXXXX");
        if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(2); }
        atexit(rm_tmpdir);
    }
    return tmpdir;
}

char *tu_tmp(const char *name)
{
    const char *d = tu_tmpdir();
    size_t n = strlen(d) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", d, name);
    return p;
}

int tu_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

void *tu_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    unsigned char *p = malloc(cap);
    for (;;) {
        if (len == cap) p = realloc(p, cap *= 2);
        size_t r = fread(p + len, 1, cap - len, f);
        if (!r) break;
        len += r;
    }
    fclose(f);
    *n = len;
    return p;
}

int tu_main(const char *name, int timeout, const TTest *const *tests, size_t ntests)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    if (timeout > 0) tcase_set_timeout(tc, timeout);
    for (size_t i = 0; i < ntests; i++) tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return tu_run(s);
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

csro_zsdm_meta *tu_voxel_meta(const double lo[3], const double hi[3], size_t nclasses)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS);
    ck_assert_ptr_nonnull(m);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, o), 0);
    csro_sdm_opts_free(o);
    ck_assert_int_eq(csro_zsdm_meta_set_pair(m, "Ni", "Ni"), 0);
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_grid(m, g), 0);
    csro_grid_free(g);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, CSRO_PRE_RAW), 0);
    static const char *names[] = {"FCC", "CSRO", "other"};
    for (size_t c = 0; c < nclasses && c < 3; c++)
        ck_assert_int_eq(csro_zsdm_meta_add_class(m, names[c]), (int)c);
    return m;
}
