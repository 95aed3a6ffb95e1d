/* csro/sim.h: simulated CSRO pattern banks (ML-APT training data).
 *
 * One csro_sim_opts object describes one class of patterns: a small
 * crystal (FCC or BCC supercell, or a user lattice file "x y z type" with
 * exact duplicate rows removed, as np.unique(axis=0) does), its occupancy
 * (random solid solution of a composition, ordered L1_2 / B2 / D0_3 with
 * species X on the ordered sublattice, or the types of the file), partial
 * order (long-range order parameter S in [0, 1] or a Warren-Cowley alpha_1
 * target), its orientation (pole [hkl] rotated onto +z, optional random
 * tilt), the APT effects (Gaussian noise sigma_xy on x and y, sigma_z on z,
 * then random subsampling with the detection efficiency) and the species
 * pair whose z-SDM (csro_sdm_points over the whole small crystal) is the
 * pattern. APT parameters are swept on a grid (np.arange semantics, as the
 * ML-APT reference notebook does) or drawn uniformly from ranges.
 *
 * Pattern p of a class uses the random stream seed/(stream_base + p) only,
 * so every pattern is reproducible bit for bit for any thread count.
 *
 * Options objects are not thread-safe to modify but may be shared read-only
 * by any number of threads.
 */
#ifndef CSRO_SIM_H
#define CSRO_SIM_H

#include "csro/common.h"
#include "csro/sdm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_sim_opts csro_sim_opts;
typedef struct csro_sim_crystal csro_sim_crystal;

/* Lattice kinds. */
enum { CSRO_SIM_FCC = 1, CSRO_SIM_BCC = 2, CSRO_SIM_FILE = 3 };
/* Occupancy models. CSRO_SIM_OCC_FILE keeps the types of the lattice file. */
enum { CSRO_SIM_RANDOM = 0, CSRO_SIM_L12 = 1, CSRO_SIM_B2 = 2, CSRO_SIM_D03 = 3,
       CSRO_SIM_OCC_FILE = 4 };
/* Swept / drawn APT parameters. */
enum { CSRO_SIM_SIGMA_XY = 0, CSRO_SIM_SIGMA_Z = 1, CSRO_SIM_EFFICIENCY = 2 };
/* Stages of csro_sim_crystal_new. */
enum { CSRO_SIM_STAGE_IDEAL = 0,    /* occupied lattice, not rotated */
       CSRO_SIM_STAGE_ORIENTED = 1, /* rotated (pole on z, tilt) */
       CSRO_SIM_STAGE_APT = 2       /* plus noise and detection efficiency */ };

/* New options: FCC, a = 0.36 nm, size 1 nm (3x3x3 cells, 172 sites),
 * composition "Co:1,Cr:1,Ni:1", random occupancy, pole [001], no tilt,
 * the reference sweep (sigma_xy 0.2..0.8 step 0.05, sigma_z 0.01..0.06 step
 * 0.002, efficiency 0.2..0.7 step 0.05: 13 x 25 x 10 patterns), pair Co-Co,
 * default z-SDM options, seed 0, stream base 0, 1 thread. NULL on OOM. */
CSRO_API csro_sim_opts *csro_sim_opts_new(void);
/* Deep copy (NULL on OOM). */
CSRO_API csro_sim_opts *csro_sim_opts_clone(const csro_sim_opts *o);
CSRO_API void csro_sim_opts_free(csro_sim_opts *o);

/* Generated lattice: kind CSRO_SIM_FCC or CSRO_SIM_BCC, lattice parameter
 * a > 0 (nm), cube edge size > 0 (nm): n = ceil(size / a) cells per edge,
 * all lattice points of [0, n a]^3 (closed box); n <= 16 (neighbour
 * search and z-SDM are brute force: meant for small crystals). */
CSRO_API int csro_sim_opts_set_lattice(csro_sim_opts *o, int kind, double a, double size);
/* Lattice from a text file of rows "x y z type" (nm, whitespace separated,
 * '#' comments, type an integer code); exact duplicate rows are removed and
 * rows sorted as np.unique(axis=0) does. a (>= 0) is provenance only
 * (the ordered models need a generated lattice). Occupancy models usable
 * on a file: CSRO_SIM_OCC_FILE and CSRO_SIM_RANDOM. */
CSRO_API int csro_sim_opts_set_lattice_file(csro_sim_opts *o, const char *path, double a);
/* Names of the file's type codes, "59:Co,64:X" (unnamed codes are named by
 * their decimal code, e.g. "64"). */
CSRO_API int csro_sim_opts_set_types(csro_sim_opts *o, const char *map);
/* Composition "Co:1,Cr:1,Ni:1": element symbols with positive weights
 * (normalised). Unknown element symbols are rejected (CSRO_EINVAL). */
CSRO_API int csro_sim_opts_set_composition(csro_sim_opts *o, const char *spec);
/* Occupancy model (CSRO_SIM_RANDOM ... CSRO_SIM_OCC_FILE); x = ordered
 * species (L1_2: cube corners; B2: cube corners; D0_3: one of the two FCC
 * sublattices of the corners, 1/4 of the sites); the other sites draw from
 * the composition without x. S in [0, 1] is the long-range order
 * parameter: each site keeps its ordered species with probability S, the
 * species of all other sites are randomly permuted among them (S = 0 is a
 * random solid solution of the ordered composition; for RANDOM S is
 * ignored). x may be NULL for RANDOM and OCC_FILE. */
CSRO_API int csro_sim_opts_set_order(csro_sim_opts *o, int model, const char *x, double S);
/* Instead of S: target first-shell Warren-Cowley alpha_1 of the x-x pair.
 * S is set to sqrt(alpha1 / alpha1(S = 1)) (exact for Bragg-Williams in an
 * infinite stoichiometric crystal), alpha1(S = 1) measured on the ordered
 * crystal; fails with CSRO_EINVAL when the target is out of reach. Call
 * after the lattice, composition and order model are set. */
CSRO_API int csro_sim_opts_set_alpha1(csro_sim_opts *o, double alpha1);
/* The order parameter S in use. */
CSRO_API double csro_sim_opts_order_s(const csro_sim_opts *o);
/* Domain surface through every crystal of the class (CSRO_1.1), for
 * boundary-aware banks: a random plane (CSRO_SIM_CUT_PLANE) or sphere
 * (CSRO_SIM_CUT_SPHERE) keeps a fraction f, drawn uniformly in [fmin, fmax],
 * of the sites ordered (as set_order says) and turns the rest into a random
 * solid solution of their species. The kept fraction of a crystal is
 * csro_sim_crystal_ordered_fraction (0 for random classes, 1 for uncut
 * ordered ones); in a bank the class label says it. CSRO_SIM_CUT_ANY picks plane or sphere at random per crystal.
 * CSRO_SIM_CUT_NONE (default) switches it off. */
enum { CSRO_SIM_CUT_NONE = 0, CSRO_SIM_CUT_PLANE = 1, CSRO_SIM_CUT_SPHERE = 2, CSRO_SIM_CUT_ANY = 3 };
CSRO_API int csro_sim_opts_set_cut(csro_sim_opts *o, int shape, double fmin, double fmax);
/* Pole [h k l] of the crystal rotated onto +z (not all zero; default 001).
 * tilt_deg in [0, 90]: random misorientation per pattern, the pole tilted
 * by theta (cos theta uniform in [cos tilt, 1]) towards a uniform azimuth. */
CSRO_API int csro_sim_opts_set_pole(csro_sim_opts *o, double h, double k, double l);
CSRO_API int csro_sim_opts_set_tilt(csro_sim_opts *o, double tilt_deg);
/* Sweep of an APT parameter: values start + i*step for i < ceil((stop -
 * start) / step) (np.arange semantics, so 0.2..0.8 step 0.05 gives 13
 * values, 0.8 included by rounding, as in the reference). Every value must
 * be valid: sigmas >= 0, efficiency in (0, 1]. Also sets the random range
 * to [start, last value]. */
CSRO_API int csro_sim_opts_set_sweep(csro_sim_opts *o, int param, double start, double stop, double step);
/* Fixed value of a parameter (a sweep of one value). */
CSRO_API int csro_sim_opts_set_value(csro_sim_opts *o, int param, double v);
/* Range [lo, hi] used in random mode (default: the sweep's extent). */
CSRO_API int csro_sim_opts_set_range(csro_sim_opts *o, int param, double lo, double hi);
/* n > 0: random mode, n patterns with each parameter drawn uniformly from
 * its range; n = 0: sweep mode (cartesian product x repeats). */
CSRO_API int csro_sim_opts_set_random(csro_sim_opts *o, size_t n);
/* Repeat the whole sweep r >= 1 times (fresh noise each time). */
CSRO_API int csro_sim_opts_set_repeats(csro_sim_opts *o, size_t r);
/* Species pair of the z-SDM ("Co", "Co"). */
CSRO_API int csro_sim_opts_set_pair(csro_sim_opts *o, const char *a, const char *b);
/* z-SDM options (copied; default csro_sdm_opts_new()). */
CSRO_API int csro_sim_opts_set_sdm(csro_sim_opts *o, const csro_sdm_opts *sdm);
/* Seed and stream base: pattern p uses stream stream_base + p. */
CSRO_API int csro_sim_opts_set_seed(csro_sim_opts *o, uint64_t seed, uint64_t stream_base);
/* Worker threads for csro_sim_bank (0 = all cores). */
CSRO_API int csro_sim_opts_set_threads(csro_sim_opts *o, int n);

/* Number of patterns of the class (sweep product x repeats, or n). */
CSRO_API size_t csro_sim_npatterns(const csro_sim_opts *o);
/* Number of kept z-SDM bins. */
CSRO_API size_t csro_sim_nbins(const csro_sim_opts *o);
/* Per-pattern parameters recorded by csro_sim_bank, in this order:
 * sigma_xy, sigma_z, efficiency, tilt_deg, tilt_azimuth_deg, order_S,
 * alpha1 (first-shell Warren-Cowley of the pair on the ideal crystal; 0
 * where undefined, e.g. a crystal of one species),
 * n_sites, n_detected, n_a, n_b. Static strings. */
CSRO_API size_t csro_sim_nparams(void);
CSRO_API const char *csro_sim_param_name(size_t i);

/* Compute patterns first .. first+n-1 of the class: profiles n*nbins raw
 * pair counts (required), params n*csro_sim_nparams() (may be NULL).
 * Uses the options' thread count; progress (may be NULL) is called from
 * the calling thread. Thread-safe for distinct output buffers. */
CSRO_API int csro_sim_bank(const csro_sim_opts *o, size_t first, size_t n,
                           float *profiles, size_t nbins, float *params,
                           csro_progress_fn progress, void *user);

/* One realisation (pattern number p) up to a stage; *out NULL on failure. */
CSRO_API int csro_sim_crystal_new(csro_sim_crystal **out, const csro_sim_opts *o,
                                  uint64_t p, int stage);
CSRO_API void csro_sim_crystal_free(csro_sim_crystal *c);
/* Atoms; coordinate arrays (nm) valid while c lives. */
CSRO_API size_t csro_sim_crystal_count(const csro_sim_crystal *c);
CSRO_API const float *csro_sim_crystal_x(const csro_sim_crystal *c);
CSRO_API const float *csro_sim_crystal_y(const csro_sim_crystal *c);
CSRO_API const float *csro_sim_crystal_z(const csro_sim_crystal *c);
/* Species index of each atom into the crystal's species names. */
CSRO_API const int32_t *csro_sim_crystal_species(const csro_sim_crystal *c);
CSRO_API size_t csro_sim_crystal_nspecies(const csro_sim_crystal *c);
CSRO_API const char *csro_sim_crystal_species_name(const csro_sim_crystal *c, size_t i);
/* Parameters of this realisation (as csro_sim_param_name); i <
 * csro_sim_nparams(). */
CSRO_API double csro_sim_crystal_param(const csro_sim_crystal *c, size_t i);
/* Fraction of the sites a domain-surface cut kept ordered (CSRO_1.1;
 * csro_sim_opts_set_cut): 0 for random classes, 1 for uncut ordered ones. */
CSRO_API double csro_sim_crystal_ordered_fraction(const csro_sim_crystal *c);
/* First-shell Warren-Cowley alpha_1 of the pair (a, b):
 * 1 - P(b | nearest neighbour of an a) / c_b (for a = b this equals
 * (P(a|a) - c_a) / (1 - c_a)); neighbours are pairs closer than 1.1 x the
 * smallest site distance. Meaningful for the ideal and oriented stages.
 * CSRO_ENOTFOUND for an absent species. */
CSRO_API int csro_sim_crystal_alpha1(const csro_sim_crystal *c, const char *a, const char *b,
                                     double *out);

#ifdef __cplusplus
}
#endif
#endif
