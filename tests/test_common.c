/* test_common.c: errors, version, RNG streams, atomic output, container. */
#include "testutil.h"
#include "base/internal.h"
#include "spatial/sdm_impl.h"
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

START_TEST(test_version_and_errors)
{
    ck_assert_str_eq(csro_version(), CSRO_VERSION_STRING);
    ck_assert_str_eq(csro_strerror(CSRO_EFORMAT), "malformed or truncated input");
    ck_assert_int_eq(cs_err(CSRO_EINVAL, "x.pos: bad %d", 7), CSRO_EINVAL);
    ck_assert_str_eq(csro_last_error(), "x.pos: bad 7");
}
END_TEST

START_TEST(test_rng_streams)
{
    cs_rng a, b, c;
    cs_rng_init(&a, 42, 0);
    cs_rng_init(&b, 42, 0);
    cs_rng_init(&c, 42, 1);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = cs_rng_next(&a);
        ck_assert_uint_eq(x, cs_rng_next(&b));
        same += x == cs_rng_next(&c);
    }
    ck_assert_int_eq(same, 0);
    /* moments of the normal and uniform generators: mean 0 +- 5 sigma/sqrt(n) */
    double s = 0, s2 = 0, su = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double g = cs_rng_normal(&a);
        s += g; s2 += g * g;
        su += cs_rng_uniform(&a);
        ck_assert_uint_lt(cs_rng_below(&a, 7), 7);
    }
    ck_assert(fabs(s / n) < 5.0 / sqrt(n));
    ck_assert(fabs(s2 / n - 1.0) < 5.0 * sqrt(2.0 / n));
    ck_assert(fabs(su / n - 0.5) < 5.0 * sqrt(1.0 / 12 / n));
}
END_TEST

START_TEST(test_atomic_output)
{
    char *p = tu_tmp("atomic.txt");
    cs_out *o;
    ck_assert_int_eq(cs_out_open(&o, p), 0);
    fputs("hello", cs_out_fp(o));
    ck_assert_int_eq(access(p, F_OK), -1); /* not visible before commit */
    cs_out_abort(o);
    ck_assert_int_eq(access(p, F_OK), -1);
    ck_assert_int_eq(cs_out_open(&o, p), 0);
    fputs("hello", cs_out_fp(o));
    ck_assert_int_eq(cs_out_commit(o), 0);
    size_t n;
    char *d = tu_read(p, &n);
    ck_assert_uint_eq(n, 5);
    free(d);
    ck_assert_int_eq(cs_out_open(&o, "/nonexistent-dir/x"), CSRO_EIO);
    ck_assert_ptr_null(o);
    ck_assert(strstr(csro_last_error(), "/nonexistent-dir/x") != NULL);
    free(p);
}
END_TEST

static const char MAGIC[8] = "CSROTST\0";

START_TEST(test_container_roundtrip_and_corruption)
{
    char *p = tu_tmp("c.bin");
    size_t n = 3u << 20; /* spans several chunks */
    unsigned char *data = malloc(n), *back = malloc(n);
    cs_rng r;
    cs_rng_init(&r, 1, 0);
    for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i % 251 ^ (cs_rng_next(&r) & 3));
    cs_cw *w;
    ck_assert_int_eq(cs_cw_open(&w, p, MAGIC, 3, "hdr", 3), 0);
    ck_assert_int_eq(cs_cw_write(w, data, n), 0);
    ck_assert_int_eq(cs_cw_close(w), 0);

    cs_cr *rd;
    uint32_t ver, hl;
    void *hdr;
    ck_assert_int_eq(cs_cr_open(&rd, p, MAGIC, &ver, &hdr, &hl), 0);
    ck_assert_uint_eq(ver, 3);
    ck_assert_uint_eq(hl, 3);
    ck_assert_int_eq(memcmp(hdr, "hdr", 3), 0);
    free(hdr);
    ck_assert_int_eq(cs_cr_read(rd, back, n), 0);
    ck_assert_int_eq(memcmp(back, data, n), 0);
    ck_assert_int_eq(cs_cr_at_end(rd), 1);
    ck_assert_int_eq(cs_cr_read(rd, back, 1), CSRO_EFORMAT);
    cs_cr_close(rd);

    /* flip one byte in the middle: checksum or decompression error */
    size_t fn;
    unsigned char *file = tu_read(p, &fn);
    file[fn / 2] ^= 0x40;
    ck_assert_int_eq(tu_write(p, file, fn), 0);
    ck_assert_int_eq(cs_cr_open(&rd, p, MAGIC, &ver, &hdr, &hl), 0);
    free(hdr);
    ck_assert_int_eq(cs_cr_read(rd, back, n), CSRO_ECHECKSUM);
    cs_cr_close(rd);
    /* truncations */
    file[fn / 2] ^= 0x40;
    size_t cuts[] = {0, 5, 12, 20, 100, fn / 3, fn - 1};
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        ck_assert_int_eq(tu_write(p, file, cuts[c]), 0);
        int rc = cs_cr_open(&rd, p, MAGIC, &ver, &hdr, &hl);
        if (rc == 0) {
            free(hdr);
            rc = cs_cr_read(rd, back, n);
            if (rc == 0) rc = cs_cr_at_end(rd) == 1 ? 0 : -1;
            cs_cr_close(rd);
        }
        ck_assert_int_lt(rc, 0);
        ck_assert(strstr(csro_last_error(), p) != NULL);
    }
    /* #14 item 9: any byte after the end record is refused */
    unsigned char *longer = malloc(fn + 1);
    memcpy(longer, file, fn);
    longer[fn] = 0;
    ck_assert_int_eq(tu_write(p, longer, fn + 1), 0);
    ck_assert_int_eq(cs_cr_open(&rd, p, MAGIC, &ver, &hdr, &hl), 0);
    free(hdr);
    ck_assert_int_eq(cs_cr_read(rd, back, n), 0);
    ck_assert_int_eq(cs_cr_at_end(rd), CSRO_EFORMAT);
    ck_assert_msg(strstr(csro_last_error(), "after the end record"), "%s", csro_last_error());
    cs_cr_close(rd);
    free(longer);
    /* wrong magic */
    ck_assert_int_eq(tu_write(p, "NOTCSRO-xxxxxxxxxxxxxxxxxx", 26), 0);
    ck_assert_int_eq(cs_cr_open(&rd, p, MAGIC, &ver, &hdr, &hl), CSRO_EFORMAT);
    free(file); free(data); free(back); free(p);
}
END_TEST

/* Two atoms 0.3 nm apart in z (and 0.1 in x): one count each way, in the
 * bins whose left edges are the largest <= +-0.3 (hand computed:
 * (0.3 + 1.5) * 200/3 = 120 -> kept index 120 - 54 = 66, left edge 0.3;
 * (-0.3 + 1.5) * 200/3 = 80 -> 26, left edge -0.3). */
START_TEST(test_sdm_two_atoms)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_uint_eq(csro_sdm_opts_nbins(o), 93);
    ck_assert_uint_eq(csro_sdm_opts_first_bin(o), 54);
    ck_assert(fabs(csro_sdm_opts_bin_left(o, 0) + 0.69) < 1e-12);
    ck_assert(fabs(csro_sdm_opts_bin_left(o, 92) - 0.69) < 1e-12);
    float x[2] = {0.0f, 0.1f}, y[2] = {0, 0}, z[2] = {0.0f, 0.3f};
    uint64_t h[93] = {0};
    ck_assert_int_eq(csro_sdm_points(o, x, y, z, 2, x, y, z, 2, h, 93), 0);
    uint64_t tot = 0;
    for (int i = 0; i < 93; i++) tot += h[i];
    ck_assert_uint_eq(tot, 2);
    size_t kp = (size_t)((double)(0.3f) + 1.5) * 0 + (size_t)(((double)0.3f + 1.5) * 200 / 3.0) - 54;
    size_t km = (size_t)((-(double)0.3f + 1.5) * 200 / 3.0) - 54;
    ck_assert_uint_eq(h[kp], 1);
    ck_assert_uint_eq(h[km], 1);
    /* same z: dz == 0 pairs are dropped */
    z[1] = 0.0f;
    memset(h, 0, sizeof h);
    csro_sdm_points(o, x, y, z, 2, x, y, z, 2, h, 93);
    tot = 0;
    for (int i = 0; i < 93; i++) tot += h[i];
    ck_assert_uint_eq(tot, 0);
    ck_assert_int_eq(csro_sdm_opts_set_radius(o, -1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sdm_opts_set_bin_width(o, 2.0), CSRO_EINVAL);
    csro_sdm_opts_free(o);
}
END_TEST

CSRO_TEST_MAIN("common", 60, test_version_and_errors, test_rng_streams, test_atomic_output,
               test_container_roundtrip_and_corruption, test_sdm_two_atoms)
