/* mc_bench.c: attempted swaps per second of csro_mc_run on a lattice of
 * ~10^6 sites (FCC 63^3 cells), CoCrNi with first/second-shell
 * interactions, against a baseline loop that only draws the same random
 * site pairs (the floor any Metropolis swap code pays). */
#include "csro.h"
#include "base/internal.h"
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    size_t cells[3] = {63, 63, 63};
    csro_mc *mc;
    if (csro_mc_new(&mc, CSRO_LATTICE_FCC, 0.356, cells) || csro_mc_set_composition(mc, "Co:1,Cr:1,Ni:1", 1)) {
        fprintf(stderr, "mc_bench: %s\n", csro_last_error());
        return 1;
    }
    csro_mc_set_interaction(mc, 1, "Co", "Cr", -20);
    csro_mc_set_interaction(mc, 1, "Cr", "Cr", 25);
    csro_mc_set_interaction(mc, 1, "Ni", "Cr", -10);
    csro_mc_set_interaction(mc, 2, "Cr", "Cr", -5);
    size_t n = csro_mc_nsites(mc);
    double t0 = now();
    csro_mc_run(mc, 800, 5, 2, NULL, NULL);
    double t1 = now();
    uint64_t att = csro_mc_attempted(mc);
    /* baseline: draw the same number of random site pairs and touch them */
    cs_rng r;
    cs_rng_init(&r, 2, 0);
    const uint8_t *sp = csro_mc_species(mc);
    uint64_t acc = 0;
    double t2 = now();
    for (uint64_t i = 0; i < att; i++) acc += sp[cs_rng_below(&r, n)] ^ sp[cs_rng_below(&r, n)];
    double t3 = now();
    printf("mc: %zu sites, %llu attempted swaps in %.2f s = %.3g swaps/s/core (accepted %.1f%%)\n", n,
           (unsigned long long)att, t1 - t0, (double)att / (t1 - t0),
           100.0 * (double)csro_mc_accepted(mc) / (double)att);
    printf("mc: baseline random pair draws %.3g pairs/s; swap cost = %.1fx the draw floor (check %llu)\n",
           (double)att / (t3 - t2), (t1 - t0) / (t3 - t2), (unsigned long long)(acc & 1));
    csro_mc_free(mc);
    return 0;
}
