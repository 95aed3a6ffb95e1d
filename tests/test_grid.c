/* test_grid.c: voxel grid indexing against hand counts. */
#include "testutil.h"
#include "csro.h"
#include <math.h>

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
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grid");
    TCase *tc = tcase_create("grid");
    tcase_add_test(tc, test_counts);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
