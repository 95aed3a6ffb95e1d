/* test_sim.c: the CSRO pattern simulator against hand counts, lattice
 * geometry (plane spacings along poles) and the reference lattice files. */
#include "testutil.h"
#include "csro.h"
#include "sim/patterns_impl.h"
#include <string.h>
#include <math.h>
#include <stdlib.h>

enum { PX_SXY, PX_SZ, PX_EFF, PX_TILT, PX_AZ, PX_S, PX_ALPHA, PX_NSITES, PX_NDET, PX_NA, PX_NB };

static size_t count_species(const csro_sim_crystal *c, const char *name)
{
    size_t n = 0, k = csro_sim_crystal_count(c);
    int idx = -1;
    for (size_t i = 0; i < csro_sim_crystal_nspecies(c); i++)
        if (!strcmp(csro_sim_crystal_species_name(c, i), name)) idx = (int)i;
    const int32_t *sp = csro_sim_crystal_species(c);
    for (size_t i = 0; i < k; i++) n += sp[i] == idx;
    return n;
}

static int species_id(const csro_sim_crystal *c, const char *name)
{
    for (size_t i = 0; i < csro_sim_crystal_nspecies(c); i++)
        if (!strcmp(csro_sim_crystal_species_name(c, i), name)) return (int)i;
    return -1;
}

static int on_corner(double v, double a)
{
    double q = v / a;
    return fabs(q - floor(q + 0.5)) < 1e-4;
}

/* 3x3x3 closed FCC box: 4^3 corners + 3 * (3*3*4) face centres = 172,
 * the count np.unique gives the reference file (378 rows = 27 cells x 14). */
START_TEST(test_reference_file)
{
    csro_sim_opts *o = csro_sim_opts_new(), *g = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, tu_data("sim_ref_fcc_1nm.txt"), 0.36), 0);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_OCC_FILE, NULL, 1), 0);
    ck_assert_int_eq(csro_sim_opts_set_types(o, "59:Co,64:X"), 0);
    csro_sim_crystal *f, *c;
    ck_assert_int_eq(csro_sim_crystal_new(&f, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(csro_sim_crystal_count(f), 172);
    ck_assert_uint_eq(count_species(f, "Co"), 172);
    /* the default generated lattice is the same site set, same order */
    ck_assert_int_eq(csro_sim_opts_set_composition(g, "Co:1"), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, g, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(csro_sim_crystal_count(c), 172);
    for (size_t i = 0; i < 172; i++) {
        ck_assert(fabs(csro_sim_crystal_x(c)[i] - csro_sim_crystal_x(f)[i]) < 1e-6);
        ck_assert(fabs(csro_sim_crystal_y(c)[i] - csro_sim_crystal_y(f)[i]) < 1e-6);
        ck_assert(fabs(csro_sim_crystal_z(c)[i] - csro_sim_crystal_z(f)[i]) < 1e-6);
    }
    csro_sim_crystal_free(f);
    csro_sim_crystal_free(c);
    /* L1_2 file: Co (59) exactly on the 64 cube corners */
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, tu_data("sim_ref_l12_1nm.txt"), 0.36), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&f, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(csro_sim_crystal_count(f), 172);
    ck_assert_uint_eq(count_species(f, "Co"), 64);
    ck_assert_uint_eq(count_species(f, "X"), 108);
    int co = species_id(f, "Co");
    for (size_t i = 0; i < 172; i++) {
        int corner = on_corner(csro_sim_crystal_x(f)[i], 0.36) && on_corner(csro_sim_crystal_y(f)[i], 0.36) &&
                     on_corner(csro_sim_crystal_z(f)[i], 0.36);
        ck_assert_int_eq(corner, csro_sim_crystal_species(f)[i] == co);
    }
    csro_sim_crystal_free(f);
    csro_sim_opts_free(o);
    csro_sim_opts_free(g);
}
END_TEST

START_TEST(test_lattice_file_errors)
{
    csro_sim_opts *o = csro_sim_opts_new();
    char *p = tu_tmp("bad.txt");
    const char *t = "0 0 0 59\n0 0 0.36 59 7\n";
    ck_assert_int_eq(tu_write(p, t, strlen(t)), 0);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, p, 0.36), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), ":2:") != NULL);
    t = "0 0 0 59.5\n";
    ck_assert_int_eq(tu_write(p, t, strlen(t)), 0);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, p, 0.36), CSRO_EFORMAT);
    t = "# only a comment\n";
    ck_assert_int_eq(tu_write(p, t, strlen(t)), 0);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, p, 0.36), CSRO_EFORMAT);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, "/nonexistent/x.txt", 0.36), CSRO_EIO);
    /* duplicates removed, same position with another type kept */
    t = "0 0 0 1\n0 0 0 1\n0 0 0 2\n1 0 0 1\n";
    ck_assert_int_eq(tu_write(p, t, strlen(t)), 0);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, p, 0), 0);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_OCC_FILE, NULL, 1), 0);
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(csro_sim_crystal_count(c), 3);
    ck_assert_uint_eq(count_species(c, "1"), 2);
    ck_assert_uint_eq(count_species(c, "2"), 1);
    csro_sim_crystal_free(c);
    free(p);
    csro_sim_opts_free(o);
}
END_TEST

/* Largest-remainder counts: 172/3 = 57.33 -> 58, 57, 57; 2:1:1 -> 86, 43, 43. */
START_TEST(test_random_composition)
{
    csro_sim_opts *o = csro_sim_opts_new();
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 5, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(count_species(c, "Co"), 58);
    ck_assert_uint_eq(count_species(c, "Cr"), 57);
    ck_assert_uint_eq(count_species(c, "Ni"), 57);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Ni:2,Co:1,Cr:1"), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 5, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(count_species(c, "Ni"), 86);
    ck_assert_uint_eq(count_species(c, "Co"), 43);
    ck_assert_uint_eq(count_species(c, "Cr"), 43);
    /* random: mean alpha1 over realisations near 0 */
    csro_sim_crystal_free(c);
    double sum = 0;
    for (int p = 0; p < 100; p++) {
        double a;
        ck_assert_int_eq(csro_sim_crystal_new(&c, o, (uint64_t)p, CSRO_SIM_STAGE_IDEAL), 0);
        ck_assert_int_eq(csro_sim_crystal_alpha1(c, "Ni", "Ni", &a), 0);
        sum += a;
        csro_sim_crystal_free(c);
    }
    ck_assert(fabs(sum / 100) < 0.02);
    csro_sim_opts_free(o);
}
END_TEST

static double mean_corner_fraction(csro_sim_opts *o, const char *x, double *alpha, int np)
{
    double fr = 0, al = 0;
    for (int p = 0; p < np; p++) {
        csro_sim_crystal *c;
        ck_assert_int_eq(csro_sim_crystal_new(&c, o, (uint64_t)p, CSRO_SIM_STAGE_IDEAL), 0);
        int xi = species_id(c, x);
        size_t corner = 0, hit = 0;
        for (size_t i = 0; i < csro_sim_crystal_count(c); i++) {
            if (on_corner(csro_sim_crystal_x(c)[i], 0.36) && on_corner(csro_sim_crystal_y(c)[i], 0.36) &&
                on_corner(csro_sim_crystal_z(c)[i], 0.36)) {
                corner++;
                hit += csro_sim_crystal_species(c)[i] == xi;
            }
        }
        fr += (double)hit / (double)corner;
        double a;
        ck_assert_int_eq(csro_sim_crystal_alpha1(c, x, x, &a), 0);
        al += a;
        csro_sim_crystal_free(c);
    }
    *alpha = al / np;
    return fr / np;
}

START_TEST(test_order_parameter)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 1.0), 0);
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 3, CSRO_SIM_STAGE_IDEAL), 0);
    /* S = 1: 64 Co on the corners, the 108 faces Cr/Ni 54/54 */
    ck_assert_uint_eq(count_species(c, "Co"), 64);
    ck_assert_uint_eq(count_species(c, "Cr"), 54);
    ck_assert_uint_eq(count_species(c, "Ni"), 54);
    /* no Co-Co nearest neighbours: alpha1 = (0 - c) / (1 - c), c = 64/172 */
    double a;
    ck_assert_int_eq(csro_sim_crystal_alpha1(c, "Co", "Co", &a), 0);
    ck_assert(fabs(a - (-64.0 / 108.0)) < 1e-12);
    csro_sim_crystal_free(c);
    double al, fr = mean_corner_fraction(o, "Co", &al, 5);
    ck_assert(fabs(fr - 1.0) < 1e-12);
    /* S = 0: corners hold Co with the overall fraction 64/172 */
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 0.0), 0);
    fr = mean_corner_fraction(o, "Co", &al, 200);
    ck_assert(fabs(fr - 64.0 / 172.0) < 0.02);
    ck_assert(fabs(al) < 0.02);
    /* S = 0.5: P(corner = Co) = S + (1 - S) c */
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 0.5), 0);
    fr = mean_corner_fraction(o, "Co", &al, 200);
    ck_assert(fabs(fr - (0.5 + 0.5 * 64.0 / 172.0)) < 0.02);
    /* alpha1 target reached on average (within the Bragg-Williams approximation) */
    ck_assert_int_eq(csro_sim_opts_set_alpha1(o, -0.3), 0);
    ck_assert(csro_sim_opts_order_s(o) > 0 && csro_sim_opts_order_s(o) < 1);
    mean_corner_fraction(o, "Co", &al, 200);
    ck_assert_msg(fabs(al + 0.3) < 0.05, "alpha1 %g for target -0.3", al);
    ck_assert_int_eq(csro_sim_opts_set_alpha1(o, -0.9), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_alpha1(o, 0.2), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 1.5), CSRO_EINVAL);
    csro_sim_opts_free(o);
}
END_TEST

/* BCC a = 0.287, 1 nm: 4 cells, 5^3 = 125 corners + 4^3 = 64 body centres;
 * D0_3 sublattice: corners (2i, 2j, 2k) with i+j+k odd: 62 of 125. */
START_TEST(test_bcc_models)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_lattice(o, CSRO_SIM_BCC, 0.287, 1.0), 0);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Fe:1,Al:1"), 0);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_B2, "Al", 1), 0);
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(csro_sim_crystal_count(c), 189);
    ck_assert_uint_eq(count_species(c, "Al"), 125);
    ck_assert_uint_eq(count_species(c, "Fe"), 64);
    double a;
    /* B2: every nearest neighbour of an Al corner is an Fe body centre */
    ck_assert_int_eq(csro_sim_crystal_alpha1(c, "Al", "Al", &a), 0);
    ck_assert(fabs(a - (-125.0 / 64.0)) < 1e-12);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_D03, "Al", 1), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_uint_eq(count_species(c, "Al"), 62);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Al", 1), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_IDEAL), CSRO_EINVAL);
    ck_assert_ptr_null(c);
    csro_sim_opts_free(o);
}
END_TEST

/* Pole rotation: [111] -> z maps (a, a, a) to (0, 0, a sqrt3); [101] is the
 * reference's Euler_transformation_110: x' = (x - z)/sqrt2, z' = (x + z)/sqrt2. */
START_TEST(test_orientation)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co:1"), 0);
    ck_assert_int_eq(csro_sim_opts_set_pole(o, 1, 1, 1), 0);
    csro_sim_crystal *id, *c;
    ck_assert_int_eq(csro_sim_crystal_new(&id, o, 0, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_ORIENTED), 0);
    size_t n = csro_sim_crystal_count(c);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = csro_sim_crystal_x(id), *y = csro_sim_crystal_y(id), *z = csro_sim_crystal_z(id);
        if (fabs(x[i] - 0.36) < 1e-6 && fabs(y[i] - 0.36) < 1e-6 && fabs(z[i] - 0.36) < 1e-6) {
            found = 1;
            ck_assert(fabs(csro_sim_crystal_x(c)[i]) < 1e-6);
            ck_assert(fabs(csro_sim_crystal_y(c)[i]) < 1e-6);
            ck_assert(fabs(csro_sim_crystal_z(c)[i] - 0.36 * sqrt(3.0)) < 1e-6);
        }
    }
    ck_assert(found);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_pole(o, 1, 0, 1), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 0, CSRO_SIM_STAGE_ORIENTED), 0);
    for (size_t i = 0; i < n; i++) {
        double x = csro_sim_crystal_x(id)[i], y = csro_sim_crystal_y(id)[i], z = csro_sim_crystal_z(id)[i];
        ck_assert(fabs(csro_sim_crystal_x(c)[i] - (x - z) / sqrt(2.0)) < 1e-6);
        ck_assert(fabs(csro_sim_crystal_y(c)[i] - y) < 1e-6);
        ck_assert(fabs(csro_sim_crystal_z(c)[i] - (x + z) / sqrt(2.0)) < 1e-6);
    }
    csro_sim_crystal_free(c);
    /* tilt: the image of the pole makes the recorded angle with z, <= max */
    ck_assert_int_eq(csro_sim_opts_set_tilt(o, 10), 0);
    double maxt = 0;
    for (int p = 0; p < 50; p++) {
        ck_assert_int_eq(csro_sim_crystal_new(&c, o, (uint64_t)p, CSRO_SIM_STAGE_ORIENTED), 0);
        double t = csro_sim_crystal_param(c, PX_TILT);
        ck_assert(t >= 0 && t <= 10);
        if (t > maxt) maxt = t;
        for (size_t i = 0; i < n; i++) {
            double x = csro_sim_crystal_x(id)[i], y = csro_sim_crystal_y(id)[i], z = csro_sim_crystal_z(id)[i];
            if (fabs(x - 0.36) < 1e-6 && fabs(y) < 1e-6 && fabs(z - 0.36) < 1e-6) {
                double len = 0.36 * sqrt(2.0), cz = csro_sim_crystal_z(c)[i] / len;
                ck_assert(fabs(acos(cz > 1 ? 1 : cz) * 180 / M_PI - t) < 0.01);
            }
        }
        csro_sim_crystal_free(c);
    }
    ck_assert(maxt > 5);
    ck_assert_int_eq(csro_sim_opts_set_tilt(o, 91), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_pole(o, 0, 0, 0), CSRO_EINVAL);
    csro_sim_crystal_free(id);
    csro_sim_opts_free(o);
}
END_TEST

/* Gaussian noise: a one-site lattice, many patterns: the spread of the
 * atom is sigma_xy in x and y, sigma_z in z. */
START_TEST(test_noise)
{
    csro_sim_opts *o = csro_sim_opts_new();
    char *p = tu_tmp("one.txt");
    ck_assert_int_eq(tu_write(p, "0 0 0 1\n", 8), 0);
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, p, 0), 0);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_OCC_FILE, NULL, 1), 0);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_SIGMA_XY, 0.5), 0);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_SIGMA_Z, 0.03), 0);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_EFFICIENCY, 1.0), 0);
    ck_assert_int_eq(csro_sim_opts_set_repeats(o, 4000), 0);
    double sx = 0, sy = 0, sz = 0;
    for (int k = 0; k < 4000; k++) {
        csro_sim_crystal *c;
        ck_assert_int_eq(csro_sim_crystal_new(&c, o, (uint64_t)k, CSRO_SIM_STAGE_APT), 0);
        ck_assert_uint_eq(csro_sim_crystal_count(c), 1);
        sx += csro_sim_crystal_x(c)[0] * (double)csro_sim_crystal_x(c)[0];
        sy += csro_sim_crystal_y(c)[0] * (double)csro_sim_crystal_y(c)[0];
        sz += csro_sim_crystal_z(c)[0] * (double)csro_sim_crystal_z(c)[0];
        csro_sim_crystal_free(c);
    }
    /* relative standard error of a variance over 4000 draws: sqrt(2/4000) = 2.2% */
    ck_assert(fabs(sqrt(sx / 4000) / 0.5 - 1) < 0.05);
    ck_assert(fabs(sqrt(sy / 4000) / 0.5 - 1) < 0.05);
    ck_assert(fabs(sqrt(sz / 4000) / 0.03 - 1) < 0.05);
    free(p);
    csro_sim_opts_free(o);
}
END_TEST

/* Sweep sizes as np.arange gives them (checked with NumPy): 13 x 25 x 10 =
 * 3250 for the FCC notebook cell, 13 x 15 x 10 = 1950 for the L1_2 cell
 * (the published L1_2 bank has 1950 patterns). */
START_TEST(test_sweep)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_uint_eq(csro_sim_npatterns(o), 3250);
    ck_assert_int_eq(csro_sim_opts_set_sweep(o, CSRO_SIM_SIGMA_Z, 0.02, 0.05, 0.002), 0);
    ck_assert_uint_eq(csro_sim_npatterns(o), 1950);
    ck_assert_uint_eq(csro_sim_nbins(o), 93);
    ck_assert_uint_eq(csro_sim_nparams(), 11);
    ck_assert_str_eq(csro_sim_param_name(2), "efficiency");
    float prof[3 * 93], par[3 * 11];
    /* patterns 9, 10, 11: efficiency innermost (10 values), then sigma_z */
    ck_assert_int_eq(csro_sim_bank(o, 9, 3, prof, 93, par, NULL, NULL), 0);
    ck_assert(fabs(par[0 * 11 + PX_EFF] - 0.65f) < 1e-6);
    ck_assert(fabs(par[0 * 11 + PX_SZ] - 0.02f) < 1e-6);
    ck_assert(fabs(par[1 * 11 + PX_EFF] - 0.2f) < 1e-6);
    ck_assert(fabs(par[1 * 11 + PX_SZ] - 0.022f) < 1e-6);
    ck_assert(fabs(par[2 * 11 + PX_EFF] - 0.25f) < 1e-6);
    ck_assert(fabs(par[2 * 11 + PX_SXY] - 0.2f) < 1e-6);
    /* int(172 * 0.65) = 111, int(172 * 0.2) = 34, int(172 * 0.25) = 43 */
    ck_assert(par[0 * 11 + PX_NDET] == 111);
    ck_assert(par[1 * 11 + PX_NDET] == 34);
    ck_assert(par[2 * 11 + PX_NDET] == 43);
    ck_assert(par[PX_NSITES] == 172);
    /* last pattern: sigma_xy 0.8 (np.arange includes it by rounding) */
    ck_assert_int_eq(csro_sim_bank(o, 1949, 1, prof, 93, par, NULL, NULL), 0);
    ck_assert(fabs(par[PX_SXY] - 0.8f) < 1e-6);
    ck_assert_int_eq(csro_sim_bank(o, 1949, 2, prof, 93, par, NULL, NULL), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_bank(o, 0, 1, prof, 92, par, NULL, NULL), CSRO_EINVAL);
    /* random mode: values inside the ranges */
    ck_assert_int_eq(csro_sim_opts_set_random(o, 3), 0);
    ck_assert_int_eq(csro_sim_opts_set_range(o, CSRO_SIM_EFFICIENCY, 0.3, 0.4), 0);
    ck_assert_uint_eq(csro_sim_npatterns(o), 3);
    ck_assert_int_eq(csro_sim_bank(o, 0, 3, prof, 93, par, NULL, NULL), 0);
    for (int k = 0; k < 3; k++) {
        ck_assert(par[k * 11 + PX_EFF] >= 0.3f && par[k * 11 + PX_EFF] <= 0.4f);
        ck_assert(par[k * 11 + PX_SZ] >= 0.02f && par[k * 11 + PX_SZ] <= 0.048f);
    }
    /* invalid values */
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_EFFICIENCY, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_EFFICIENCY, 1.2), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_sweep(o, CSRO_SIM_EFFICIENCY, 0.5, 1.2, 0.1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_SIGMA_Z, -0.1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_sweep(o, CSRO_SIM_SIGMA_Z, 0.1, 0.05, 0.01), CSRO_EINVAL);
    csro_sim_opts_free(o);
}
END_TEST

START_TEST(test_option_errors)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co:1,Qq:1"), CSRO_EINVAL);
    ck_assert(strstr(csro_last_error(), "Qq") != NULL);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co:1,Cr:0"), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co"), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co:1,Co:2"), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_composition(o, "Co:1,"), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_lattice(o, CSRO_SIM_FCC, 0, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_lattice(o, CSRO_SIM_FCC, -0.36, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_lattice(o, CSRO_SIM_FCC, 0.36, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_lattice(o, 7, 0.36, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_types(o, "59Co"), CSRO_EINVAL);
    /* pair species absent from the crystal */
    ck_assert_int_eq(csro_sim_opts_set_pair(o, "Fe", "Fe"), 0);
    float prof[93];
    ck_assert_int_eq(csro_sim_bank(o, 0, 1, prof, 93, NULL, NULL, NULL), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), "Fe") != NULL);
    csro_sim_opts_free(o);
    csro_sim_opts_free(NULL);
    csro_sim_crystal_free(NULL);
}
END_TEST

/* Centroid (nm) of the strongest local maximum near `near` (+- 0.06 nm). */
static double peak_near(const float *prof, const csro_sdm_opts *s, double near)
{
    size_t nb = csro_sdm_opts_nbins(s), best = 0;
    double w = csro_sdm_opts_bin_width(s), bv = -1;
    for (size_t k = 1; k + 1 < nb; k++) {
        double c = csro_sdm_opts_bin_left(s, k) + w / 2;
        if (fabs(c - near) > 0.06) continue;
        if (prof[k] >= prof[k - 1] && prof[k] >= prof[k + 1] && prof[k] > bv) { bv = prof[k]; best = k; }
    }
    if (bv <= 0) return NAN;
    double num = 0, den = 0;
    for (size_t k = best - 1; k <= best + 1; k++) {
        double c = csro_sdm_opts_bin_left(s, k) + w / 2;
        num += c * prof[k];
        den += prof[k];
    }
    return num / den;
}

static double value_at(const float *prof, const csro_sdm_opts *s, double at)
{
    size_t nb = csro_sdm_opts_nbins(s);
    double w = csro_sdm_opts_bin_width(s), best = 0;
    for (size_t k = 0; k < nb; k++) {
        double c = csro_sdm_opts_bin_left(s, k) + w / 2;
        if (fabs(c - at) <= 1.5 * w && prof[k] > best) best = prof[k];
    }
    return best;
}

/* Sum of the profiles of n patterns with small noise. */
static void bank_sum(csro_sim_opts *o, size_t n, float *sum)
{
    float *prof = malloc(n * 93 * sizeof *prof);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_SIGMA_XY, 0.3), 0);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_SIGMA_Z, 0.012), 0);
    ck_assert_int_eq(csro_sim_opts_set_value(o, CSRO_SIM_EFFICIENCY, 0.6), 0);
    ck_assert_int_eq(csro_sim_opts_set_repeats(o, n), 0);
    ck_assert_int_eq(csro_sim_opts_set_threads(o, 2), 0);
    ck_assert_int_eq(csro_sim_bank(o, 0, n, prof, 93, NULL, NULL, NULL), 0);
    for (size_t k = 0; k < 93; k++) {
        sum[k] = 0;
        for (size_t i = 0; i < n; i++) sum[k] += prof[i * 93 + k];
    }
    free(prof);
}

/* Physics: FCC planes normal to [001] are a/2 = 0.18 nm apart, normal to
 * [111] a/sqrt3 = 0.208 nm, normal to [011] a/(2 sqrt2) = 0.127 nm. The
 * L1_2 Co sublattice is simple cubic: Co-Co only at multiples of a = 0.36
 * along [001], so the a/2 peak vanishes and the superlattice peak at a
 * remains. */
START_TEST(test_peaks)
{
    csro_sim_opts *o = csro_sim_opts_new();
    csro_sdm_opts *s = csro_sdm_opts_new();
    float fcc[93], l12[93], f111[93], f011[93];
    bank_sum(o, 40, fcc); /* random Co:Cr:Ni, Co-Co */
    ck_assert(fabs(peak_near(fcc, s, 0.18) - 0.18) < 0.008);
    ck_assert(fabs(peak_near(fcc, s, -0.18) + 0.18) < 0.008);
    ck_assert(fabs(peak_near(fcc, s, 0.36) - 0.36) < 0.008);
    ck_assert(fabs(peak_near(fcc, s, -0.36) + 0.36) < 0.008);
    ck_assert(fabs(peak_near(fcc, s, 0.54) - 0.54) < 0.008);
    /* troughs between planes */
    ck_assert(value_at(fcc, s, 0.09) < 0.3 * value_at(fcc, s, 0.18));
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 1), 0);
    bank_sum(o, 40, l12);
    ck_assert(fabs(peak_near(l12, s, 0.36) - 0.36) < 0.008);
    ck_assert(fabs(peak_near(l12, s, -0.36) + 0.36) < 0.008);
    ck_assert(value_at(l12, s, 0.18) < 0.1 * value_at(l12, s, 0.36));
    ck_assert(value_at(l12, s, -0.18) < 0.1 * value_at(l12, s, -0.36));
    ck_assert(value_at(fcc, s, 0.18) > 0.5 * value_at(fcc, s, 0.36));
    /* [111] */
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_RANDOM, NULL, 1), 0);
    ck_assert_int_eq(csro_sim_opts_set_pole(o, 1, 1, 1), 0);
    bank_sum(o, 40, f111);
    double d111 = 0.36 / sqrt(3.0);
    ck_assert(fabs(peak_near(f111, s, d111) - d111) < 0.008);
    ck_assert(fabs(peak_near(f111, s, -d111) + d111) < 0.008);
    ck_assert(fabs(peak_near(f111, s, 2 * d111) - 2 * d111) < 0.008);
    /* [011] */
    ck_assert_int_eq(csro_sim_opts_set_pole(o, 0, 1, 1), 0);
    bank_sum(o, 40, f011);
    double d011 = 0.36 / (2 * sqrt(2.0));
    ck_assert(fabs(peak_near(f011, s, d011) - d011) < 0.008);
    ck_assert(fabs(peak_near(f011, s, 2 * d011) - 2 * d011) < 0.008);
    csro_sdm_opts_free(s);
    csro_sim_opts_free(o);
}
END_TEST

/* Same seed: identical bank for 1 and 3 threads, and the profile equals
 * csro_sdm_points over the realised crystal; another seed differs. */
START_TEST(test_determinism)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_tilt(o, 5), 0);
    ck_assert_int_eq(csro_sim_opts_set_seed(o, 42, 1000), 0);
    size_t n = 37;
    float *a = malloc(n * 93 * sizeof *a), *b = malloc(n * 93 * sizeof *b);
    float *pa = malloc(n * 11 * sizeof *pa), *pb = malloc(n * 11 * sizeof *pb);
    ck_assert_int_eq(csro_sim_opts_set_threads(o, 1), 0);
    ck_assert_int_eq(csro_sim_bank(o, 100, n, a, 93, pa, NULL, NULL), 0);
    ck_assert_int_eq(csro_sim_opts_set_threads(o, 3), 0);
    ck_assert_int_eq(csro_sim_bank(o, 100, n, b, 93, pb, NULL, NULL), 0);
    ck_assert(!memcmp(a, b, n * 93 * sizeof *a));
    ck_assert(!memcmp(pa, pb, n * 11 * sizeof *pa));
    /* a sub-range gives the same rows */
    ck_assert_int_eq(csro_sim_bank(o, 110, 5, b, 93, pb, NULL, NULL), 0);
    ck_assert(!memcmp(a + 10 * 93, b, 5 * 93 * sizeof *a));
    /* the crystal API realises the same pattern */
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 110, CSRO_SIM_STAGE_APT), 0);
    int co = species_id(c, "Co");
    size_t m = csro_sim_crystal_count(c), k = 0;
    float *x = malloc(m * sizeof *x), *y = malloc(m * sizeof *y), *z = malloc(m * sizeof *z);
    for (size_t i = 0; i < m; i++)
        if (csro_sim_crystal_species(c)[i] == co) {
            x[k] = csro_sim_crystal_x(c)[i]; y[k] = csro_sim_crystal_y(c)[i]; z[k] = csro_sim_crystal_z(c)[i];
            k++;
        }
    ck_assert(csro_sim_crystal_param(c, PX_NA) == (double)k);
    csro_sdm_opts *s = csro_sdm_opts_new();
    uint64_t h[93] = {0};
    ck_assert_int_eq(csro_sdm_points(s, x, y, z, k, x, y, z, k, h, 93), 0);
    for (int i = 0; i < 93; i++) ck_assert(b[i] == (float)h[i]);
    csro_sdm_opts_free(s);
    free(x); free(y); free(z);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_seed(o, 43, 1000), 0);
    ck_assert_int_eq(csro_sim_bank(o, 100, n, b, 93, pb, NULL, NULL), 0);
    ck_assert(memcmp(a, b, n * 93 * sizeof *a) != 0);
    free(a); free(b); free(pa); free(pb);
    csro_sim_opts_free(o);
}
END_TEST

static int cancel_cb(double f, void *user)
{
    (void)f;
    return ++*(int *)user >= 3;
}

/* Domain surface cuts (boundary-aware banks): the kept sites match a
 * brute-force count of the sites on the ordered side of the returned plane
 * or sphere, their number is round(f n), the rest is a permutation. */
START_TEST(test_cut)
{
    cs_sim_sites st = {0};
    ck_assert_int_eq(cs_sim_lattice_gen(&st, CSRO_SIM_FCC, 0.36, 1.5), 0);
    size_t n = st.n;
    int32_t *sp = malloc(n * sizeof *sp);
    uint8_t *ord = malloc(n), *seen = malloc(n);
    const double fr[] = {0, 0.13, 0.5, 0.77, 1};
    for (int shape = CSRO_SIM_CUT_PLANE; shape <= CSRO_SIM_CUT_SPHERE; shape++)
        for (size_t t = 0; t < sizeof fr / sizeof *fr; t++)
            for (uint64_t seed = 1; seed <= 5; seed++) {
                cs_rng r;
                cs_rng_init(&r, seed, 9);
                for (size_t i = 0; i < n; i++) sp[i] = (int32_t)i;
                double geom[4];
                size_t k = cs_sim_cut(&st, shape, fr[t], &r, sp, ord, geom);
                ck_assert_uint_eq(k, (size_t)floor(fr[t] * (double)n + 0.5));
                size_t brute = 0;
                memset(seen, 0, n);
                for (size_t i = 0; i < n; i++) {
                    double q[3] = {st.x[i], st.y[i], st.z[i]};
                    int in;
                    if (shape == CSRO_SIM_CUT_PLANE) {
                        in = geom[0] * q[0] + geom[1] * q[1] + geom[2] * q[2] > geom[3];
                    } else {
                        double d2 = 0;
                        for (int a = 0; a < 3; a++) d2 += (q[a] - geom[a]) * (q[a] - geom[a]);
                        in = d2 < geom[3] * geom[3];
                    }
                    brute += (size_t)in;
                    ck_assert_msg(in == ord[i], "shape %d f %g seed %d site %zu k %zu geom %g %g %g %g", shape, fr[t], (int)seed, i, k, geom[0], geom[1], geom[2], geom[3]);
                    if (in) ck_assert_int_eq(sp[i], (int32_t)i); /* kept sites keep their species */
                    else ck_assert_int_eq(ord[sp[i]], 0);      /* the rest is permuted among itself */
                    ck_assert_int_eq(seen[sp[i]], 0);
                    seen[sp[i]] = 1;
                }
                ck_assert_uint_eq(brute, k);
            }
    free(sp); free(ord); free(seen);
    cs_sim_sites_free(&st);
    /* through the public API: ordered_fraction within [fmin, fmax] (+- 1/n) */
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_L12, "Co", 1.0), 0);
    ck_assert_int_eq(csro_sim_opts_set_cut(o, CSRO_SIM_CUT_ANY, 0.2, 0.4), 0);
    for (uint64_t p = 0; p < 20; p++) {
        csro_sim_crystal *c;
        ck_assert_int_eq(csro_sim_crystal_new(&c, o, p, CSRO_SIM_STAGE_IDEAL), 0);
        double f = csro_sim_crystal_ordered_fraction(c), nn = (double)csro_sim_crystal_count(c);
        ck_assert_msg(f >= 0.2 - 1 / nn && f <= 0.4 + 1 / nn, "ordered fraction %g", f);
        /* the ordered part keeps Co on its corners: Co count unchanged by the permutation */
        ck_assert_uint_eq(count_species(c, "Co"), 64);
        csro_sim_crystal_free(c);
    }
    ck_assert_int_eq(csro_sim_opts_set_cut(o, CSRO_SIM_CUT_PLANE, 0.6, 0.4), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_cut(o, 7, 0, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_sim_opts_set_cut(o, CSRO_SIM_CUT_NONE, 0, 0), 0);
    csro_sim_crystal *c;
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 1, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert(csro_sim_crystal_ordered_fraction(c) == 1.0);
    csro_sim_crystal_free(c);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_RANDOM, NULL, 0), 0);
    ck_assert_int_eq(csro_sim_crystal_new(&c, o, 1, CSRO_SIM_STAGE_IDEAL), 0);
    ck_assert(csro_sim_crystal_ordered_fraction(c) == 0.0);
    csro_sim_crystal_free(c);
    csro_sim_opts_free(o);
}
END_TEST

START_TEST(test_cancel_and_clone)
{
    csro_sim_opts *o = csro_sim_opts_new();
    ck_assert_int_eq(csro_sim_opts_set_lattice_file(o, tu_data("sim_ref_l12_1nm.txt"), 0.36), 0);
    ck_assert_int_eq(csro_sim_opts_set_order(o, CSRO_SIM_OCC_FILE, NULL, 1), 0);
    ck_assert_int_eq(csro_sim_opts_set_types(o, "59:Co,64:X"), 0);
    csro_sim_opts *c = csro_sim_opts_clone(o);
    csro_sim_opts_free(o);
    float prof[20 * 93];
    int calls = 0;
    ck_assert_int_eq(csro_sim_bank(c, 0, 20, prof, 93, NULL, cancel_cb, &calls), CSRO_ECANCELED);
    ck_assert_int_eq(csro_sim_bank(c, 0, 2, prof, 93, NULL, NULL, NULL), 0);
    csro_sim_opts_free(c);
}
END_TEST

CSRO_TEST_MAIN("sim", 60, test_reference_file, test_lattice_file_errors, test_random_composition,
               test_order_parameter, test_bcc_models, test_orientation, test_noise, test_sweep,
               test_option_errors, test_peaks, test_determinism, test_cancel_and_clone, test_cut)
