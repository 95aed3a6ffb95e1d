/* test_scale.c: issue 16 pieces. Container chunks compressed by threads
 * (bytes independent of the thread count; level 0 = zlib stored blocks
 * decoded with zlib here); raw stored chunks (re-encoded by hand from a
 * level-1 file) read back; the chunked reconstruction stream (POS and EPOS
 * bytes written by hand, CSV) against the values written; part files of one
 * grid merged into the whole map, with and without a map rule. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static csro_zsdm_meta *mk_meta(const double lo[3], const double hi[3], int classes)
{
    return tu_voxel_meta(lo, hi, classes ? 2 : 0);
}

static const double LO[3] = {-10, -10, -20}, HI[3] = {10, 10, 0};
#define NROWS 9000 /* 93 bins: ~3.4 MB of rows, 4 chunks */

static float pval(size_t i, size_t k) { return (float)((i * 31 + k * 7) % 97); }

static char *write_zsdm(const char *name, int level, int threads)
{
    char *p = tu_tmp(name);
    csro_zsdm_meta *m = mk_meta(LO, HI, 0);
    size_t nb = csro_zsdm_meta_nbins(m);
    csro_zsdm_writer *w;
    ck_assert_int_eq(csro_zsdm_writer_open(&w, p, m), 0);
    csro_zsdm_meta_free(m);
    ck_assert_int_eq(csro_zsdm_writer_set_compression(w, level, threads), 0);
    float *prof = malloc(1000 * nb * sizeof *prof);
    for (size_t i0 = 0; i0 < NROWS; i0 += 1000) {
        for (size_t r = 0; r < 1000; r++)
            for (size_t k = 0; k < nb; k++) prof[r * nb + k] = pval(i0 + r, k);
        ck_assert_int_eq(csro_zsdm_writer_write(w, 1000, prof, NULL, NULL, NULL, NULL), 0);
    }
    /* settings are fixed once chunks exist */
    ck_assert_int_eq(csro_zsdm_writer_set_compression(w, 1, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_zsdm_writer_close(w), 0);
    free(prof);
    return p;
}

static void check_rows(const char *path)
{
    csro_zsdm_reader *r;
    ck_assert_msg(csro_zsdm_reader_open(&r, path) == 0, "%s", csro_last_error());
    size_t nb = csro_zsdm_meta_nbins(csro_zsdm_reader_meta(r)), n, tot = 0;
    float *prof = malloc(777 * nb * sizeof *prof);
    uint64_t idx[777];
    for (;;) {
        ck_assert_msg(csro_zsdm_reader_read(r, 777, prof, idx, NULL, NULL, NULL, &n) == 0, "%s", csro_last_error());
        if (!n) break;
        for (size_t t = 0; t < n; t++) {
            ck_assert_uint_eq(idx[t], tot + t);
            for (size_t k = 0; k < nb; k++) ck_assert(prof[t * nb + k] == pval(tot + t, k));
        }
        tot += n;
    }
    ck_assert_uint_eq(tot, NROWS);
    free(prof);
    csro_zsdm_reader_close(r);
}

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

START_TEST(threads_same_bytes)
{
    char *a = write_zsdm("l1t1.zsdm", 1, 1), *b = write_zsdm("l1t3.zsdm", 1, 3), *c = write_zsdm("l1t0.zsdm", -1, 0);
    size_t na, nb, nc;
    unsigned char *da = tu_read(a, &na), *db = tu_read(b, &nb), *dc = tu_read(c, &nc);
    ck_assert(na == nb && !memcmp(da, db, na));
    ck_assert(na == nc && !memcmp(da, dc, na)); /* automatic = level 1 for files */
    check_rows(a);
    /* level 0 (the .zsdm default): zlib streams of stored blocks, inflated
     * here to the same payload as level 1 */
    char *d = write_zsdm("l0.zsdm", 0, 2);
    size_t nd;
    unsigned char *dd = tu_read(d, &nd);
    ck_assert_uint_gt(nd, NROWS * 93 * 4);
    check_rows(d);
    size_t hl = le32(da + 12), off = 16 + hl + 4, offd = off, chunks = 0;
    ck_assert_int_eq(memcmp(da, dd, off), 0); /* same header */
    for (;;) {
        uint32_t rl = le32(da + off), cl = le32(da + off + 4), rld = le32(dd + offd), cld = le32(dd + offd + 4);
        ck_assert_uint_eq(rl, rld);
        ck_assert_uint_eq(le32(da + off + 8), le32(dd + offd + 8));
        if (!rl) break;
        unsigned char *x = malloc(rl), *y = malloc(rl);
        uLongf lx = rl, ly = rl;
        ck_assert_int_eq(uncompress(x, &lx, da + off + 12, cl), Z_OK);
        ck_assert_int_eq(uncompress(y, &ly, dd + offd + 12, cld), Z_OK);
        ck_assert(lx == rl && ly == rl && !memcmp(x, y, rl));
        ck_assert_uint_gt(cld, rl); /* stored: no smaller than the raw bytes */
        free(x); free(y);
        off += 12 + cl; offd += 12 + cld; chunks++;
    }
    ck_assert_uint_ge(chunks, 3);
    free(da); free(db); free(dc); free(dd);
    free(a); free(b); free(c); free(d);
}
END_TEST

/* Raw stored chunks (what writers send through pipes): the flag bit 31 of
 * comp_len and the raw bytes; built here from a level-1 file. */
START_TEST(raw_stored_chunks)
{
    char *a = write_zsdm("src.zsdm", 1, 2);
    size_t na;
    unsigned char *da = tu_read(a, &na), *out = malloc(NROWS * 400 + 65536);
    size_t hl = le32(da + 12), off = 16 + hl + 4, o = off;
    memcpy(out, da, off);
    unsigned char *firstchunk = NULL;
    for (;;) {
        uint32_t rl = le32(da + off), cl = le32(da + off + 4);
        if (!rl) { memcpy(out + o, da + off, 20); o += 20; break; }
        uint32_t flag = 0x80000000u | rl;
        memcpy(out + o, da + off, 4);
        for (int b = 0; b < 4; b++) out[o + 4 + b] = (unsigned char)(flag >> (8 * b));
        memcpy(out + o + 8, da + off + 8, 4);
        uLongf l = rl;
        ck_assert_int_eq(uncompress(out + o + 12, &l, da + off + 12, cl), Z_OK);
        if (!firstchunk) firstchunk = out + o;
        o += 12 + rl; off += 12 + cl;
    }
    char *b = tu_tmp("raw.zsdm");
    ck_assert_int_eq(tu_write(b, out, o), 0);
    check_rows(b);
    /* a flag whose length disagrees with raw_len is a corrupted header */
    firstchunk[4] ^= 1;
    ck_assert_int_eq(tu_write(b, out, o), 0);
    csro_zsdm_reader *r;
    ck_assert_int_eq(csro_zsdm_reader_open(&r, b), 0);
    size_t n;
    float *prof = malloc(10 * 93 * sizeof *prof);
    ck_assert_int_eq(csro_zsdm_reader_read(r, 10, prof, NULL, NULL, NULL, NULL, &n), CSRO_EFORMAT);
    csro_zsdm_reader_close(r);
    free(prof); free(da); free(out); free(a); free(b);
}
END_TEST

static void put_be(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    p[0] = u >> 24; p[1] = u >> 16; p[2] = u >> 8; p[3] = u;
}

static float ion(size_t i, int c) { return (float)(i % 1000) * 0.01f + (float)c + (float)(i / 1000) * 0.5f; }

static void read_all(csro_recon_stream *s, size_t n, size_t skip)
{
    float x[1000], y[1000], z[1000], m[1000];
    size_t got, k = 0;
    for (;;) {
        ck_assert_msg(csro_recon_stream_read(s, 1000, x, y, z, m, &got) == 0, "%s", csro_last_error());
        if (!got) break;
        for (size_t j = 0; j < got; j++, k++) {
            size_t i = k >= skip ? k + 1 : k; /* ion `skip` dropped */
            ck_assert(x[j] == ion(i, 0) && y[j] == ion(i, 1) && z[j] == ion(i, 2) && m[j] == ion(i, 3));
        }
    }
    ck_assert_uint_eq(k, n);
}

START_TEST(recon_stream)
{
    const size_t n = 70001; /* more than one internal block */
    for (int epos = 0; epos < 2; epos++) {
        size_t rec = epos ? 44 : 16;
        unsigned char *b = calloc(n, rec);
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 4; c++) put_be(b + i * rec + 4 * c, ion(i, c));
        char *p = tu_tmp(epos ? "s.epos" : "s.pos");
        ck_assert_int_eq(tu_write(p, b, n * rec), 0);
        csro_recon_stream *s;
        ck_assert_int_eq(csro_recon_stream_open(&s, p, NULL), 0);
        ck_assert_uint_eq(csro_recon_stream_count(s), n);
        read_all(s, n, SIZE_MAX);
        ck_assert_int_eq(csro_recon_stream_rewind(s), 0);
        read_all(s, n, SIZE_MAX);
        csro_recon_stream_close(s);
        /* a NaN mass at ion 5000: an error naming the ion, or dropped */
        put_be(b + 5000 * rec + 12, NAN);
        ck_assert_int_eq(tu_write(p, b, n * rec), 0);
        ck_assert_int_eq(csro_recon_stream_open(&s, p, NULL), 0);
        float x[8000], y[8000], z[8000], m[8000];
        size_t got;
        ck_assert_int_eq(csro_recon_stream_read(s, 8000, x, y, z, m, &got), CSRO_EFORMAT);
        ck_assert_ptr_nonnull(strstr(csro_last_error(), "ion 5000"));
        csro_recon_stream_close(s);
        csro_load_opts *o = csro_load_opts_new();
        csro_load_opts_set_drop_nonfinite(o, 1);
        ck_assert_int_eq(csro_recon_stream_open(&s, p, o), 0);
        read_all(s, n - 1, 5000);
        csro_recon_stream_close(s);
        csro_load_opts_free(o);
        /* truncated record */
        ck_assert_int_eq(tu_write(p, b, n * rec - 3), 0);
        ck_assert_int_eq(csro_recon_stream_open(&s, p, NULL), CSRO_EFORMAT);
        free(b); free(p);
    }
    /* CSV: loaded and spilled */
    char *p = tu_tmp("s.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "x,y,z,m\n");
    for (size_t i = 0; i < 2500; i++) fprintf(f, "%.9g,%.9g,%.9g,%.9g\n", ion(i, 0), ion(i, 1), ion(i, 2), ion(i, 3));
    fclose(f);
    csro_recon_stream *s;
    ck_assert_int_eq(csro_recon_stream_open(&s, p, NULL), 0);
    read_all(s, 2500, SIZE_MAX);
    csro_recon_stream_close(s);
    free(p);
    ck_assert_int_eq(csro_recon_stream_open(&s, "/nonexistent/x.pos", NULL), CSRO_EIO);
}
END_TEST

/* rows [from, to) of a 2-class .prob; smooth != NULL: a map rule (mean
 * map smoothed by sigma smooth nm, threshold 0.4) in the map.* texts */
static char *write_prob_rule(const char *name, const double *lo, const double *hi, size_t from, size_t to,
                             const char *smooth)
{
    char *p = tu_tmp(name);
    csro_zsdm_meta *m = mk_meta(lo, hi, 1);
    if (smooth) {
        ck_assert_int_eq(csro_zsdm_meta_set_text(m, "map.threshold", "0.4"), 0);
        ck_assert_int_eq(csro_zsdm_meta_set_text(m, "map.mode", "mean"), 0);
        ck_assert_int_eq(csro_zsdm_meta_set_text(m, "map.smooth", smooth), 0);
    }
    csro_prob_writer *w;
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m), 0);
    csro_zsdm_meta_free(m);
    for (size_t i = from; i < to; i++) {
        uint64_t idx = i;
        uint32_t fl = i % 7 == 0 ? CSRO_ROW_NODATA : 0;
        float mean[2] = {1 - (float)(i % 13) / 13, (float)(i % 13) / 13}, sd[2] = {0.01f, (float)(i % 5) / 50};
        ck_assert_int_eq(csro_prob_writer_write(w, 1, &idx, &fl, mean, sd), 0);
    }
    ck_assert_int_eq(csro_prob_writer_close(w), 0);
    return p;
}

static char *write_prob(const char *name, const double *lo, const double *hi, size_t from, size_t to)
{
    return write_prob_rule(name, lo, hi, from, to, NULL);
}

START_TEST(probmap_parts)
{
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, LO, HI, 1.0, 0.5, CSRO_VOXEL_SPHERE), 0);
    size_t nv = csro_grid_count(g), cut1 = nv / 3, cut2 = 2 * nv / 3;
    csro_grid_free(g);
    char *whole = write_prob("whole.prob", LO, HI, 0, nv);
    char *p[3] = {write_prob("p1.prob", LO, HI, 0, cut1), write_prob("p2.prob", LO, HI, cut1, cut2),
                  write_prob("p3.prob", LO, HI, cut2, nv)};
    for (int field = 0; field < 2; field++) {
        csro_probmap *a, *b;
        ck_assert_int_eq(csro_probmap_load(&a, whole, NULL, field, CSRO_PROBMAP_SUM), 0);
        const char *order[3] = {p[2], p[0], p[1]}; /* any order */
        ck_assert_msg(csro_probmap_load_parts(&b, order, 3, NULL, field, CSRO_PROBMAP_SUM) == 0, "%s", csro_last_error());
        ck_assert_uint_eq(csro_probmap_count(a), csro_probmap_count(b));
        ck_assert(!memcmp(csro_probmap_data(a), csro_probmap_data(b), csro_probmap_count(a) * sizeof(float)));
        ck_assert_str_eq(csro_probmap_label(a), csro_probmap_label(b));
        csro_probmap_free(a);
        csro_probmap_free(b);
    }
    /* overlap and foreign grids are refused */
    csro_probmap *m;
    const char *dup[2] = {p[0], whole};
    ck_assert_int_eq(csro_probmap_load_parts(&m, dup, 2, NULL, 0, CSRO_PROBMAP_SUM), CSRO_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "overlap"));
    double hi2[3] = {10, 10, 1};
    char *other = write_prob("other.prob", LO, hi2, 0, 10);
    const char *mix[2] = {p[0], other};
    ck_assert_int_eq(csro_probmap_load_parts(&m, mix, 2, NULL, 0, CSRO_PROBMAP_SUM), CSRO_EMISMATCH);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(csro_probmap_load_parts(&m, mix, 0, NULL, 0, CSRO_PROBMAP_SUM), CSRO_EINVAL);
    free(whole); free(other);
    for (int k = 0; k < 3; k++) free(p[k]);
}
END_TEST

/* The map rule applies to parts as to the whole file: the smoothing
 * crosses the part boundaries, so parts smoothed alone would differ. */
START_TEST(probmap_parts_rule)
{
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, LO, HI, 1.0, 0.5, CSRO_VOXEL_SPHERE), 0);
    size_t nv = csro_grid_count(g), cut1 = nv / 3, cut2 = 2 * nv / 3;
    csro_grid_free(g);
    char *whole = write_prob_rule("rwhole.prob", LO, HI, 0, nv, "1.5");
    char *p[3] = {write_prob_rule("r1.prob", LO, HI, 0, cut1, "1.5"), write_prob_rule("r2.prob", LO, HI, cut1, cut2, "1.5"),
                  write_prob_rule("r3.prob", LO, HI, cut2, nv, "1.5")};
    csro_probmap *a, *b, *c;
    double ta, tb, tc;
    char na[256], nb[256];
    ck_assert_int_eq(csro_probmap_load_auto(&a, &ta, whole, na, sizeof na), 0);
    const char *order[3] = {p[1], p[2], p[0]};
    ck_assert_msg(csro_probmap_load_auto_parts(&b, &tb, order, 3, nb, sizeof nb) == 0, "%s", csro_last_error());
    ck_assert(ta == 0.4 && tb == 0.4);
    ck_assert_str_eq(na, nb);
    ck_assert_int_eq(csro_probmap_mode(b), CSRO_PROBMAP_MEAN);
    ck_assert_uint_eq(csro_probmap_count(a), csro_probmap_count(b));
    ck_assert(!memcmp(csro_probmap_data(a), csro_probmap_data(b), csro_probmap_count(a) * sizeof(float)));
    /* the first part alone, smoothed, differs near its boundary: the test
     * can see a rule applied per part */
    ck_assert_int_eq(csro_probmap_load_auto(&c, &tc, p[0], NULL, 0), 0);
    const float *da = csro_probmap_data(a), *dc = csro_probmap_data(c);
    size_t ndiff = 0;
    for (size_t i = 0; i < csro_probmap_count(a); i++) ndiff += !isnan(dc[i]) && dc[i] != da[i];
    ck_assert_uint_gt(ndiff, 0);
    csro_probmap_free(a); csro_probmap_free(b); csro_probmap_free(c);
    /* parts of another rule (another model) are refused, naming the rule */
    char *q = write_prob_rule("rq.prob", LO, HI, cut2, nv, "0.5");
    const char *mix[3] = {p[0], p[1], q};
    ck_assert_int_eq(csro_probmap_load_auto_parts(&b, &tb, mix, 3, NULL, 0), CSRO_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(csro_last_error(), "map rule"));
    ck_assert_ptr_null(b);
    char *n3 = write_prob("rn3.prob", LO, HI, cut2, nv); /* no rule at all */
    const char *mix2[3] = {p[0], p[1], n3};
    ck_assert_int_eq(csro_probmap_load_auto_parts(&b, &tb, mix2, 3, NULL, 0), CSRO_EMISMATCH);
    const char *mix3[3] = {n3, p[0], p[1]};
    ck_assert_int_eq(csro_probmap_load_parts(&b, mix3, 3, NULL, 0, CSRO_PROBMAP_SUM), CSRO_EMISMATCH);
    free(whole); free(q); free(n3);
    for (int k = 0; k < 3; k++) free(p[k]);
}
END_TEST

CSRO_TEST_MAIN("scale", 60, threads_same_bytes, raw_stored_chunks, recon_stream, probmap_parts, probmap_parts_rule)
