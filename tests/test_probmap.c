/* test_probmap.c: sub-cell CSRO maps on planted volumes (hand-computed
 * sums), a scatter-based second algorithm on random input, thresholds,
 * extraction against a brute-force distance check, TIFF stacks read back
 * with tifffile ($PYTHON) and the VTK header. */
#include "testutil.h"
#include "csro.h"
#include "base/internal.h"
#include <math.h>
#include <stdlib.h>

/* Grid over [0, hi] with v = r*s, s = 0.5 and n voxels per axis. */
static csro_grid *make_grid(const size_t n[3], int r)
{
    double s = 0.5, v = r * s, lo[3] = {0, 0, 0}, hi[3];
    for (int a = 0; a < 3; a++) hi[a] = (double)(n[a] - 1) * s + v + 1e-9;
    csro_grid *g = NULL;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, v, s, CSRO_VOXEL_CUBE), 0);
    size_t d[3];
    csro_grid_dims(g, d);
    for (int a = 0; a < 3; a++) ck_assert_uint_eq(d[a], n[a]);
    return g;
}

/* Voxel probability 1 inside the voxel cube [a, b]^3, 0 elsewhere. */
static void plant_cube(float *p, const size_t n[3], size_t a, size_t b)
{
    for (size_t k = a; k <= b; k++)
        for (size_t j = a; j <= b; j++)
            for (size_t i = a; i <= b; i++) p[i + n[0] * (j + n[1] * k)] = 1;
}

static float at(const csro_probmap *m, size_t i, size_t j, size_t k)
{
    size_t d[3];
    csro_probmap_dims(m, d);
    return csro_probmap_data(m)[i + d[0] * (j + d[1] * k)];
}

START_TEST(test_planted_sum)
{
    const size_t n[3] = {8, 7, 6};
    csro_grid *g = make_grid(n, 2);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    plant_cube(p, n, 2, 4); /* voxels 2..4 cover sub-cells 2..5 */
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    size_t d[3];
    csro_probmap_dims(m, d);
    ck_assert_uint_eq(d[0], 9); ck_assert_uint_eq(d[1], 8); ck_assert_uint_eq(d[2], 7);
    ck_assert_double_eq(csro_probmap_spacing(m), 0.5);
    ck_assert_int_eq(csro_probmap_ratio(m), 2);
    ck_assert_double_eq(csro_probmap_max_value(m), 8);
    /* per axis, sub-cell c lies in voxels {c-1, c}: |{c-1,c} & [2,4]| is 1 at
     * c = 2 and 5, 2 at c = 3, 4: interior 8, faces 4, edges 2, corners 1 */
    ck_assert_float_eq(at(m, 3, 3, 3), 8);
    ck_assert_float_eq(at(m, 4, 4, 4), 8);
    ck_assert_float_eq(at(m, 2, 3, 4), 4);
    ck_assert_float_eq(at(m, 5, 4, 3), 4);
    ck_assert_float_eq(at(m, 2, 2, 3), 2);
    ck_assert_float_eq(at(m, 2, 2, 2), 1);
    ck_assert_float_eq(at(m, 5, 5, 5), 1);
    ck_assert_float_eq(at(m, 1, 3, 3), 0);
    ck_assert_float_eq(at(m, 6, 3, 3), 0);
    ck_assert_float_eq(at(m, 8, 7, 6), 0);
    /* every voxel lies in exactly 8 sub-cells: total = 8 * 27 */
    double tot = 0;
    for (size_t i = 0; i < csro_probmap_count(m); i++) tot += csro_probmap_data(m)[i];
    ck_assert_double_eq(tot, 216);
    /* threshold 3.75 (reference): values 4 and 8 = 8 interior + 6 faces * 4 */
    size_t nsel = 0, mc = csro_probmap_count(m);
    uint8_t *mask = malloc(mc);
    ck_assert_int_eq(csro_probmap_threshold(m, 3.75, INFINITY, mask, mc, &nsel), 0);
    ck_assert_uint_eq(nsel, 32);
    ck_assert_int_eq(mask[3 + 9 * (3 + 8 * 3)], 1);
    ck_assert_int_eq(mask[2 + 9 * (3 + 8 * 3)], 1);
    ck_assert_int_eq(mask[2 + 9 * (2 + 8 * 3)], 0);
    /* band 1.5 < v <= 4: the 24 faces + the 24 edge cells (value 2) */
    ck_assert_int_eq(csro_probmap_threshold(m, 1.5, 4, mask, mc, &nsel), 0);
    ck_assert_uint_eq(nsel, 48);
    /* out of range */
    ck_assert_int_eq(csro_probmap_threshold(m, 8, INFINITY, mask, mc, &nsel), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "outside [0, 8)") != NULL);
    ck_assert_int_eq(csro_probmap_threshold(m, -1, INFINITY, mask, mc, &nsel), CSRO_EINVAL);
    ck_assert_int_eq(csro_probmap_threshold(m, 3, 2, mask, mc, &nsel), CSRO_EINVAL);
    ck_assert_int_eq(csro_probmap_threshold(m, 3, 4, mask, mc - 1, &nsel), CSRO_EMISMATCH);
    free(mask);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

START_TEST(test_planted_mean_nan)
{
    const size_t n[3] = {5, 5, 5};
    csro_grid *g = make_grid(n, 2);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    plant_cube(p, n, 1, 3);
    p[0] = NAN;                  /* voxel (0,0,0) has no data */
    p[1] = 0.25f;                /* voxel (1,0,0) */
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_MEAN), 0);
    ck_assert_double_eq(csro_probmap_max_value(m), 1);
    ck_assert(isnan(at(m, 0, 0, 0)));             /* only voxel 0 covers it */
    ck_assert_float_eq(at(m, 1, 0, 0), 0.25f);     /* voxels 0 (NaN) and 1 */
    ck_assert_float_eq(at(m, 2, 2, 2), 1);         /* 8 planted voxels */
    ck_assert_float_eq(at(m, 1, 2, 2), 0.5f);      /* 4 of 8 */
    ck_assert_float_eq(at(m, 4, 4, 1), 0.125f);    /* 1 of 8: voxel (3,3,1) */
    ck_assert_float_eq(at(m, 1, 1, 1), 1.25f / 7); /* 7 valid: 0.25 + 1 */
    ck_assert_float_eq(at(m, 5, 5, 5), 0);         /* border: voxel (4,4,4) alone */
    csro_probmap_free(m);
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    ck_assert(isnan(at(m, 0, 0, 0)));
    ck_assert_float_eq(at(m, 1, 0, 0), 0.25f);
    size_t mc = csro_probmap_count(m), nsel;
    uint8_t *mask = malloc(mc);
    ck_assert_int_eq(csro_probmap_threshold(m, 0, INFINITY, mask, mc, &nsel), 0);
    ck_assert_int_eq(mask[0], 0); /* NaN never selected */
    free(mask);
    csro_probmap_free(m);
    /* errors: count mismatch, bad mode, non-integer ratio */
    m = (csro_probmap *)1;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt - 1, CSRO_PROBMAP_SUM), CSRO_EMISMATCH);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, 7), CSRO_EINVAL);
    csro_grid_free(g);
    double lo[3] = {0, 0, 0}, hi[3] = {3, 3, 3};
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.4, CSRO_VOXEL_CUBE), 0);
    float *p2 = calloc(csro_grid_count(g), sizeof *p2);
    ck_assert_int_eq(csro_probmap_new(&m, g, p2, csro_grid_count(g), CSRO_PROBMAP_SUM), CSRO_EINVAL);
    free(p2);
    ck_assert(strstr(csro_last_error(), "integer multiple") != NULL);
    csro_grid_free(g);
    free(p);
}
END_TEST

/* Second algorithm: scatter every voxel into its r^3 sub-cells. */
static void scatter(const float *p, const size_t n[3], int r, double *sum, int *cnt)
{
    size_t D[3] = {n[0] + r - 1, n[1] + r - 1, n[2] + r - 1};
    for (size_t k = 0; k < n[2]; k++)
        for (size_t j = 0; j < n[1]; j++)
            for (size_t i = 0; i < n[0]; i++)
                for (int c = 0; c < r; c++)
                    for (int b = 0; b < r; b++)
                        for (int a = 0; a < r; a++) {
                            size_t q = (i + a) + D[0] * ((j + b) + D[1] * (k + c));
                            sum[q] += p[i + n[0] * (j + n[1] * k)];
                            cnt[q]++;
                        }
}

START_TEST(test_random_vs_scatter)
{
    for (int r = 1; r <= 3; r++) {
        const size_t n[3] = {7, 5, 4};
        csro_grid *g = make_grid(n, r);
        size_t cnt = csro_grid_count(g);
        float *p = malloc(cnt * sizeof *p);
        cs_rng rng;
        cs_rng_init(&rng, 42, (uint64_t)r);
        for (size_t i = 0; i < cnt; i++) p[i] = (float)cs_rng_uniform(&rng);
        size_t D = (n[0] + r - 1) * (n[1] + r - 1) * (n[2] + r - 1);
        double *sum = calloc(D, sizeof *sum);
        int *c = calloc(D, sizeof *c);
        scatter(p, n, r, sum, c);
        for (int mode = 0; mode < 2; mode++) {
            csro_probmap *m;
            ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, mode), 0);
            ck_assert_uint_eq(csro_probmap_count(m), D);
            ck_assert_double_eq(csro_probmap_max_value(m), mode ? 1.0 : r * r * r);
            const float *d = csro_probmap_data(m);
            for (size_t q = 0; q < D; q++) {
                double want = mode ? sum[q] / c[q] : sum[q];
                ck_assert_msg(fabs(d[q] - want) < 1e-5, "r=%d mode=%d cell %zu: %g != %g", r, mode, q, d[q], want);
            }
            csro_probmap_free(m);
        }
        free(sum); free(c); free(p);
        csro_grid_free(g);
    }
}
END_TEST

START_TEST(test_extract)
{
    const size_t n[3] = {6, 6, 6};
    csro_grid *g = make_grid(n, 2);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    cs_rng rng;
    cs_rng_init(&rng, 7, 0);
    for (size_t i = 0; i < cnt; i++) p[i] = (float)cs_rng_uniform(&rng);
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    size_t mc = csro_probmap_count(m), D[3];
    csro_probmap_dims(m, D);
    uint8_t *sel = malloc(mc);
    size_t nsel;
    ck_assert_int_eq(csro_probmap_threshold(m, 4.25, INFINITY, sel, mc, &nsel), 0);
    ck_assert(nsel > 5 && nsel < mc - 5);
    /* points in and around the ROI [0, 3.5]^3 */
    size_t np = 4000;
    float *x = malloc(np * 4), *y = malloc(np * 4), *z = malloc(np * 4);
    for (size_t t = 0; t < np; t++) {
        x[t] = (float)(cs_rng_uniform(&rng) * 4.5 - 0.5);
        y[t] = (float)(cs_rng_uniform(&rng) * 4.5 - 0.5);
        z[t] = (float)(cs_rng_uniform(&rng) * 4.5 - 0.5);
    }
    uint8_t *keep = malloc(np), *keep2 = malloc(np);
    size_t nk, nk2;
    ck_assert_int_eq(csro_probmap_extract(m, 4.25, INFINITY, CSRO_EXTRACT_SPHERE, x, y, z, np, keep, &nk), 0);
    ck_assert_int_eq(csro_probmap_extract(m, 4.25, INFINITY, CSRO_EXTRACT_CELL, x, y, z, np, keep2, &nk2), 0);
    /* brute force: every selected sub-cell centre for every point */
    const double s = 0.5, rad = s / 2 * 1.414;
    size_t bf = 0, bf2 = 0;
    for (size_t t = 0; t < np; t++) {
        int hit = 0, inside = 0;
        for (size_t q = 0; q < mc; q++) {
            if (!sel[q]) continue;
            size_t i = q % D[0], j = q / D[0] % D[1], k = q / (D[0] * D[1]);
            double cx = i * s + s / 2, cy = j * s + s / 2, cz = k * s + s / 2;
            double dd = sqrt((x[t] - cx) * (x[t] - cx) + (y[t] - cy) * (y[t] - cy) + (z[t] - cz) * (z[t] - cz));
            if (dd <= rad) hit = 1;
            if (fabs(x[t] - cx) < s / 2 && fabs(y[t] - cy) < s / 2 && fabs(z[t] - cz) < s / 2) inside = 1;
        }
        ck_assert_msg(keep[t] == hit, "point %zu (%g %g %g): %d != %d", t, x[t], y[t], z[t], keep[t], hit);
        ck_assert_msg(keep2[t] == inside, "cell rule point %zu: %d != %d", t, keep2[t], inside);
        bf += hit;
        bf2 += inside;
    }
    ck_assert_uint_eq(nk, bf);
    ck_assert_uint_eq(nk2, bf2);
    ck_assert(nk > nk2 && nk2 > 0);
    /* empty selection: threshold just below the maximum of the map */
    double mx = 0;
    for (size_t q = 0; q < mc; q++) if (csro_probmap_data(m)[q] > mx) mx = csro_probmap_data(m)[q];
    ck_assert_int_eq(csro_probmap_extract(m, mx, INFINITY, CSRO_EXTRACT_SPHERE, x, y, z, np, keep, &nk), 0);
    ck_assert_uint_eq(nk, 0);
    ck_assert_int_eq(csro_probmap_extract(m, 9, INFINITY, CSRO_EXTRACT_SPHERE, x, y, z, np, keep, &nk), CSRO_EINVAL);
    ck_assert_int_eq(csro_probmap_extract(m, 1, INFINITY, 5, x, y, z, np, keep, &nk), CSRO_EINVAL);
    free(x); free(y); free(z); free(keep); free(keep2); free(sel); free(p);
    csro_probmap_free(m);
    csro_grid_free(g);
}
END_TEST

/* Hand case: one selected sub-cell centred at (1.25, 1.25, 1.25). */
START_TEST(test_extract_hand)
{
    const size_t n[3] = {4, 4, 4};
    csro_grid *g = make_grid(n, 2);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    p[2 + 4 * (2 + 4 * 2)] = 1; /* voxel (2,2,2) covers sub-cells 2..3: centres 1.25, 1.75 */
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    /* sums are 1 in 8 sub-cells: select > 0.5 */
    float x[4] = {1.25f, 1.25f + 0.35f, 1.25f - 0.36f, 0.0f};
    float y[4] = {1.25f, 1.25f, 1.25f, 0.0f};
    float z[4] = {1.25f, 1.25f, 1.25f, NAN};
    uint8_t keep[4];
    size_t nk;
    ck_assert_int_eq(csro_probmap_extract(m, 0.5, INFINITY, CSRO_EXTRACT_SPHERE, x, y, z, 4, keep, &nk), 0);
    /* rad = 0.3535: 0 and 0.35 in; 1.25 - 0.36 = 0.89 is 0.36 from 1.25 and
     * lies in sub-cell 1 (not selected), whose own neighbours are all 0 */
    ck_assert_int_eq(keep[0], 1);
    ck_assert_int_eq(keep[1], 1);
    ck_assert_int_eq(keep[2], 0);
    ck_assert_int_eq(keep[3], 0);
    ck_assert_uint_eq(nk, 2);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

static int run_python(const char *script)
{
    const char *py = getenv("PYTHON");
    if (!py || !*py) return -1;
    char *path = tu_tmp("check.py");
    ck_assert_int_eq(tu_write(path, script, strlen(script)), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s'", tu_tmpdir(), py, path);
    free(path);
    return system(cmd);
}

START_TEST(test_tiff_vtk)
{
    const size_t n[3] = {8, 7, 6};
    csro_grid *g = make_grid(n, 2);
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    plant_cube(p, n, 2, 4);
    p[cnt - 1] = NAN;
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    char *tif = tu_tmp("map.tif"), *raw = tu_tmp("map.raw"), *vtk = tu_tmp("map.vtk"), *ql = tu_tmp("ql.tif");
    ck_assert_int_eq(csro_probmap_write_tiff(m, tif, "CSRO"), 0);
    ck_assert_int_eq(csro_probmap_write_quicklook(m, ql), 0);
    ck_assert_int_eq(csro_probmap_write_vtk(m, vtk, "CSRO sum"), 0);
    ck_assert_int_eq(tu_write(raw, csro_probmap_data(m), csro_probmap_count(m) * 4), 0);
    /* VTK: header lines, then 9*8*7 big-endian floats */
    size_t len;
    char *v = tu_read(vtk, &len);
    ck_assert_ptr_nonnull(v);
    const char *hdr = "# vtk DataFile Version 3.0\n";
    ck_assert(!strncmp(v, hdr, strlen(hdr)));
    ck_assert(strstr(v, "\nBINARY\nDATASET STRUCTURED_POINTS\nDIMENSIONS 9 8 7\nORIGIN 0.25 0.25 0.25\nSPACING 0.5 0.5 0.5\nPOINT_DATA 504\nSCALARS CSRO_sum float 1\nLOOKUP_TABLE default\n"));
    const char *body = strstr(v, "LOOKUP_TABLE default\n") + strlen("LOOKUP_TABLE default\n");
    size_t off = (size_t)(body - v);
    ck_assert_uint_eq(len, off + 504 * 4 + 1);
    const unsigned char *b = (const unsigned char *)body + 4 * (3 + 9 * (3 + 8 * 3));
    ck_assert_float_eq(cs_u2f(cs_rd_be32(b)), 8.0f); /* sub-cell (3,3,3) */
    free(v);
    /* TIFF through an independent reader */
    int rc = run_python(
        "import numpy as np, tifffile\n"
        "ref = np.fromfile('map.raw', dtype='<f4').reshape(7, 8, 9)\n"
        "with tifffile.TiffFile('map.tif') as t:\n"
        "    assert t.is_imagej, 'not an ImageJ file'\n"
        "    md = t.imagej_metadata\n"
        "    assert md['images'] == 7 and md['slices'] == 7, md\n"
        "    assert md['unit'] == 'nm' and abs(md['spacing'] - 0.5) < 1e-12, md\n"
        "    p0 = t.pages[0]\n"
        "    assert p0.compression == 8, p0.compression\n"
        "    assert p0.dtype == np.float32\n"
        "    xr = p0.tags['XResolution'].value\n"
        "    assert abs(xr[0] / xr[1] - 2.0) < 1e-6, xr\n"
        "    assert p0.tags['ResolutionUnit'].value == 1\n"
        "    assert p0.tags['PageName'].value == 'CSRO'\n"
        "    a = t.asarray()\n"
        "assert a.shape == (7, 8, 9), a.shape\n"
        "assert np.array_equal(a, ref, equal_nan=True)\n"
        "assert a[3, 3, 3] == 8 and a[3, 3, 2] == 4 and a[2, 2, 2] == 1 and np.isnan(a[6, 7, 8])\n"
        "q = tifffile.imread('ql.tif')\n"
        "assert q.shape == (4, 8, 9), q.shape\n"
        "assert np.array_equal(q[0], np.nanmax(ref, axis=0), equal_nan=True)\n"
        "assert np.array_equal(q[1], ref[1]) and np.array_equal(q[2], ref[3])\n"
        "assert np.array_equal(q[3], ref[5], equal_nan=True)\n");
    if (rc == -1) fprintf(stderr, "test_tiff_vtk: PYTHON not set, tifffile check skipped\n");
    else ck_assert_msg(rc == 0, "tifffile check failed");
    /* tiffinfo sees 7 directories */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "tiffinfo '%s' 2>/dev/null | grep -c 'Sample Format: IEEE floating point' | grep -qx 7", tif);
    if (system("command -v tiffinfo >/dev/null 2>&1") == 0) ck_assert_int_eq(system(cmd), 0);
    /* write errors: a missing directory leaves nothing */
    ck_assert_int_eq(csro_probmap_write_tiff(m, "/nonexistent-dir/x.tif", NULL), CSRO_EIO);
    ck_assert(strstr(csro_last_error(), "/nonexistent-dir/x.tif") != NULL);
    ck_assert_int_eq(csro_probmap_write_vtk(m, "/nonexistent-dir/x.vtk", NULL), CSRO_EIO);
    /* 1.1: VTI and info (contents checked by python/tests/test_vti.py) */
    ck_assert_int_eq(csro_probmap_write_vti(m, "/nonexistent-dir/x.vti", NULL), CSRO_EIO);
    ck_assert_int_eq(csro_probmap_set_info(NULL, "a=1"), CSRO_EINVAL);
    ck_assert_int_eq(csro_probmap_set_info(m, "a=1\nb=2"), 0);
    ck_assert_int_eq(csro_probmap_set_info(m, "a=3"), 0); /* replaces, no leak */
    ck_assert_int_eq(csro_probmap_set_info(m, NULL), 0);
    free(tif); free(raw); free(vtk); free(ql);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

/* csro_probmap_load: a .prob written with csro_prob_writer on a 4x3x2
 * voxel grid; rows for every voxel but 5 (absent), voxel 0 flagged no-data. */
static char *write_prob_texts(const char *name, const char *const *classes, size_t nc, uint64_t bad_index,
                              const char *const *texts)
{
    char *p = tu_tmp(name);
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS);
    csro_sdm_opts *o = csro_sdm_opts_new();
    ck_assert_int_eq(csro_zsdm_meta_set_sdm(m, o), 0);
    csro_sdm_opts_free(o);
    ck_assert_int_eq(csro_zsdm_meta_set_pair(m, "Co", "Cr"), 0);
    const size_t n[3] = {4, 3, 2};
    csro_grid *g = make_grid(n, 2);
    ck_assert_int_eq(csro_zsdm_meta_set_grid(m, g), 0);
    for (size_t c = 0; c < nc; c++) ck_assert_int_eq(csro_zsdm_meta_add_class(m, classes[c]), (int)c);
    for (size_t t = 0; texts && texts[t]; t += 2) ck_assert_int_eq(csro_zsdm_meta_set_text(m, texts[t], texts[t + 1]), 0);
    csro_prob_writer *w;
    ck_assert_int_eq(csro_prob_writer_open(&w, p, m), 0);
    csro_zsdm_meta_free(m);
    size_t cnt = csro_grid_count(g);
    for (uint64_t i = 0; i < cnt; i++) {
        if (i == 5) continue;
        uint64_t idx = i == 7 && bad_index ? bad_index : i;
        uint32_t fl = i == 0 ? CSRO_ROW_NODATA : 0;
        float mean[3], sd[3];
        for (size_t c = 0; c < nc; c++) { mean[c] = (float)(c + 1) * 0.01f * (float)i; sd[c] = 0.5f * mean[c]; }
        ck_assert_int_eq(csro_prob_writer_write(w, 1, &idx, &fl, mean, sd), 0);
    }
    ck_assert_int_eq(csro_prob_writer_close(w), 0);
    csro_grid_free(g);
    return p;
}

static char *write_prob(const char *name, const char *const *classes, size_t nc, uint64_t bad_index)
{
    return write_prob_texts(name, classes, nc, bad_index, NULL);
}

START_TEST(test_load)
{
    static const char *two[] = {"FCC", "CSRO"}, *three[] = {"FCC", "L12", "B2"};
    char *p2 = write_prob("two.prob", two, 2, 0), *p3 = write_prob("three.prob", three, 3, 0);
    char *pb = write_prob("bad.prob", two, 2, 1000);
    csro_probmap *m;
    /* default class of a 2-class file: the second ("CSRO"), values 0.02 i */
    ck_assert_int_eq(csro_probmap_load(&m, p2, NULL, CSRO_PROBMAP_MEANS, CSRO_PROBMAP_MEAN), 0);
    ck_assert_str_eq(csro_probmap_label(m), "Co-Cr CSRO");
    size_t d[3];
    csro_probmap_dims(m, d);
    ck_assert_uint_eq(d[0], 5); ck_assert_uint_eq(d[1], 4); ck_assert_uint_eq(d[2], 3);
    const float *v = csro_probmap_data(m);
    ck_assert(isnan(v[0]));                             /* voxel 0 only: no data */
    ck_assert(fabs(v[1] - 0.02f) < 1e-6);               /* voxels 0 (no data), 1 */
    /* sub-cell (4,1,0) = 9: voxels (3,0,0) = 3 and (3,1,0) = 7: (0.06 + 0.14) / 2 */
    ck_assert(fabs(v[9] - 0.10f) < 1e-6);
    /* sub-cell (1,1,0) = 6: voxels 0 (no data), 1, 4, 5 (absent): (0.02 + 0.08) / 2 */
    ck_assert(fabs(v[6] - 0.05f) < 1e-6);
    csro_probmap_free(m);
    /* by name and by index; std field */
    ck_assert_int_eq(csro_probmap_load(&m, p3, "L12", CSRO_PROBMAP_STDS, CSRO_PROBMAP_SUM), 0);
    ck_assert_str_eq(csro_probmap_label(m), "Co-Cr L12 std");
    /* sub-cell (1,0,0): voxels 0 (no data) and 1: std = 0.5 * 0.02 * 1 */
    ck_assert(fabs(csro_probmap_data(m)[1] - 0.01f) < 1e-6);
    csro_probmap_free(m);
    ck_assert_int_eq(csro_probmap_load(&m, p3, "2", CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), 0);
    ck_assert_str_eq(csro_probmap_label(m), "Co-Cr B2");
    csro_probmap_free(m);
    /* errors */
    ck_assert_int_eq(csro_probmap_load(&m, p3, NULL, CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), CSRO_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(csro_probmap_load(&m, p3, "CSRO", CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), "classes: FCC, L12, B2") != NULL);
    ck_assert_int_eq(csro_probmap_load(&m, p3, "3", CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), CSRO_ENOTFOUND);
    ck_assert_int_eq(csro_probmap_load(&m, pb, NULL, CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "outside the grid") != NULL);
    ck_assert_int_eq(csro_probmap_load(&m, p2, NULL, 9, CSRO_PROBMAP_SUM), CSRO_EINVAL);
    free(p2); free(p3); free(pb);
}
END_TEST

/* The map rule in a .prob (map.* texts): load_auto gives the same map as
 * an explicit load (+ smoothing), the threshold, and a note; files without
 * a rule get the reference sum map and 3.75. */
START_TEST(test_load_auto)
{
    static const char *three[] = {"FCC", "L12", "B2"}, *two[] = {"FCC", "CSRO"};
    static const char *rule[] = {"map.threshold", "0.3", "map.mode", "mean", "map.class", "L12", NULL};
    static const char *rules[] = {"map.threshold", "2.5", "map.mode", "sum", "map.smooth", "0.5", "classify_model",
                                  "x.csronet", NULL};
    static const char *bad1[] = {"map.threshold", "abc", NULL}, *bad2[] = {"map.threshold", "1", "map.mode", "max", NULL};
    static const char *bad3[] = {"map.threshold", "1", "map.smooth", "-1", NULL};
    static const char *ruf[] = {"map.threshold", "0.001", "map.mode", "mean", "map.class", "L12",
                                "map.threshold_rule", "expected-f1", NULL};
    static const char *bad4[] = {"map.threshold", "1", "map.threshold_rule", "best", NULL};
    char *p = write_prob_texts("rule.prob", three, 3, 0, rule), *ps = write_prob_texts("rules.prob", two, 2, 0, rules);
    char *p2 = write_prob("norule.prob", two, 2, 0);
    csro_probmap *a, *b;
    double thr = 0;
    char note[256];
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, p, note, sizeof note), 0);
    ck_assert(thr == 0.3);
    ck_assert(strstr(note, "mean map") != NULL);
    ck_assert_int_eq(csro_probmap_load(&b, p, "L12", CSRO_PROBMAP_MEANS, CSRO_PROBMAP_MEAN), 0);
    size_t n = csro_probmap_count(a);
    ck_assert_uint_eq(n, csro_probmap_count(b));
    for (size_t i = 0; i < n; i++)
        ck_assert(memcmp(&csro_probmap_data(a)[i], &csro_probmap_data(b)[i], sizeof(float)) == 0);
    csro_probmap_free(a); csro_probmap_free(b);
    /* smoothing rule: the same as load + csro_probmap_smooth */
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, ps, note, sizeof note), 0);
    ck_assert(thr == 2.5);
    ck_assert(strstr(note, "x.csronet") && strstr(note, "sigma 0.5"));
    ck_assert_int_eq(csro_probmap_load(&b, ps, NULL, CSRO_PROBMAP_MEANS, CSRO_PROBMAP_SUM), 0);
    ck_assert_int_eq(csro_probmap_smooth(b, 0.5), 0);
    for (size_t i = 0; i < csro_probmap_count(a); i++)
        ck_assert(memcmp(&csro_probmap_data(a)[i], &csro_probmap_data(b)[i], sizeof(float)) == 0);
    csro_probmap_free(a); csro_probmap_free(b);
    /* no rule: reference sum map, 3.75, said so */
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, p2, note, sizeof note), 0);
    ck_assert(thr == 3.75);
    ck_assert_int_eq(csro_probmap_mode(a), CSRO_PROBMAP_SUM);
    ck_assert(strstr(note, "no calibrated map rule") != NULL);
    csro_probmap_free(a);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, p2, NULL, 0), 0); /* note optional */
    csro_probmap_free(a);
    /* bad rules */
    char *q1 = write_prob_texts("b1.prob", two, 2, 0, bad1), *q2 = write_prob_texts("b2.prob", two, 2, 0, bad2);
    char *q3 = write_prob_texts("b3.prob", two, 2, 0, bad3);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, q1, note, sizeof note), CSRO_EFORMAT);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, q2, note, sizeof note), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "'max'") != NULL);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, q3, note, sizeof note), CSRO_EFORMAT);
    /* expected-F1 rule: the map's own threshold (floor 0.001 below it), said so */
    char *pf = write_prob_texts("f1.prob", three, 3, 0, ruf), *q4 = write_prob_texts("b4.prob", two, 2, 0, bad4);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, pf, note, sizeof note), 0);
    double want;
    ck_assert_int_eq(csro_probmap_threshold_f1(a, 0.001, &want), 0);
    ck_assert(thr == want && thr > 0.001);
    ck_assert(strstr(note, "expected-F1") != NULL);
    csro_probmap_free(a);
    ck_assert_int_eq(csro_probmap_load_auto(&a, &thr, q4, note, sizeof note), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "'best'") != NULL);
    free(p); free(ps); free(p2); free(q1); free(q2); free(q3); free(pf); free(q4);
}
END_TEST

/* csro_probmap_new_auto on the rows and metadata of a file gives what
 * csro_probmap_load_auto gives for the file: same bits, threshold, note. */
static void same_as_load_auto(const char *path, int with_std)
{
    csro_prob_reader *r;
    ck_assert_int_eq(csro_prob_reader_open(&r, path), 0);
    const csro_zsdm_meta *m = csro_prob_reader_meta(r);
    size_t nc = csro_zsdm_meta_nclasses(m), cap = 64, n;
    uint64_t idx[64];
    uint32_t fl[64];
    float mean[64 * 3], sd[64 * 3];
    ck_assert_int_eq(csro_prob_reader_read(r, cap, idx, fl, mean, sd, &n), 0);
    ck_assert(n > 0 && n < cap && nc <= 3);
    csro_probmap *a, *b;
    double ta = -1, tb = -2;
    char na[256], nb[256];
    ck_assert_int_eq(csro_probmap_load_auto(&a, &ta, path, na, sizeof na), 0);
    ck_assert_int_eq(csro_probmap_new_auto(&b, &tb, m, n, idx, fl, mean, with_std ? sd : NULL, nb, sizeof nb), 0);
    ck_assert(ta == tb);
    ck_assert_str_eq(na, nb);
    ck_assert_str_eq(csro_probmap_label(a), csro_probmap_label(b));
    ck_assert_int_eq(csro_probmap_mode(a), csro_probmap_mode(b));
    ck_assert_uint_eq(csro_probmap_count(a), csro_probmap_count(b));
    ck_assert(memcmp(csro_probmap_data(a), csro_probmap_data(b), csro_probmap_count(a) * sizeof(float)) == 0);
    csro_probmap_free(a);
    csro_probmap_free(b);
    /* bad arguments; an index outside the grid */
    ck_assert_int_eq(csro_probmap_new_auto(&b, NULL, m, n, idx, fl, mean, NULL, NULL, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_probmap_new_auto(&b, &tb, m, n, NULL, fl, mean, NULL, NULL, 0), CSRO_EINVAL);
    ck_assert_ptr_null(b);
    idx[0] = 100000;
    ck_assert_int_eq(csro_probmap_new_auto(&b, &tb, m, n, idx, fl, mean, NULL, NULL, 0), CSRO_EFORMAT);
    ck_assert_ptr_null(b);
    csro_prob_reader_close(r);
}

START_TEST(test_new_auto)
{
    static const char *three[] = {"FCC", "L12", "B2"}, *two[] = {"FCC", "CSRO"};
    static const char *rule[] = {"map.threshold", "0.3", "map.mode", "mean", "map.class", "L12", NULL};
    static const char *rules[] = {"map.threshold", "2.5", "map.mode", "sum", "map.smooth", "0.5", "classify_model",
                                  "x.csronet", NULL};
    char *p = write_prob_texts("nrule.prob", three, 3, 0, rule), *ps = write_prob_texts("nrules.prob", two, 2, 0, rules);
    char *p2 = write_prob("nnorule.prob", two, 2, 0);
    same_as_load_auto(p, 1);
    same_as_load_auto(ps, 0);
    same_as_load_auto(p2, 1);
    free(p); free(ps); free(p2);
}
END_TEST

/* Smoothing against the closed-form separable Gaussian of a delta (away
 * from the borders: weights exp(-o^2 / 2 s^2) / sum, |o| <= 3 s), a
 * constant field stays constant up to the borders (normalised weights),
 * NaN stays NaN and does not leak. */
START_TEST(test_smooth)
{
    const size_t n[3] = {15, 15, 15};
    csro_grid *g = make_grid(n, 1); /* r = 1: one sub-cell per voxel, spacing 0.5 nm */
    size_t cnt = csro_grid_count(g);
    float *p = calloc(cnt, sizeof *p);
    p[7 + 15 * (7 + 15 * 7)] = 1;
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    ck_assert_int_eq(csro_probmap_smooth(m, 0.5), 0); /* sigma = 1 sub-cell, radius 3 */
    double w[7], ws = 0;
    for (int o = -3; o <= 3; o++) { w[o + 3] = exp(-0.5 * o * o); ws += w[o + 3]; }
    for (int a = -4; a <= 4; a++)
        for (int b = -4; b <= 4; b++)
            for (int c = -4; c <= 4; c++) {
                double want = (abs(a) > 3 || abs(b) > 3 || abs(c) > 3) ? 0 : w[a + 3] * w[b + 3] * w[c + 3] / (ws * ws * ws);
                ck_assert(fabs(at(m, (size_t)(7 + a), (size_t)(7 + b), (size_t)(7 + c)) - want) < 1e-6);
            }
    csro_probmap_free(m);
    for (size_t i = 0; i < cnt; i++) p[i] = 0.25f;
    p[0] = NAN;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_SUM), 0);
    ck_assert_int_eq(csro_probmap_smooth(m, 0.7), 0);
    ck_assert(isnan(csro_probmap_data(m)[0]));
    for (size_t i = 1; i < cnt; i++) ck_assert(fabs(csro_probmap_data(m)[i] - 0.25f) < 1e-6);
    ck_assert_int_eq(csro_probmap_smooth(m, 0), 0);
    ck_assert_int_eq(csro_probmap_smooth(m, -1), CSRO_EINVAL);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

/* Sub-cell truth by hand: spacing 0.5 nm from the origin. */
START_TEST(test_subcell_truth)
{
    const size_t n[3] = {3, 3, 3};
    csro_grid *g = make_grid(n, 1);
    float *p = calloc(27, sizeof *p);
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new(&m, g, p, 27, CSRO_PROBMAP_SUM), 0);
    /* cell (0,0,0): 2 ions, 1 CSRO -> 1; cell (1,0,0): 3 ions, 1 CSRO -> 0; cell (2,2,2): 1 CSRO -> 1;
     * one ion outside the map is ignored */
    const float x[] = {0.1f, 0.4f, 0.6f, 0.7f, 0.9f, 1.2f, 9.0f}, y[] = {0.1f, 0.2f, 0.1f, 0.1f, 0.4f, 1.4f, 0},
                z[] = {0.2f, 0.3f, 0.1f, 0.2f, 0.3f, 1.1f, 0};
    const uint8_t t[] = {1, 0, 0, 1, 0, 1, 1};
    int8_t c[27];
    ck_assert_int_eq(csro_probmap_subcell_truth(m, x, y, z, t, 7, c, 27), 0);
    for (int i = 0; i < 27; i++) {
        int want = i == 0 ? 1 : i == 1 ? 0 : i == 26 ? 1 : -1;
        ck_assert_int_eq(c[i], want);
    }
    ck_assert_int_eq(csro_probmap_subcell_truth(m, x, y, z, t, 7, c, 26), CSRO_EMISMATCH);
    csro_probmap_free(m);
    free(p);
    csro_grid_free(g);
}
END_TEST

/* Expected-F1 threshold: a hand case, then random maps with ties and NaN
 * against brute force (every distinct value as the threshold, expected F1
 * 2 sum_{v > t} v / (#{v > t} + sum v) recomputed from scratch). */
START_TEST(test_threshold_f1)
{
    const size_t n[3] = {4, 1, 1};
    csro_grid *g = make_grid(n, 1);
    /* 0.9, 0.8, 0.1, 0.1: sum 1.9; top 1: 1.8 / 2.9 = 0.621, top 2: 3.4 / 3.9 = 0.872,
     * all 4: 3.8 / 5.9 = 0.644 -> keep 0.9 and 0.8, threshold (0.8 + 0.1) / 2 */
    float h[4] = {0.1f, 0.9f, 0.1f, 0.8f};
    csro_probmap *m;
    double t;
    ck_assert_int_eq(csro_probmap_new(&m, g, h, 4, CSRO_PROBMAP_MEAN), 0);
    ck_assert_int_eq(csro_probmap_threshold_f1(m, 0, &t), 0);
    ck_assert(fabs(t - 0.45) < 1e-7);
    ck_assert_int_eq(csro_probmap_threshold_f1(m, 0.6, &t), 0); /* the floor wins */
    ck_assert(t == 0.6);
    csro_probmap_free(m);
    h[0] = 1.5f; /* not a probability */
    ck_assert_int_eq(csro_probmap_new(&m, g, h, 4, CSRO_PROBMAP_MEAN), 0);
    ck_assert_int_eq(csro_probmap_threshold_f1(m, 0, &t), CSRO_EINVAL);
    csro_probmap_free(m);
    csro_grid_free(g);

    const size_t n2[3] = {9, 8, 7};
    g = make_grid(n2, 1);
    size_t cnt = csro_grid_count(g);
    float *p = malloc(cnt * sizeof *p);
    uint64_t st = 12345;
    for (int rep = 0; rep < 5; rep++) {
        for (size_t i = 0; i < cnt; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(st >> 11) / 9007199254740992.0;
            p[i] = rep == 4 ? 0.0f : (float)(u * u * u);            /* skewed like a CSRO map */
            if (i % 17 == 0) p[i] = NAN;
            if (rep != 4 && i % 5 == 0) p[i] = 0.25f;                /* ties */
        }
        ck_assert_int_eq(csro_probmap_new(&m, g, p, cnt, CSRO_PROBMAP_MEAN), 0);
        ck_assert_int_eq(csro_probmap_threshold_f1(m, 0, &t), 0);
        const float *v = csro_probmap_data(m);
        /* brute force: every distinct value c as "select v > c", the
         * threshold midway between c and the smallest selected value */
        double sum = 0, best = 0, bt = NAN;
        for (size_t i = 0; i < cnt; i++) if (!isnan(v[i])) sum += v[i];
        for (size_t c = 0; c < cnt; c++) {
            if (isnan(v[c])) continue;
            double top = 0, lo = INFINITY;
            size_t k = 0;
            for (size_t i = 0; i < cnt; i++)
                if (!isnan(v[i]) && v[i] > v[c]) { top += v[i]; k++; if (v[i] < lo) lo = v[i]; }
            double e = k ? 2 * top / ((double)k + sum) : 0;
            if (e > best) { best = e; bt = 0.5 * (lo + v[c]); }
        }
        size_t sel = 0, want = 0;
        for (size_t i = 0; i < cnt; i++) { sel += v[i] > t; want += v[i] > bt; }
        if (rep == 4) ck_assert(t == 0);           /* all zero: nothing worth selecting */
        else { ck_assert(fabs(t - bt) < 1e-7); ck_assert_uint_eq(sel, want); ck_assert_uint_gt(sel, 0); }
        csro_probmap_free(m);
    }
    free(p);
    csro_grid_free(g);
}
END_TEST

CSRO_TEST_MAIN("probmap", 60, test_planted_sum, test_planted_mean_nan, test_random_vs_scatter,
               test_extract, test_extract_hand, test_tiff_vtk, test_load,
               test_load_auto, test_new_auto, test_smooth, test_subcell_truth, test_threshold_f1)
