/* test_aptsim.c: simulated specimens against brute-force geometry. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdlib.h>

START_TEST(test_domains_placement)
{
    csro_aptsim *s;
    ck_assert_int_eq(csro_aptsim_new(&s), 0);
    ck_assert_int_eq(csro_aptsim_set_box(s, 20, 20, 30), 0);
    ck_assert_int_eq(csro_aptsim_set_domains(s, "Co", 2, 3, 0.05), 0);
    ck_assert_int_eq(csro_aptsim_plant(s), 0);
    size_t n = csro_aptsim_ndomains(s);
    ck_assert_uint_gt(n, 10);
    double f = csro_aptsim_domain_fraction(s), vmax = 4.0 / 3 * M_PI * 1.5 * 1.5 * 1.5 / (20 * 20 * 30.0);
    ck_assert(f >= 0.05 && f < 0.05 + vmax);
    for (size_t i = 0; i < n; i++) {
        double c[3], r, c2[3], r2;
        csro_aptsim_domain(s, i, c, &r);
        ck_assert(r >= 1.0 && r <= 1.5);
        ck_assert(c[0] - r >= 0 && c[0] + r <= 20 && c[2] + r <= 30);
        for (size_t j = 0; j < i; j++) {
            csro_aptsim_domain(s, j, c2, &r2);
            double d = sqrt((c[0] - c2[0]) * (c[0] - c2[0]) + (c[1] - c2[1]) * (c[1] - c2[1]) + (c[2] - c2[2]) * (c[2] - c2[2]));
            ck_assert(d > r + r2);
        }
    }
    csro_aptsim_free(s);
}
END_TEST

/* No blur, full efficiency: every site is an ion at its lattice position;
 * the truth equals a brute-force inside-sphere test, corner sites of
 * domains hold Co (m/z 58.9332/2) and their face sites never do. */
START_TEST(test_exact_specimen)
{
    csro_aptsim *s;
    const double a = 0.36;
    ck_assert_int_eq(csro_aptsim_new(&s), 0);
    ck_assert_int_eq(csro_aptsim_set_box(s, 7.2, 7.2, 7.2), 0); /* 20 cells */
    ck_assert_int_eq(csro_aptsim_set_lattice(s, CSRO_LATTICE_FCC, a), 0);
    ck_assert_int_eq(csro_aptsim_set_domains(s, "Co", 2.5, 3, 0.1), 0);
    ck_assert_int_eq(csro_aptsim_set_detection(s, 1.0, 0, 0), 0);
    csro_recon *r;
    uint8_t *t;
    ck_assert_int_eq(csro_aptsim_generate(s, &r, &t), 0);
    size_t n = csro_recon_count(r);
    ck_assert_uint_eq(n, 4 * 20 * 20 * 20);
    const float *x = csro_recon_x(r), *y = csro_recon_y(r), *z = csro_recon_z(r), *m = csro_recon_mass(r);
    size_t nd = csro_aptsim_ndomains(s), inside = 0, corner_co = 0, corner = 0, co_all = 0, face_co = 0;
    ck_assert_uint_ge(nd, 1);
    for (size_t i = 0; i < n; i++) {
        int in = 0;
        for (size_t d = 0; d < nd; d++) {
            double c[3], rad;
            csro_aptsim_domain(s, d, c, &rad);
            double dd = (x[i] - c[0]) * (x[i] - c[0]) + (y[i] - c[1]) * (y[i] - c[1]) + (z[i] - c[2]) * (z[i] - c[2]);
            if (dd <= rad * rad * (1 + 1e-9)) in = 1;
        }
        ck_assert_int_eq(in, t[i]);
        inside += in;
        int is_co = fabsf(m[i] - (float)(58.9332 / 2)) < 1e-4f;
        co_all += is_co;
        int is_corner = fabs(x[i] / a - round(x[i] / a)) < 1e-4 && fabs(y[i] / a - round(y[i] / a)) < 1e-4 &&
                        fabs(z[i] / a - round(z[i] / a)) < 1e-4;
        if (in && is_corner) { corner++; corner_co += is_co; }
        if (in && !is_corner) face_co += is_co;
    }
    ck_assert_uint_gt(inside, 100);
    ck_assert_uint_eq(corner_co, corner);
    ck_assert_uint_eq(face_co, 0); /* ideal L1_2: no Co on the faces */
    /* overall Co fraction: 1/3 outside, 1/4 inside the domains */
    double fin = (double)inside / n;
    ck_assert(fabs((double)co_all / n - (fin / 4 + (1 - fin) / 3)) < 0.02);
    csro_recon_free(r);
    csro_free(t);
    csro_aptsim_free(s);
}
END_TEST

START_TEST(test_efficiency_blur_and_files)
{
    csro_aptsim *s;
    ck_assert_int_eq(csro_aptsim_new(&s), 0);
    ck_assert_int_eq(csro_aptsim_set_box(s, 10, 10, 10), 0);
    ck_assert_int_eq(csro_aptsim_set_lattice(s, CSRO_LATTICE_FCC, 0.4), 0); /* 25 cells */
    ck_assert_int_eq(csro_aptsim_set_detection(s, 0.5, 0.0, 0.01), 0);
    ck_assert_int_eq(csro_aptsim_set_seed(s, 9), 0);
    csro_recon *r;
    uint8_t *t;
    ck_assert_int_eq(csro_aptsim_generate(s, &r, &t), 0);
    size_t n = csro_recon_count(r), sites = 4 * 25 * 25 * 25;
    ck_assert(fabs((double)n - sites / 2.0) < 5 * sqrt(sites * 0.25));
    /* depth blur: residual from the nearest (002) plane (spacing a/2) */
    const float *z = csro_recon_z(r);
    double s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = z[i] - 0.2 * round(z[i] / 0.2);
        s2 += d * d;
    }
    ck_assert(fabs(sqrt(s2 / n) - 0.01) < 0.001);
    /* streaming files equal the in-memory specimen */
    char *pos = tu_tmp("sim.pos"), *tr = tu_tmp("sim.truth");
    ck_assert_int_eq(csro_aptsim_write(s, pos, tr, NULL, NULL), 0);
    csro_recon *r2;
    ck_assert_int_eq(csro_recon_load(&r2, pos, NULL), 0);
    ck_assert_uint_eq(csro_recon_count(r2), n);
    ck_assert_int_eq(memcmp(csro_recon_z(r2), z, n * sizeof *z), 0);
    ck_assert_int_eq(memcmp(csro_recon_mass(r2), csro_recon_mass(r), n * sizeof *z), 0);
    uint8_t *t2;
    size_t nt;
    ck_assert_int_eq(csro_truth_load(&t2, &nt, tr), 0);
    ck_assert_uint_eq(nt, n);
    ck_assert_int_eq(memcmp(t, t2, n), 0);
    csro_free(t2);
    free(pos); free(tr);
    csro_recon_free(r); csro_recon_free(r2);
    csro_free(t);
    csro_aptsim_free(s);
}
END_TEST

START_TEST(test_errors)
{
    csro_aptsim *s;
    ck_assert_int_eq(csro_aptsim_new(&s), 0);
    ck_assert_int_eq(csro_aptsim_set_box(s, 5, 5, 5), 0);
    ck_assert_int_eq(csro_aptsim_set_domains(s, "Co", 2, 8, 0.1), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "bigger than the specimen") != NULL);
    ck_assert_int_eq(csro_aptsim_set_domains(s, "Fe", 1, 2, 0.1), CSRO_ENOTFOUND);
    ck_assert_int_eq(csro_aptsim_set_composition(s, "Co:1,Xq:1"), CSRO_ENOTFOUND);
    ck_assert_int_eq(csro_aptsim_set_detection(s, 0, 0.3, 0.03), CSRO_EINVAL);
    ck_assert_int_eq(csro_aptsim_set_detection(s, 0.5, -1, 0.03), CSRO_EINVAL);
    char *p = tu_tmp("bad.truth");
    tu_write(p, "CSROTRTH", 8);
    uint8_t *t;
    size_t n;
    ck_assert_int_lt(csro_truth_load(&t, &n, p), 0);
    ck_assert_ptr_null(t);
    free(p);
    csro_aptsim_free(s);
}
END_TEST

CSRO_TEST_MAIN("aptsim", 60, test_domains_placement, test_exact_specimen,
               test_efficiency_blur_and_files, test_errors)
