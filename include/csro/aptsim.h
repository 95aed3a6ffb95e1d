/* csro/aptsim.h: simulated APT specimens with known CSRO.
 *
 * A random solid solution on an FCC (or BCC) lattice with planted ordered
 * spherical domains (FCC: ideal L1_2 with the chosen species on the
 * cube-corner sublattice and only the other species, in their ratios, on the
 * faces; BCC: B2 likewise), measured as APT would:
 * detection efficiency (random loss), Gaussian lateral (sigma_xy) and depth
 * (sigma_z) blur, optional uniform background ions, and a mass-to-charge per
 * ion drawn from the natural isotopes of its element (2+ charge state).
 * The lattice axes are x, y, z (pole <001> along z) unless a pole is set. Every detected ion keeps
 * its truth: 1 when its lattice site lies inside a planted domain.
 * Generation runs z-slab by z-slab with one random stream per slab, so
 * memory stays bounded for any size when writing to files and the result is
 * the same for a given seed. A csro_aptsim is not thread-safe.
 */
#ifndef CSRO_APTSIM_H
#define CSRO_APTSIM_H

#include "csro/common.h"
#include "csro/mc.h"

typedef struct csro_recon csro_recon;

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_aptsim csro_aptsim;

/* Defaults: 20 x 20 x 20 nm box, FCC a = 0.356 nm, Co:1,Cr:1,Ni:1, no
 * domains, efficiency 0.5, sigma_xy 0.3 nm, sigma_z 0.03 nm, no
 * background, seed 1. */
CSRO_API int csro_aptsim_new(csro_aptsim **out);
CSRO_API void csro_aptsim_free(csro_aptsim *s);
CSRO_API int csro_aptsim_set_box(csro_aptsim *s, double lx, double ly, double lz);
/* lattice: CSRO_LATTICE_FCC or CSRO_LATTICE_BCC (csro/mc.h). */
CSRO_API int csro_aptsim_set_lattice(csro_aptsim *s, int lattice, double a);
/* Elements with ratios, e.g. "Co:1,Cr:1,Ni:1". Known elements: Al, Co, Cr,
 * Fe, Ni, Cu, Ti, Mn (isotopes built in). */
CSRO_API int csro_aptsim_set_composition(csro_aptsim *s, const char *composition);
/* Planted ordered domains of `species` with diameters uniform in
 * [dmin, dmax] nm until `fraction` of the box volume is covered
 * (non-overlapping, placed at random). fraction 0 = none. */
CSRO_API int csro_aptsim_set_domains(csro_aptsim *s, const char *species, double dmin, double dmax,
                                     double fraction);
/* Partial order inside the domains (CSRO_1.1): each domain site takes its
 * ordered species with probability S, else a species drawn as in the
 * matrix; its truth stays 1. Default 1 (ideal domains). */
CSRO_API int csro_aptsim_set_domain_order(csro_aptsim *s, double S);
CSRO_API int csro_aptsim_set_detection(csro_aptsim *s, double efficiency, double sigma_xy, double sigma_z);
/* Uniform random background ions, as a fraction of detected ions, with
 * mass-to-charge uniform in [1, 100) Da (truth 0). */
CSRO_API int csro_aptsim_set_background(csro_aptsim *s, double fraction);
CSRO_API int csro_aptsim_set_seed(csro_aptsim *s, uint64_t seed);
/* Crystal orientation: the pole [h k l] of the lattice along the specimen's
 * z axis (default [0 0 1]); the rotation is the pattern simulator's
 * (csro_sim(3)), the lattice is rotated about the box centre. */
CSRO_API int csro_aptsim_set_pole(csro_aptsim *s, double h, double k, double l);
/* Needle-shaped specimen: keep only sites within r0 + z tan(half_angle) of
 * the box's z axis (x = lx/2, y = ly/2); r0 = 0 (default) keeps the box. */
CSRO_API int csro_aptsim_set_needle(csro_aptsim *s, double r0, double half_angle_deg);

/* Place the domains now (done automatically by the generators). */
CSRO_API int csro_aptsim_plant(csro_aptsim *s);
CSRO_API size_t csro_aptsim_ndomains(const csro_aptsim *s);
CSRO_API int csro_aptsim_domain(const csro_aptsim *s, size_t i, double centre[3], double *radius);
/* Fraction of the box volume inside domains (exact sphere volumes). */
CSRO_API double csro_aptsim_domain_fraction(const csro_aptsim *s);

/* In memory: the reconstruction and its truth (one byte per ion,
 * allocated by the library: release with csro_free). */
CSRO_API int csro_aptsim_generate(csro_aptsim *s, csro_recon **recon, uint8_t **truth);
/* Measure an atomistic specimen of your own (csro-mc output, a molecular
 * dynamics snapshot ...): n atoms at x, y, z (nm) whose element is
 * names[species[i]] (elements of the isotope table), with an optional
 * per-atom truth, through the detection settings, background and seed of
 * s (box, lattice and domains are not used). The result is allocated as by
 * csro_aptsim_generate(). Deterministic for a seed. */
CSRO_API int csro_aptsim_measure(const csro_aptsim *s, size_t n, const float *x, const float *y,
                                 const float *z, const uint8_t *species, const char *const *names,
                                 size_t nnames, const uint8_t *truth_in, csro_recon **recon,
                                 uint8_t **truth);
/* Streaming to files in bounded memory: a POS file and a truth file
 * (.truth, csro-formats(5)); either path may be NULL. */
CSRO_API int csro_aptsim_write(csro_aptsim *s, const char *pos_path, const char *truth_path,
                               csro_progress_fn progress, void *user);
/* An RRNG range file ranging every isotope peak of the composition
 * (+-0.15 Da around m/2). */
CSRO_API int csro_aptsim_write_ranges(const csro_aptsim *s, const char *path);
/* Read a .truth file: *truth allocated by the library (csro_free). */
CSRO_API int csro_truth_load(uint8_t **truth, size_t *n, const char *path);
/* Write a .truth file. */
CSRO_API int csro_truth_save(const uint8_t *truth, size_t n, const char *path);

#ifdef __cplusplus
}
#endif
#endif
