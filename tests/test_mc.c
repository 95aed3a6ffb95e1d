/* test_mc.c: lattice Monte-Carlo against brute-force geometry, energy
 * bookkeeping, the random limit and an ordering interaction. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdlib.h>

/* Energy by brute force over minimum-image pair distances: shell 1 at
 * a/sqrt2 (FCC) or a*sqrt3/2 (BCC), shell 2 at a. */
static double brute_energy(const csro_mc *mc, int lattice, double a, const size_t cells[3],
                           double v1[3][3], double v2[3][3])
{
    size_t n = csro_mc_nsites(mc);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    csro_mc_positions(mc, x, y, z);
    const uint8_t *sp = csro_mc_species(mc);
    double d1 = lattice == CSRO_LATTICE_FCC ? a / sqrt(2.0) : a * sqrt(3.0) / 2, e = 0;
    double L[3] = {a * cells[0], a * cells[1], a * cells[2]};
    for (size_t p = 0; p < n; p++)
        for (size_t q = p + 1; q < n; q++) {
            double d[3] = {x[q] - x[p], y[q] - y[p], z[q] - z[p]}, r2 = 0;
            for (int k = 0; k < 3; k++) {
                d[k] -= L[k] * round(d[k] / L[k]);
                r2 += d[k] * d[k];
            }
            double r = sqrt(r2);
            if (fabs(r - d1) < 1e-4) e += v1[sp[p]][sp[q]];
            else if (fabs(r - a) < 1e-4) e += v2[sp[p]][sp[q]];
        }
    free(x); free(y); free(z);
    return e;
}

static void check_geometry(int lattice)
{
    size_t cells[3] = {3, 4, 3};
    const double a = 0.36;
    csro_mc *mc;
    ck_assert_int_eq(csro_mc_new(&mc, lattice, a, cells), 0);
    ck_assert_uint_eq(csro_mc_nsites(mc), (lattice == CSRO_LATTICE_FCC ? 4u : 2u) * 36);
    ck_assert_int_eq(csro_mc_set_composition(mc, "Co:1,Cr:1,Ni:1", 7), 0);
    const char *nm[3] = {"Co", "Cr", "Ni"};
    double v1[3][3], v2[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = i; j < 3; j++) {
            v1[i][j] = v1[j][i] = 1.0 + i * 3 + j;       /* distinct values */
            v2[i][j] = v2[j][i] = 0.1 * (1 + i + 5 * j);
            ck_assert_int_eq(csro_mc_set_interaction(mc, 1, nm[i], nm[j], v1[i][j]), 0);
            ck_assert_int_eq(csro_mc_set_interaction(mc, 2, nm[i], nm[j], v2[i][j]), 0);
        }
    double eb = brute_energy(mc, lattice, a, cells, v1, v2);
    ck_assert(fabs(csro_mc_energy_full(mc) - eb) < 1e-9 * fabs(eb));
    /* bookkeeping after many swaps at a finite temperature */
    ck_assert_int_eq(csro_mc_run(mc, 500.0, 50, 3, NULL, NULL), 0);
    ck_assert_uint_gt(csro_mc_accepted(mc), 0);
    eb = brute_energy(mc, lattice, a, cells, v1, v2);
    ck_assert(fabs(csro_mc_energy(mc) - eb) < 1e-6 * fabs(eb));
    csro_mc_free(mc);
}

START_TEST(test_geometry_fcc) { check_geometry(CSRO_LATTICE_FCC); }
END_TEST
START_TEST(test_geometry_bcc) { check_geometry(CSRO_LATTICE_BCC); }
END_TEST

START_TEST(test_random_limit)
{
    size_t cells[3] = {8, 8, 8};
    csro_mc *mc;
    ck_assert_int_eq(csro_mc_new(&mc, CSRO_LATTICE_FCC, 0.36, cells), 0);
    ck_assert_int_eq(csro_mc_set_composition(mc, "Co:1,Cr:1,Ni:1", 11), 0);
    ck_assert_int_eq(csro_mc_set_interaction(mc, 1, "Co", "Cr", -50), 0);
    ck_assert_int_eq(csro_mc_run(mc, INFINITY, 5, 5, NULL, NULL), 0);
    ck_assert_uint_eq(csro_mc_accepted(mc), csro_mc_attempted(mc));
    double al[9];
    ck_assert_int_eq(csro_mc_warren_cowley(mc, 1, al), 0);
    /* 2048 sites, ~8200 first-shell pairs per species: sigma(alpha) ~ 0.016 */
    for (int i = 0; i < 9; i++) ck_assert(fabs(al[i]) < 0.08);
    csro_mc_free(mc);
}
END_TEST

START_TEST(test_ordering)
{
    /* A50B50 with a favoured unlike first-shell bond orders toward L1_0,
     * where each A has 8 B of 12 neighbours: alpha_AB = 1 - (8/12)/0.5 = -1/3. */
    size_t cells[3] = {6, 6, 6};
    csro_mc *mc;
    ck_assert_int_eq(csro_mc_new(&mc, CSRO_LATTICE_FCC, 0.36, cells), 0);
    ck_assert_int_eq(csro_mc_set_composition(mc, "A:1,B:1", 1), 0);
    ck_assert_int_eq(csro_mc_set_interaction(mc, 1, "A", "B", -40), 0);
    double al[4];
    csro_mc_warren_cowley(mc, 1, al);
    ck_assert(fabs(al[1]) < 0.1);
    ck_assert_int_eq(csro_mc_run(mc, 100.0, 200, 2, NULL, NULL), 0);
    csro_mc_warren_cowley(mc, 1, al);
    ck_assert(al[1] < -0.28);
    ck_assert(al[1] >= -1.0 / 3 - 1e-9);
    float *lo = malloc(csro_mc_nsites(mc) * sizeof *lo);
    ck_assert_int_eq(csro_mc_local_order(mc, "A", "B", lo), 0);
    double mean = 0;
    size_t na = 0;
    for (size_t i = 0; i < csro_mc_nsites(mc); i++)
        if (!isnan(lo[i])) { mean += lo[i]; na++; }
    ck_assert_uint_eq(na, csro_mc_nsites(mc) / 2);
    ck_assert(fabs(mean / na - al[1]) < 1e-6); /* mean local order = global alpha */
    free(lo);
    csro_mc_free(mc);
}
END_TEST

START_TEST(test_errors)
{
    size_t cells[3] = {4, 4, 1};
    csro_mc *mc;
    ck_assert_int_eq(csro_mc_new(&mc, CSRO_LATTICE_FCC, 0.36, cells), CSRO_EINVAL);
    cells[2] = 4;
    ck_assert_int_eq(csro_mc_new(&mc, CSRO_LATTICE_FCC, -1, cells), CSRO_EINVAL);
    ck_assert_int_eq(csro_mc_new(&mc, CSRO_LATTICE_FCC, 0.36, cells), 0);
    ck_assert_int_eq(csro_mc_set_composition(mc, "Co=1", 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_mc_set_composition(mc, "Co:1,Ni:1", 1), 0);
    ck_assert_int_eq(csro_mc_set_interaction(mc, 1, "Co", "Fe", 1), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), "Fe") != NULL);
    ck_assert_int_eq(csro_mc_run(mc, 0, 1, 1, NULL, NULL), CSRO_EINVAL);
    ck_assert_int_eq(csro_mc_run(mc, -5, 1, 1, NULL, NULL), CSRO_EINVAL);
    char *p = tu_tmp("epi.txt");
    tu_write(p, "# shell A B meV\n1 Co Ni -10\n2 Co Co 3.5\n", 40);
    ck_assert_int_eq(csro_mc_load_interactions(mc, p), 0);
    tu_write(p, "1 Co Xx -10\n", 12);
    ck_assert_int_eq(csro_mc_load_interactions(mc, p), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), ":1:") != NULL);
    tu_write(p, "1 Co\n", 5);
    ck_assert_int_eq(csro_mc_load_interactions(mc, p), CSRO_EFORMAT);
    free(p);
    csro_mc_free(mc);
}
END_TEST

CSRO_TEST_MAIN("mc", 120, test_geometry_fcc, test_geometry_bcc, test_random_limit, test_ordering,
               test_errors)
