/* csro/mc.h: canonical lattice Monte-Carlo with effective pair
 * interactions, the atomistic source of specimens with known CSRO.
 *
 * A csro_mc holds an FCC or BCC lattice of nx*ny*nz conventional cells
 * (lattice parameter a, periodic boundaries) occupied by up to 16 species.
 * Energy E = sum over first- and second-shell neighbour pairs of
 * V_s(species_i, species_j) in meV. csro_mc_run() performs Metropolis swaps of
 * two random sites of different species (composition conserving) at
 * temperature T, updating E incrementally. Site index
 * ((k*ny + j)*nx + i)*nbasis + b; positions a*(cell + basis).
 * A csro_mc is not thread-safe; distinct handles are independent.
 */
#ifndef CSRO_MC_H
#define CSRO_MC_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_mc csro_mc;

enum { CSRO_LATTICE_FCC = 0, CSRO_LATTICE_BCC = 1 };

/* New lattice (all sites species 0 until a composition is set). cells[3]
 * >= 2 each; a > 0 nm. Up to 2^31 sites. */
CSRO_API int csro_mc_new(csro_mc **out, int lattice, double a, const size_t cells[3]);
CSRO_API void csro_mc_free(csro_mc *mc);
/* Random configuration with composition "Co:1,Cr:1,Ni:1" (ratios; counts
 * rounded so they sum to the number of sites), shuffled with seed. Resets
 * interactions to zero. */
CSRO_API int csro_mc_set_composition(csro_mc *mc, const char *composition, uint64_t seed);
/* Pair interaction (meV) of shell 1 or 2 between species a and b
 * (symmetric). Unknown species -> CSRO_ENOTFOUND. */
CSRO_API int csro_mc_set_interaction(csro_mc *mc, int shell, const char *a, const char *b, double mev);
/* Read interactions from a text file: lines "shell A B meV" ('#' starts a
 * comment). Errors name the file and line. */
CSRO_API int csro_mc_load_interactions(csro_mc *mc, const char *path);
/* Metropolis swaps: sweeps * nsites attempts at temperature_K > 0 (use
 * INFINITY for infinite temperature: every swap accepted). Deterministic
 * for a given seed. progress may be NULL. */
CSRO_API int csro_mc_run(csro_mc *mc, double temperature_K, double sweeps, uint64_t seed,
                         csro_progress_fn progress, void *user);

CSRO_API size_t csro_mc_nsites(const csro_mc *mc);
CSRO_API size_t csro_mc_nspecies(const csro_mc *mc);
CSRO_API const char *csro_mc_species_name(const csro_mc *mc, size_t s);
/* Species index of every site (nsites entries, valid while mc lives). */
CSRO_API const uint8_t *csro_mc_species(const csro_mc *mc);
/* Site positions in nm into caller arrays of nsites floats. */
CSRO_API int csro_mc_positions(const csro_mc *mc, float *x, float *y, float *z);
/* Energy tracked incrementally (meV) and a full recomputation. */
CSRO_API double csro_mc_energy(const csro_mc *mc);
CSRO_API double csro_mc_energy_full(const csro_mc *mc);
/* Attempted and accepted swaps over the handle's life. */
CSRO_API uint64_t csro_mc_attempted(const csro_mc *mc);
CSRO_API uint64_t csro_mc_accepted(const csro_mc *mc);
/* Warren-Cowley alpha_ij = 1 - P(j | neighbour of i in shell) / c_j for
 * shell 1 or 2, into alpha[nspecies*nspecies] (row i, column j). */
CSRO_API int csro_mc_warren_cowley(const csro_mc *mc, int shell, double *alpha);
/* Per-site local first-shell order of pair (a, b): for sites of species a,
 * 1 - n_b / (z1 c_b) where n_b counts first-shell b neighbours; NaN for
 * sites of other species. out has nsites floats. */
CSRO_API int csro_mc_local_order(const csro_mc *mc, const char *a, const char *b, float *out);

#ifdef __cplusplus
}
#endif
#endif
