/* test_prob.c: the .prob file (csro/prob.h): round trips through several
 * chunks, the byte layout of csro-prob(5) decoded by hand with zlib,
 * metadata, bad arguments, truncation, corruption, version. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static csro_zsdm_meta *mk_meta(size_t nclasses)
{
    const double lo[3] = {-10, -10, -20}, hi[3] = {10, 10, 0};
    return tu_voxel_meta(lo, hi, nclasses);
}

/* Deterministic test rows: row i, class c. */
static float mval(size_t i, size_t c) { return (float)((i * 7 + c * 3) % 101) / 100.0f; }
static float sval(size_t i, size_t c) { return (float)((i * 11 + c) % 53) / 1000.0f; }

static char *write_rows(const char *name, size_t n, size_t nc)
{
    char *p = tu_tmp(name);
    csro_zsdm_meta *m = mk_meta(nc);
    csro_prob_writer *w;
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m), 0);
    csro_zsdm_meta_free(m);
    /* write in uneven pieces */
    size_t done = 0, piece = 1;
    while (done < n) {
        size_t k = piece < n - done ? piece : n - done;
        uint64_t *idx = malloc(k * sizeof *idx);
        uint32_t *fl = malloc(k * sizeof *fl);
        float *mean = malloc(k * nc * sizeof *mean), *sd = malloc(k * nc * sizeof *sd);
        for (size_t r = 0; r < k; r++) {
            size_t i = done + r;
            idx[r] = 3 * (uint64_t)i + 5;
            fl[r] = i % 5 == 0 ? CSRO_ROW_NODATA : 0;
            for (size_t c = 0; c < nc; c++) { mean[r * nc + c] = mval(i, c); sd[r * nc + c] = sval(i, c); }
        }
        ck_assert_int_eq(csro_prob_writer_write(w, k, idx, fl, mean, sd), 0);
        free(idx); free(fl); free(mean); free(sd);
        done += k;
        piece = piece * 3 + 1;
    }
    ck_assert_int_eq(csro_prob_writer_close(w), 0);
    return p;
}

/* Reads everything back; returns rows read or a negative error. */
static long read_all(const char *p, size_t nc, int verify)
{
    csro_prob_reader *r;
    int rc = csro_prob_reader_open(&r, p);
    if (rc) { ck_assert_ptr_null(r); return rc; }
    ck_assert_uint_eq(csro_zsdm_meta_nclasses(csro_prob_reader_meta(r)), nc);
    size_t total = 0, max = 1;
    uint64_t idx[4000];
    uint32_t fl[4000];
    float mean[4000 * 3], sd[4000 * 3];
    for (;;) {
        size_t got;
        rc = csro_prob_reader_read(r, max, idx, fl, mean, sd, &got);
        if (rc) { csro_prob_reader_close(r); return rc; }
        if (!got) break;
        for (size_t k = 0; verify && k < got; k++) {
            size_t i = total + k;
            ck_assert_uint_eq(idx[k], 3 * (uint64_t)i + 5);
            ck_assert_uint_eq(fl[k], i % 5 == 0 ? (uint32_t)CSRO_ROW_NODATA : 0u);
            for (size_t c = 0; c < nc; c++) {
                ck_assert(mean[k * nc + c] == mval(i, c));
                ck_assert(sd[k * nc + c] == sval(i, c));
            }
        }
        total += got;
        max = max * 2 + 1 > 4000 ? 4000 : max * 2 + 1;
    }
    csro_prob_reader_close(r);
    return (long)total;
}

START_TEST(roundtrip_many_chunks)
{
    /* 2 classes: 28-byte rows; 1 MiB chunks hold 37449 rows: 100000 spans 3. */
    char *p = write_rows("a.prob", 100000, 2);
    ck_assert_int_eq(read_all(p, 2, 1), 100000);
    free(p);
    p = write_rows("b.prob", 1000, 3);
    ck_assert_int_eq(read_all(p, 3, 1), 1000);
    free(p);
    p = write_rows("empty.prob", 0, 2);
    ck_assert_int_eq(read_all(p, 2, 1), 0);
    free(p);
}
END_TEST

START_TEST(metadata_kept)
{
    char *p = write_rows("m.prob", 10, 2);
    csro_prob_reader *r;
    ck_assert_int_eq(csro_prob_reader_open(&r, p), 0);
    const csro_zsdm_meta *m = csro_prob_reader_meta(r);
    ck_assert_str_eq(csro_zsdm_meta_class(m, 0), "FCC");
    ck_assert_str_eq(csro_zsdm_meta_class(m, 1), "CSRO");
    ck_assert_str_eq(csro_zsdm_meta_pair(m, 0), "Ni");
    ck_assert_uint_eq(csro_zsdm_meta_nbins(m), 93);
    ck_assert(fabs(csro_zsdm_meta_bin_left(m, 0) + 0.69) < 1e-9);
    const csro_grid *g = csro_zsdm_meta_grid(m);
    ck_assert_ptr_nonnull(g);
    size_t d[3];
    csro_grid_dims(g, d);
    /* origins -10, -9.5, ... with origin + 1 <= 10: 39 per x/y; z: 39 too */
    ck_assert_uint_eq(d[0], 39);
    ck_assert_uint_eq(d[2], 39);
    csro_prob_reader_close(r);
    free(p);
}
END_TEST

/* Decode the file by hand (csro-prob(5)): container + row layout. */
START_TEST(byte_layout)
{
    char *p = tu_tmp("l.prob");
    csro_zsdm_meta *m = mk_meta(2);
    csro_prob_writer *w;
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m), 0);
    uint64_t idx[2] = { 0x0102030405060708ull, 42 };
    uint32_t fl[2] = { 0, CSRO_ROW_NODATA };
    float mean[4] = { 0.25f, 0.75f, 0, 0 }, sd[4] = { 0.125f, 0.5f, 0, 0 };
    ck_assert_int_eq(csro_prob_writer_write(w, 2, idx, fl, mean, sd), 0);
    ck_assert_int_eq(csro_prob_writer_close(w), 0);
    csro_zsdm_meta_free(m);
    size_t n;
    unsigned char *b = tu_read(p, &n);
    ck_assert_ptr_nonnull(b);
    ck_assert(memcmp(b, "CSROPROB", 8) == 0);
    ck_assert_uint_eq(b[8] | b[9] << 8, 1); /* version 1 */
    uint32_t hl = b[12] | b[13] << 8 | b[14] << 16 | (uint32_t)b[15] << 24;
    unsigned char *c = b + 16 + hl + 4;
    uint32_t raw = c[0] | c[1] << 8 | c[2] << 16 | (uint32_t)c[3] << 24;
    uint32_t comp = c[4] | c[5] << 8 | c[6] << 16 | (uint32_t)c[7] << 24;
    ck_assert_uint_eq(raw, 2 * (8 + 4 + 2 * 4 + 2 * 4)); /* 56 */
    unsigned char row[64];
    uLongf dl = sizeof row;
    ck_assert_int_eq(uncompress(row, &dl, c + 12, comp), Z_OK);
    ck_assert_uint_eq(dl, 56);
    static const unsigned char r0[28] = {
        8, 7, 6, 5, 4, 3, 2, 1,     /* index, little-endian */
        0, 0, 0, 0,                 /* flags */
        0, 0, 0x80, 0x3e,           /* 0.25f = 0x3e800000 */
        0, 0, 0x40, 0x3f,           /* 0.75f = 0x3f400000 */
        0, 0, 0x00, 0x3e,           /* 0.125f = 0x3e000000 */
        0, 0, 0x00, 0x3f };         /* 0.5f = 0x3f000000 */
    ck_assert(memcmp(row, r0, 28) == 0);
    ck_assert_uint_eq(row[28], 42);
    ck_assert_uint_eq(row[36], 1); /* no-data flag */
    /* the end record follows the single chunk: 0, 0, crc, total = 56 */
    unsigned char *e = c + 12 + comp;
    ck_assert_uint_eq((size_t)(e + 20 - b), n);
    ck_assert_uint_eq(e[0] | e[4], 0);
    ck_assert_uint_eq(e[12], 56);
    free(b);
    free(p);
}
END_TEST

START_TEST(bad_arguments)
{
    char *p = tu_tmp("bad.prob");
    csro_prob_writer *w = (csro_prob_writer *)1;
    csro_zsdm_meta *m0 = mk_meta(0);
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m0), CSRO_EINVAL);
    ck_assert_ptr_null(w);
    ck_assert(strstr(csro_last_error(), "class") != NULL);
    csro_zsdm_meta_free(m0);
    csro_zsdm_meta *m = mk_meta(2);
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m), 0);
    uint64_t idx = 1;
    uint32_t fl = 0x80;
    float mean[2] = { NAN, 0.5f }, sd[2] = { 0, 0 };
    ck_assert_int_eq(csro_prob_writer_write(w, 1, &idx, NULL, mean, sd), CSRO_EINVAL);
    mean[0] = 0.5f;
    ck_assert_int_eq(csro_prob_writer_write(w, 1, &idx, &fl, mean, sd), CSRO_EINVAL);
    ck_assert_int_eq(csro_prob_writer_write(w, 1, &idx, NULL, mean, NULL), 0);
    csro_prob_writer_abort(w);
    size_t n;
    ck_assert_ptr_null(tu_read(p, &n)); /* aborted: no file left */
    csro_prob_writer_abort(NULL);
    csro_prob_reader_close(NULL);
    csro_zsdm_meta_free(m);
    csro_prob_reader *r = (csro_prob_reader *)1;
    ck_assert_int_eq(csro_prob_reader_open(&r, p), CSRO_EIO);
    ck_assert_ptr_null(r);
    free(p);
}
END_TEST

START_TEST(truncated_and_corrupted)
{
    char *p = write_rows("t.prob", 50000, 2);
    size_t n;
    unsigned char *b = tu_read(p, &n);
    ck_assert_ptr_nonnull(b);
    char *q = tu_tmp("cut.prob");
    /* every cut must fail: in the header, a chunk, or the end record */
    size_t cuts[] = { 0, 5, 12, 20, 100, n / 3, n / 2, n - 21, n - 20, n - 8, n - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        ck_assert_int_eq(tu_write(q, b, cuts[i]), 0);
        long rc = read_all(q, 2, 0);
        ck_assert_msg(rc == CSRO_EFORMAT || rc == CSRO_ECHECKSUM, "cut at %zu gave %ld", cuts[i], rc);
    }
    /* flip one payload byte: checksum or decompression failure */
    unsigned char *c = malloc(n);
    memcpy(c, b, n);
    c[n / 2] ^= 0x10;
    ck_assert_int_eq(tu_write(q, c, n), 0);
    ck_assert_int_eq(read_all(q, 2, 0), CSRO_ECHECKSUM);
    /* a future version is refused */
    memcpy(c, b, n);
    c[8] = 2;
    ck_assert_int_eq(tu_write(q, c, n), 0);
    ck_assert_int_eq(read_all(q, 2, 0), CSRO_EUNSUPPORTED);
    /* not a .prob file */
    memcpy(c, "CSROZSDM", 8);
    ck_assert_int_eq(tu_write(q, c, n), 0);
    ck_assert_int_eq(read_all(q, 2, 0), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "cut.prob") != NULL);
    free(c);
    free(b);
    free(q);
    free(p);
}
END_TEST

CSRO_TEST_MAIN("prob", 20, roundtrip_many_chunks, metadata_kept, byte_layout, bad_arguments,
               truncated_and_corrupted)
