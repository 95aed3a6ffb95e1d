/* test_zsdm.c: .zsdm metadata, round trips (files and pipes), corruption,
 * truncation and validation of implausible content. */
#include "testutil.h"
#include "csro.h"
#include "base/internal.h"
#include "formats/zsdm_impl.h"
#include "spatial/grid_impl.h"
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <zlib.h>

#define NB 93

static csro_zsdm_meta *voxel_meta(void)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, o), 0);
    csro_sdm_opts_free(o);
    ck_assert_int_eq(csro_zsdm_meta_set_pair(m, "Ni", "Co"), 0);
    double lo[3] = {0, 0, 0}, hi[3] = {20, 20, 30};
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_CUBE), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_grid(m, g), 0);
    csro_grid_free(g);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, CSRO_PRE_MINMAX), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_text(m, "source", "recon.pos"), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_text(m, "tool", "first"), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_text(m, "tool", "apt-voxelize"), 0);
    return m;
}

static void fill_rows(size_t n, float *prof, uint64_t *idx, uint32_t *fl, uint64_t seed)
{
    cs_rng r;
    cs_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n * NB; i++) prof[i] = (float)(cs_rng_uniform(&r) * 100.0 - 20.0);
    for (size_t i = 0; i < n; i++) {
        idx[i] = (i * 7919) % 39 * 1000 + i % 997;  /* < 39*59*19 voxels */
        fl[i] = (i % 5 == 0) ? CSRO_ROW_NODATA : 0;
    }
}

static void check_meta(const csro_zsdm_meta *m)
{
    ck_assert_int_eq(csro_zsdm_meta_kind(m), CSRO_ZSDM_VOXELS);
    ck_assert_uint_eq(csro_zsdm_meta_nbins(m), NB);
    /* reference edges: np.arange(-1.5, 1.5, 0.015)[54:147] -> -0.69 ... 0.69 */
    ck_assert(fabs(csro_zsdm_meta_bin_left(m, 0) + 0.69) < 1e-9);
    ck_assert(fabs(csro_zsdm_meta_bin_left(m, NB - 1) - 0.69) < 1e-9);
    ck_assert(isnan(csro_zsdm_meta_bin_left(m, NB)));
    ck_assert(fabs(csro_zsdm_meta_bin_width(m) - 0.015) < 1e-15);
    ck_assert(fabs(csro_zsdm_meta_radius(m) - 1.5) < 1e-15);
    ck_assert_uint_eq(csro_zsdm_meta_first_bin(m), 54);
    ck_assert_str_eq(csro_zsdm_meta_pair(m, 0), "Ni");
    ck_assert_str_eq(csro_zsdm_meta_pair(m, 1), "Co");
    ck_assert_ptr_null(csro_zsdm_meta_pair(m, 2));
    const csro_grid *g = csro_zsdm_meta_grid(m);
    ck_assert_ptr_nonnull(g);
    size_t d[3];
    csro_grid_dims(g, d);
    ck_assert_uint_eq(d[0], 39); /* origins 0..19 step 0.5 */
    ck_assert_uint_eq(d[2], 59);
    ck_assert_int_eq(csro_grid_shape(g), CSRO_VOXEL_CUBE);
    ck_assert_int_eq(csro_zsdm_meta_preprocess(m), CSRO_PRE_MINMAX);
    ck_assert_str_eq(csro_zsdm_meta_text(m, "tool"), "apt-voxelize");
    ck_assert_str_eq(csro_zsdm_meta_text(m, "source"), "recon.pos");
    ck_assert_ptr_null(csro_zsdm_meta_text(m, "nope"));
    ck_assert_uint_eq(csro_zsdm_meta_ntexts(m), 2);
    ck_assert_uint_eq(csro_zsdm_meta_nclasses(m), 0);
    ck_assert_uint_eq(csro_zsdm_meta_nparams(m), 0);
}

/* Read all rows in pieces of `piece` and compare with the written ones. */
static void read_compare(const char *path, size_t n, const float *prof, const uint64_t *idx, const uint32_t *fl)
{
    csro_zsdm_reader *r;
    ck_assert_msg(csro_zsdm_reader_open(&r, path) == 0, "%s", csro_last_error());
    check_meta(csro_zsdm_reader_meta(r));
    size_t piece = 777, got = 0, k;
    float *p = malloc(piece * NB * sizeof *p);
    uint64_t ix[777];
    int32_t lab[777];
    uint32_t f[777];
    for (;;) {
        int rc = csro_zsdm_reader_read(r, piece, p, ix, lab, f, NULL, &k);
        ck_assert_msg(rc == 0, "%s", csro_last_error());
        if (!k) break;
        ck_assert_uint_le(got + k, n);
        ck_assert(memcmp(p, prof + got * NB, k * NB * sizeof *p) == 0);
        for (size_t i = 0; i < k; i++) {
            ck_assert_uint_eq(ix[i], idx[got + i]);
            ck_assert_int_eq(lab[i], -1);
            ck_assert_uint_eq(f[i], fl[got + i]);
        }
        got += k;
    }
    ck_assert_uint_eq(got, n);
    /* further reads keep returning 0 rows */
    ck_assert_int_eq(csro_zsdm_reader_read(r, piece, p, NULL, NULL, NULL, NULL, &k), 0);
    ck_assert_uint_eq(k, 0);
    free(p);
    csro_zsdm_reader_close(r);
}

START_TEST(test_roundtrip_voxels)
{
    /* 10000 rows * 388 bytes = 3.9 MB of payload: four 1 MiB chunks */
    const size_t n = 10000;
    float *prof = malloc(n * NB * sizeof *prof);
    uint64_t *idx = malloc(n * sizeof *idx);
    uint32_t *fl = malloc(n * sizeof *fl);
    fill_rows(n, prof, idx, fl, 42);
    csro_zsdm_meta *m = voxel_meta();
    check_meta(m);
    csro_zsdm_meta *c = csro_zsdm_meta_clone(m);
    check_meta(c);
    csro_zsdm_meta_free(c);
    char *path = tu_tmp("v.zsdm");
    csro_zsdm_writer *w;
    ck_assert_int_eq(csro_zsdm_writer_open(&w, path, m), 0);
    ck_assert_int_ne(access(path, F_OK), 0); /* nothing visible before close */
    ck_assert_int_eq(csro_zsdm_writer_write(w, 3000, prof, idx, NULL, fl, NULL), 0);
    ck_assert_int_eq(csro_zsdm_writer_write(w, 1, prof + 3000 * NB, idx + 3000, NULL, fl + 3000, NULL), 0);
    ck_assert_int_eq(csro_zsdm_writer_write(w, n - 3001, prof + 3001 * NB, idx + 3001, NULL, fl + 3001, NULL), 0);
    ck_assert_int_eq(csro_zsdm_writer_close(w), 0);
    read_compare(path, n, prof, idx, fl);
    csro_zsdm_meta_free(m);
    free(path); free(prof); free(idx); free(fl);
}
END_TEST

START_TEST(test_roundtrip_bank)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_sdm_opts_set_bin_width(o, 0.01), 0);
    ck_assert_int_eq(csro_sdm_opts_set_radius(o, 1.0), 0);
    ck_assert_int_eq(csro_sdm_opts_set_crop(o, -0.5, 0.5), 0);
    ck_assert_int_eq(csro_sdm_opts_set_direction(o, 1, 1, 0), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, o), 0);
    ck_assert_int_eq(csro_zsdm_meta_add_class(m, "random"), 0);
    ck_assert_int_eq(csro_zsdm_meta_add_class(m, "L12"), 1);
    ck_assert_int_eq(csro_zsdm_meta_add_class(m, "L12"), CSRO_EINVAL);
    ck_assert_int_eq(csro_zsdm_meta_add_param(m, "sigma_xy"), 0);
    ck_assert_int_eq(csro_zsdm_meta_add_param(m, "efficiency"), 1);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, CSRO_PRE_EXPERIMENTAL), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_preprocess(m, 9), CSRO_EINVAL);
    const size_t nb = csro_sdm_opts_nbins(o), n = 500;
    ck_assert_uint_eq(nb, 100); /* left edges -0.5 ... 0.49 */
    float *prof = malloc(n * nb * sizeof *prof), par[1000];
    int32_t lab[500];
    for (size_t i = 0; i < n * nb; i++) prof[i] = (float)(i % 101) / 100.0f;
    for (size_t i = 0; i < n; i++) { lab[i] = (int32_t)(i % 2); par[2 * i] = (float)i * 0.1f; par[2 * i + 1] = 0.5f; }
    char *path = tu_tmp("b.zsdm");
    csro_zsdm_writer *w;
    ck_assert_int_eq(csro_zsdm_writer_open(&w, path, m), 0);
    ck_assert_int_eq(csro_zsdm_writer_write(w, n, prof, NULL, lab, NULL, par), 0);
    ck_assert_int_eq(csro_zsdm_writer_close(w), 0);

    csro_zsdm_reader *r;
    ck_assert_int_eq(csro_zsdm_reader_open(&r, path), 0);
    const csro_zsdm_meta *rm = csro_zsdm_reader_meta(r);
    ck_assert_int_eq(csro_zsdm_meta_kind(rm), CSRO_ZSDM_BANK);
    ck_assert_ptr_null(csro_zsdm_meta_grid(rm));
    ck_assert_ptr_null(csro_zsdm_meta_pair(rm, 0));
    ck_assert_uint_eq(csro_zsdm_meta_nclasses(rm), 2);
    ck_assert_str_eq(csro_zsdm_meta_class(rm, 1), "L12");
    ck_assert_str_eq(csro_zsdm_meta_param(rm, 0), "sigma_xy");
    ck_assert_int_eq(csro_zsdm_meta_preprocess(rm), CSRO_PRE_EXPERIMENTAL);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(rm, m), 0);
    double lo, hi, u[3];
    ck_assert_int_eq(csro_zsdm_meta_crop(rm, &lo, &hi), 0);
    ck_assert(lo == -0.5 && hi == 0.5);
    ck_assert_int_eq(csro_zsdm_meta_direction(rm, u), 0);
    ck_assert(fabs(u[0] - sqrt(0.5)) < 1e-15 && fabs(u[1] - sqrt(0.5)) < 1e-15 && u[2] == 0);
    /* rebuilt options equal the originals */
    csro_sdm_opts *o2 = csro_zsdm_meta_sdm_opts(rm);
    ck_assert_ptr_nonnull(o2);
    ck_assert_uint_eq(csro_sdm_opts_nbins(o2), nb);
    ck_assert_uint_eq(csro_sdm_opts_first_bin(o2), csro_sdm_opts_first_bin(o));
    for (size_t i = 0; i < nb; i++) ck_assert(csro_sdm_opts_bin_left(o2, i) == csro_sdm_opts_bin_left(o, i));
    ck_assert(fabs(csro_sdm_opts_bin_left(o2, 0) + 0.5) < 1e-12);
    csro_sdm_opts_free(o2);
    float *p = malloc(n * nb * sizeof *p), pp[1000];
    int32_t l[500];
    uint64_t ix[500];
    size_t k;
    ck_assert_int_eq(csro_zsdm_reader_read(r, n + 10, p, ix, l, NULL, pp, &k), 0);
    ck_assert_uint_eq(k, n);
    ck_assert(memcmp(p, prof, n * nb * sizeof *p) == 0);
    ck_assert(memcmp(pp, par, 2 * n * sizeof *pp) == 0);
    for (size_t i = 0; i < n; i++) { ck_assert_int_eq(l[i], lab[i]); ck_assert_uint_eq(ix[i], i); }
    csro_zsdm_reader_close(r);
    csro_sdm_opts_free(o);
    csro_zsdm_meta_free(m);
    free(p); free(prof); free(path);
}
END_TEST

START_TEST(test_pipe)
{
    const size_t n = 3000; /* > 1 chunk, more than a pipe buffer */
    float *prof = malloc(n * NB * sizeof *prof);
    uint64_t *idx = malloc(n * sizeof *idx);
    uint32_t *fl = malloc(n * sizeof *fl);
    fill_rows(n, prof, idx, fl, 7);
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    fflush(stdout);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 1);
        close(fd[1]);
        csro_zsdm_meta *m = voxel_meta();
        csro_zsdm_writer *w;
        int rc = csro_zsdm_writer_open(&w, "-", m);
        if (!rc) rc = csro_zsdm_writer_write(w, n, prof, idx, NULL, fl, NULL);
        if (!rc) rc = csro_zsdm_writer_close(w);
        csro_zsdm_meta_free(m);
        free(prof); free(idx); free(fl);
        _exit(rc ? 1 : 0);
    }
    close(fd[1]);
    int saved = dup(0);
    dup2(fd[0], 0);
    close(fd[0]);
    clearerr(stdin);
    read_compare("-", n, prof, idx, fl);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    dup2(saved, 0);
    close(saved);
    clearerr(stdin);
    free(prof); free(idx); free(fl);
}
END_TEST

/* Write a small voxel file; return its bytes. */
static unsigned char *small_file(const char *path, size_t *len, size_t n)
{
    float *prof = malloc(n * NB * sizeof *prof);
    uint64_t idx[64];
    uint32_t fl[64];
    fill_rows(n, prof, idx, fl, 3);
    csro_zsdm_meta *m = voxel_meta();
    csro_zsdm_writer *w;
    ck_assert_int_eq(csro_zsdm_writer_open(&w, path, m), 0);
    ck_assert_int_eq(csro_zsdm_writer_write(w, n, prof, idx, NULL, fl, NULL), 0);
    ck_assert_int_eq(csro_zsdm_writer_close(w), 0);
    csro_zsdm_meta_free(m);
    free(prof);
    unsigned char *b = tu_read(path, len);
    ck_assert_ptr_nonnull(b);
    return b;
}

/* Open and read everything; return the first error (0 if all fine). */
static int read_all(const char *path, size_t *rows)
{
    csro_zsdm_reader *r;
    int rc = csro_zsdm_reader_open(&r, path);
    *rows = 0;
    if (rc) return rc;
    float p[8 * NB];
    size_t k;
    do {
        rc = csro_zsdm_reader_read(r, 8, p, NULL, NULL, NULL, NULL, &k);
        *rows += k;
    } while (!rc && k);
    csro_zsdm_reader_close(r);
    return rc;
}

START_TEST(test_corruption)
{
    char *path = tu_tmp("c.zsdm"), *bad = tu_tmp("bad.zsdm");
    size_t len, rows;
    unsigned char *b = small_file(path, &len, 12);
    ck_assert_int_eq(read_all(path, &rows), 0);
    ck_assert_uint_eq(rows, 12);
    uint32_t hl = cs_rd_le32(b + 12);
    /* a flipped byte inside the header or the compressed rows: checksum error */
    size_t where[2] = {16 + hl / 2, len - 40};
    for (int i = 0; i < 2; i++) {
        b[where[i]] ^= 0x10;
        ck_assert_int_eq(tu_write(bad, b, len), 0);
        ck_assert_int_eq(read_all(bad, &rows), CSRO_ECHECKSUM);
        ck_assert(strstr(csro_last_error(), "bad.zsdm") != NULL);
        b[where[i]] ^= 0x10;
    }
    /* any flipped byte is detected: every byte of the header and the first
     * chunk header, every 3rd byte of the compressed data, all of the end */
    for (size_t i = 0; i < len; i += (i < 16 + hl + 32 || i + 40 > len) ? 1 : 3) {
        b[i] ^= 0x01;
        ck_assert_int_eq(tu_write(bad, b, len), 0);
        int rc = read_all(bad, &rows);
        ck_assert_msg(rc < 0, "flip at byte %zu of %zu not detected", i, len);
        b[i] ^= 0x01;
    }
    /* truncation at (nearly) every length */
    for (size_t n = 0; n < len; n += (n < 16 + hl + 32 || n + 40 > len) ? 1 : 2) {
        ck_assert_int_eq(tu_write(bad, b, n), 0);
        int rc = read_all(bad, &rows);
        ck_assert_msg(rc == CSRO_EFORMAT || rc == CSRO_ECHECKSUM, "truncated at %zu: rc %d", n, rc);
        ck_assert(strstr(csro_last_error(), "bad.zsdm") != NULL);
    }
    /* wrong magic and unknown version */
    memcpy(b, "CSROPROB", 8);
    ck_assert_int_eq(tu_write(bad, b, len), 0);
    ck_assert_int_eq(read_all(bad, &rows), CSRO_EFORMAT);
    memcpy(b, "CSROZSDM", 8);
    cs_wr_le32(b + 8, 2);
    ck_assert_int_eq(tu_write(bad, b, len), 0);
    ck_assert_int_eq(read_all(bad, &rows), CSRO_EUNSUPPORTED);
    free(b); free(path); free(bad);
}
END_TEST

/* Write a container with the header of m (possibly tampered) and raw rows. */
static int write_raw(const char *path, const csro_zsdm_meta *m, const void *rows, size_t n)
{
    cs_buf b = {0};
    cs_zsdm_meta_encode(m, &b);
    cs_cw *w;
    int rc = cs_cw_open(&w, path, CS_ZSDM_MAGIC, CS_ZSDM_VERSION, b.p, (uint32_t)b.n);
    free(b.p);
    if (rc) return rc;
    if ((rc = cs_cw_write(w, rows, n))) { cs_cw_abort(w); return rc; }
    return cs_cw_close(w);
}

static void make_row(unsigned char *row, uint64_t idx, int32_t lab, uint32_t fl, float v)
{
    cs_wr_le64(row, idx);
    cs_wr_le32(row + 8, (uint32_t)lab);
    cs_wr_le32(row + 12, fl);
    for (int j = 0; j < NB; j++) cs_wr_le32(row + 16 + 4 * j, cs_f2u(v));
}

static void expect_bad(const char *path, const char *what)
{
    size_t rows;
    int rc = read_all(path, &rows);
    ck_assert_msg(rc == CSRO_EFORMAT, "%s: rc %d (%s)", what, rc, csro_last_error());
    ck_assert_msg(strstr(csro_last_error(), what) != NULL, "'%s' not in '%s'", what, csro_last_error());
    ck_assert(strstr(csro_last_error(), "raw.zsdm") != NULL);
}

START_TEST(test_validation)
{
    char *path = tu_tmp("raw.zsdm");
    csro_zsdm_meta *m = voxel_meta();
    unsigned char row[16 + 4 * NB];
    size_t nvox = csro_grid_count(csro_zsdm_meta_grid(m)), rows;
    /* a valid row passes */
    make_row(row, nvox - 1, -1, 1, 0.5f);
    ck_assert_int_eq(write_raw(path, m, row, sizeof row), 0);
    ck_assert_int_eq(read_all(path, &rows), 0);
    ck_assert_uint_eq(rows, 1);
    make_row(row, nvox, -1, 0, 0.5f);
    ck_assert_int_eq(write_raw(path, m, row, sizeof row), 0);
    expect_bad(path, "beyond the grid");
    make_row(row, 0, 0, 0, 0.5f); /* no classes: label 0 is out of range */
    ck_assert_int_eq(write_raw(path, m, row, sizeof row), 0);
    expect_bad(path, "outside the 0 classes");
    make_row(row, 0, -1, 0, NAN);
    ck_assert_int_eq(write_raw(path, m, row, sizeof row), 0);
    expect_bad(path, "not finite");
    make_row(row, 0, -1, 0x80, 1);
    ck_assert_int_eq(write_raw(path, m, row, sizeof row), 0);
    expect_bad(path, "unknown flags");
    ck_assert_int_eq(write_raw(path, m, row, sizeof row - 4), 0); /* partial row */
    ck_assert_int_eq(read_all(path, &rows), CSRO_EFORMAT);
    /* tampered headers */
    m->nbins = 92;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    expect_bad(path, "bins");
    m->nbins = NB;
    m->left[5] += 0.001;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    expect_bad(path, "left edge");
    m->left[5] -= 0.001;
    m->bin_width = NAN;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    expect_bad(path, "implausible SDM radius");
    m->bin_width = 0.015;
    m->grid->dims[1] = 7;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    expect_bad(path, "grid dimension y");
    m->grid->dims[1] = 39;
    m->kind = 3;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    expect_bad(path, "unknown kind");
    m->kind = CSRO_ZSDM_VOXELS;
    ck_assert_int_eq(write_raw(path, m, NULL, 0), 0);
    ck_assert_int_eq(read_all(path, &rows), 0);
    ck_assert_uint_eq(rows, 0);
    /* implausible counts in a hand-made header */
    cs_buf b = {0};
    cs_zsdm_meta_encode(m, &b);
    cs_wr_le32(b.p + 12 + 7 * 8, 0xffffffffu); /* nbins after kind, pre, has_bins, 7 doubles */
    cs_cw *w;
    ck_assert_int_eq(cs_cw_open(&w, path, CS_ZSDM_MAGIC, CS_ZSDM_VERSION, b.p, (uint32_t)b.n), 0);
    ck_assert_int_eq(cs_cw_close(w), 0);
    free(b.p);
    expect_bad(path, "implausible bin count");

    /* the writer refuses what the reader would refuse, and leaves no file */
    char *out = tu_tmp("w.zsdm");
    csro_zsdm_writer *zw;
    float prof[NB];
    for (int j = 0; j < NB; j++) prof[j] = 1;
    prof[50] = INFINITY;
    ck_assert_int_eq(csro_zsdm_writer_open(&zw, out, m), 0);
    ck_assert_int_eq(csro_zsdm_writer_write(zw, 1, prof, NULL, NULL, NULL, NULL), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "not finite") != NULL);
    prof[50] = 1;
    uint64_t big = nvox;
    ck_assert_int_eq(csro_zsdm_writer_write(zw, 1, prof, &big, NULL, NULL, NULL), CSRO_EINVAL);
    int32_t lab = 0;
    ck_assert_int_eq(csro_zsdm_writer_write(zw, 1, prof, NULL, &lab, NULL, NULL), CSRO_EINVAL);
    csro_zsdm_writer_abort(zw);
    ck_assert_int_ne(access(out, F_OK), 0);
    csro_zsdm_meta *nob = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    zw = (csro_zsdm_writer *)1;
    ck_assert_int_eq(csro_zsdm_writer_open(&zw, out, nob), CSRO_EINVAL);
    ck_assert_ptr_null(zw);
    ck_assert_ptr_null(csro_zsdm_meta_new(0));
    csro_zsdm_meta_free(nob);
    csro_zsdm_meta_free(m);
    csro_zsdm_meta_free(NULL);
    csro_zsdm_writer_abort(NULL);
    csro_zsdm_reader_close(NULL);
    free(out); free(path);
}
END_TEST

START_TEST(test_same_bins)
{
    csro_zsdm_meta *a = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS), *b = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), CSRO_EMISMATCH); /* no bins */
    csro_zsdm_meta_set_sdm(a, o);
    csro_zsdm_meta_set_sdm(b, o);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), 0);
    csro_sdm_opts_set_bin_width(o, 0.02); /* 150 bins; crop keeps 70 */
    csro_zsdm_meta_set_sdm(b, o);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), CSRO_EMISMATCH);
    ck_assert(strstr(csro_last_error(), "93 bins vs 70 bins") != NULL);
    csro_sdm_opts_set_bin_width(o, 0.015);
    csro_sdm_opts_set_crop(o, -0.685, 0.7); /* drops the first edge, adds none */
    csro_zsdm_meta_set_sdm(b, o);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), CSRO_EMISMATCH);
    csro_sdm_opts_set_crop(o, -0.7, 0.7);
    csro_sdm_opts_set_direction(o, 0, 1, 0);
    csro_zsdm_meta_set_sdm(b, o);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), CSRO_EMISMATCH);
    ck_assert(strstr(csro_last_error(), "direction") != NULL);
    csro_sdm_opts_set_direction(o, 0, 0, 1);
    csro_zsdm_meta_set_sdm(b, o);
    ck_assert_int_eq(csro_zsdm_meta_same_bins(a, b), 0);
    /* texts: removal and replacement */
    ck_assert_int_eq(csro_zsdm_meta_set_text(a, "k", "v"), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_text(a, "k2", "w"), 0);
    ck_assert_int_eq(csro_zsdm_meta_set_text(a, "k", NULL), 0);
    ck_assert_ptr_null(csro_zsdm_meta_text(a, "k"));
    ck_assert_str_eq(csro_zsdm_meta_text_key(a, 0), "k2");
    ck_assert_int_eq(csro_zsdm_meta_set_text(a, "", "x"), CSRO_EINVAL);
    csro_zsdm_meta *e = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    ck_assert_ptr_null(csro_zsdm_meta_sdm_opts(e));
    csro_zsdm_meta_free(e);
    csro_sdm_opts_free(o);
    csro_zsdm_meta_free(a);
    csro_zsdm_meta_free(b);
}
END_TEST

/* Random mutations of the header with a valid header checksum: the parser's
 * own checks must catch them (or accept a still-valid header), never crash. */
START_TEST(test_fuzz_header)
{
    char *path = tu_tmp("f.zsdm"), *bad = tu_tmp("fz.zsdm");
    size_t len, rows;
    unsigned char *b = small_file(path, &len, 3);
    unsigned char *m = malloc(len);
    const uint32_t hl = cs_rd_le32(b + 12);
    cs_rng r;
    cs_rng_init(&r, 99, 0);
    int rejected = 0;
    for (int it = 0; it < 400; it++) {
        memcpy(m, b, len);
        int k = 1 + (int)cs_rng_below(&r, 4);
        for (int j = 0; j < k; j++) {
            size_t at = 16 + cs_rng_below(&r, hl);
            m[at] = (it % 3 == 0) ? (unsigned char)cs_rng_below(&r, 256) : m[at] ^ (unsigned char)(1u << cs_rng_below(&r, 8));
        }
        cs_wr_le32(m + 16 + hl, (uint32_t)crc32(0L, m + 16, hl));
        ck_assert_int_eq(tu_write(bad, m, len), 0);
        int rc = read_all(bad, &rows);
        ck_assert_msg(rc == 0 || rc == CSRO_EFORMAT || rc == CSRO_EUNSUPPORTED, "iteration %d: rc %d (%s)", it, rc, csro_last_error());
        rejected += rc != 0;
    }
    ck_assert_int_gt(rejected, 200);
    free(m); free(b); free(path); free(bad);
}
END_TEST

CSRO_TEST_MAIN("zsdm", 60, test_roundtrip_voxels, test_roundtrip_bank, test_pipe, test_corruption,
               test_validation, test_same_bins, test_fuzz_header)
