/* test_grid.c: voxel grid indexing against hand counts. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_counts)
{
    /* [0, 3] with v = 1, s = 0.5: origins 0, 0.5, 1, 1.5, 2 (2 + 1 <= 3) -> 5 */
    double lo[3] = {0, 0, -10}, hi[3] = {3, 1, -8.2};
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE), 0);
    size_t d[3];
    csro_grid_dims(g, d);
    ck_assert_uint_eq(d[0], 5);
    ck_assert_uint_eq(d[1], 1);   /* only origin 0 */
    ck_assert_uint_eq(d[2], 2);   /* -10, -9.5 (-9 + 1 > -8.2) */
    ck_assert_uint_eq(csro_grid_count(g), 10);
    double c[3];
    csro_grid_center(g, 9, c); /* i = 4, j = 0, k = 1 */
    ck_assert(fabs(c[0] - 2.5) < 1e-12 && fabs(c[1] - 0.5) < 1e-12 && fabs(c[2] + 9.0) < 1e-12);
    csro_grid_free(g);
}
END_TEST

START_TEST(test_errors)
{
    double lo[3] = {0, 0, 0}, hi[3] = {3, 3, 0.5};
    csro_grid *g = (csro_grid *)1;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_CUBE), CSRO_EINVAL);
    ck_assert_ptr_null(g);
    ck_assert(strstr(csro_last_error(), "larger than the ROI") != NULL);
    hi[2] = 3;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.0, CSRO_VOXEL_CUBE), CSRO_EINVAL);
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, -1, CSRO_VOXEL_CUBE), CSRO_EINVAL);
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, 7), CSRO_EINVAL);
    /* #14 item 14: degenerate sizes are refused, not run */
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1e-30, 0.5, CSRO_VOXEL_CUBE), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "voxel size 1e-30 nm is outside") != NULL);
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 1e30, CSRO_VOXEL_CUBE), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "stride 1e+30 nm is outside") != NULL);
    /* a 1000 nm cube at stride 0.5: 1999^3 = 8e9 voxels */
    double big[3] = {1000, 1000, 1000};
    ck_assert_int_eq(csro_grid_new(&g, lo, big, 1.0, 0.5, CSRO_VOXEL_SPHERE), CSRO_EINVAL);
    ck_assert_msg(strstr(csro_last_error(), "1999 x 1999 x 1999") != NULL, "%s", csro_last_error());
    ck_assert_ptr_null(g);
    /* at stride 1 nm (origins 0..999: 1000^3 = 1e9 voxels) it is allowed, and fast to make */
    ck_assert_int_eq(csro_grid_new(&g, lo, big, 1.0, 1.0, CSRO_VOXEL_SPHERE), 0);
    ck_assert_uint_eq(csro_grid_count(g), (size_t)1000 * 1000 * 1000);
    csro_grid_free(g);
}
END_TEST

/* Per-voxel point counts against a brute force over all voxels and against
 * the z-SDM engine's own atom counts (natoms of csro_sdm_voxels). */
static void check_counts(int shape)
{
    double lo[3] = {0, 0, 0}, hi[3] = {4, 3.5, 5};
    csro_grid *g;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, 0.5, shape), 0);
    size_t nv = csro_grid_count(g), n = 3000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    uint64_t st = 12345;
    for (size_t i = 0; i < n; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((st >> 40) % 4000) / 1000.0f;
        y[i] = (float)((st >> 20) % 3500) / 1000.0f;
        z[i] = (float)((st >> 8) % 5000) / 1000.0f;
    }
    uint32_t *c = calloc(nv, sizeof *c), *ref = calloc(nv, sizeof *ref), *nat = calloc(nv, sizeof *nat);
    ck_assert_int_eq(csro_grid_count_points(g, x, y, z, n, 0, nv, c), 0);
    double h = shape == CSRO_VOXEL_SPHERE ? 0.75 : 0.5;
    for (size_t v = 0; v < nv; v++) {
        double ce[3];
        csro_grid_center(g, v, ce);
        for (size_t i = 0; i < n; i++) {
            double e[3] = {x[i] - ce[0], y[i] - ce[1], z[i] - ce[2]};
            ref[v] += shape == CSRO_VOXEL_SPHERE ? e[0] * e[0] + e[1] * e[1] + e[2] * e[2] <= h * h
                                                 : fabs(e[0]) <= h && fabs(e[1]) <= h && fabs(e[2]) <= h;
        }
        ck_assert_uint_eq(c[v], ref[v]);
    }
    csro_sdm_opts *o = csro_sdm_opts_new();
    float *prof = malloc(nv * csro_sdm_opts_nbins(o) * sizeof *prof);
    ck_assert_int_eq(csro_sdm_voxels(o, g, x, y, z, n, x, y, z, n, 0, nv, prof, nat, NULL, 1, NULL, NULL), 0);
    for (size_t v = 0; v < nv; v++) ck_assert_uint_eq(c[v], nat[v]);
    /* a sub-range adds only its own voxels */
    memset(c, 0, nv * sizeof *c);
    ck_assert_int_eq(csro_grid_count_points(g, x, y, z, n, 10, 5, c), 0);
    for (size_t v = 0; v < 5; v++) ck_assert_uint_eq(c[v], ref[10 + v]);
    ck_assert_int_eq(csro_grid_count_points(g, x, y, z, n, nv, 1, c), CSRO_EINVAL);
    free(prof); csro_sdm_opts_free(o);
    free(c); free(ref); free(nat); free(x); free(y); free(z);
    csro_grid_free(g);
}

START_TEST(test_count_points_sphere) { check_counts(CSRO_VOXEL_SPHERE); }
END_TEST
START_TEST(test_count_points_cube) { check_counts(CSRO_VOXEL_CUBE); }
END_TEST

CSRO_TEST_MAIN("grid", 0, test_counts, test_errors, test_count_points_sphere,
               test_count_points_cube)
