/* csro/probmap.h: 3D CSRO tomography (ML-APT step 4).
 *
 * A csro_probmap turns per-voxel CSRO probabilities of a csro_grid into a
 * map on cubic sub-cells of edge s (the grid stride). With voxel edge
 * v = r*s (r an integer; the reference uses v = 1 nm, s = 0.5 nm, r = 2),
 * voxel (K, J, I) covers sub-cells K..K+r-1, J..J+r-1, I..I+r-1, so sub-cell
 * (k, j, i) lies inside the up to r^3 voxels with indices k-r+1..k,
 * j-r+1..j, i-r+1..i that exist in the grid. The map has
 * (nx+r-1) x (ny+r-1) x (nz+r-1) sub-cells; sub-cell 0 starts at the grid's
 * lo corner; linear index i + NX*(j + NY*k), x fastest.
 *
 * Modes:
 *  CSRO_PROBMAP_SUM  (default, the reference rule): the SUM of the
 *     contributing voxels' probabilities, values in [0, r^3] ([0, 8] for
 *     r = 2). The published threshold 3.75 is in these units, so this mode
 *     reproduces the reference selection exactly. Sub-cells near the ROI
 *     border have fewer contributing voxels and so lower sums.
 *  CSRO_PROBMAP_MEAN: the mean over contributing voxels, values in [0, 1]
 *     (independent of r and of the border; threshold 3.75/8 ~ 0.47 is the
 *     interior equivalent of the reference threshold).
 * No-data voxels are NaN in the input: they contribute nothing (and do not
 * count in the mean); a sub-cell without any valid contributing voxel is
 * NaN in the map and is never selected.
 *
 * A map is immutable after creation; all const functions are thread-safe.
 */
#ifndef CSRO_PROBMAP_H
#define CSRO_PROBMAP_H

#include "csro/common.h"
#include "csro/grid.h"
#include "csro/zsdm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_probmap csro_probmap;

enum { CSRO_PROBMAP_SUM = 0, CSRO_PROBMAP_MEAN = 1 };

/* Build the sub-cell map of grid g from voxel_prob (count entries, one per
 * voxel in grid order; count must equal csro_grid_count(g); NaN = no data).
 * Fails with CSRO_EINVAL when v/s is not an integer (within 1e-6), count
 * does not match (CSRO_EMISMATCH), or mode is unknown. The map copies what
 * it needs: g and voxel_prob may be freed afterwards. */
CSRO_API int csro_probmap_new(csro_probmap **out, const csro_grid *g, const float *voxel_prob,
                              size_t count, int mode);
/* A MEAN-mode map made directly from sub-cell values (n ==
 * csro_context_subcells(g), i.e. the count of the map csro_probmap_new
 * would make of g; csro_probmap order; values in [0, 1] or NaN = no data,
 * else CSRO_EINVAL), e.g. the output of csro_context_apply. */
CSRO_API int csro_probmap_new_subcells(csro_probmap **out, const csro_grid *g, const float *values,
                                       size_t n);
enum { CSRO_PROBMAP_MEANS = 0, CSRO_PROBMAP_STDS = 1 };

/* Map of one class of a .prob file (csro-classify output): field
 * CSRO_PROBMAP_MEANS maps the class probability (ensemble mean),
 * CSRO_PROBMAP_STDS its ensemble standard deviation (the uncertainty map;
 * use CSRO_PROBMAP_MEAN mode for it). cls is a class name of the file, a
 * decimal class index, or NULL: the class named by the file's map.class
 * text (a calibrated model's rule), else the second class of a two-class
 * file (the reference's CSRO column), otherwise CSRO_EINVAL. Voxels absent from the
 * file or flagged CSRO_ROW_NODATA are no-data (NaN). The map's label
 * becomes "A-B class" from the file's species pair and class name.
 * CSRO_ENOTFOUND for an unknown class, CSRO_EFORMAT for an index outside
 * the grid or a file without a grid. */
CSRO_API int csro_probmap_load(csro_probmap **out, const char *path, const char *cls,
                               int field, int mode);
/* As csro_probmap_load over the part files of one grid (apt-voxelize
 * --part K/N, each classified by csro-classify): npaths .prob files with the
 * same grid, species pair and classes (else CSRO_EMISMATCH); a voxel may be
 * in only one of them (CSRO_EMISMATCH). Parts that together hold every row
 * of the whole run give the whole run's map, bit for bit. The label and
 * class come from paths[0]. */
CSRO_API int csro_probmap_load_parts(csro_probmap **out, const char *const *paths, size_t npaths,
                                     const char *cls, int field, int mode);
/* Label of the map ("" for maps made by csro_probmap_new), owned by m. */
CSRO_API const char *csro_probmap_label(const csro_probmap *m);
/* Free a map; NULL is a no-op. */
CSRO_API void csro_probmap_free(csro_probmap *m);
/* Number of sub-cells per axis (x, y, z) and in total. */
CSRO_API void csro_probmap_dims(const csro_probmap *m, size_t dims[3]);
CSRO_API size_t csro_probmap_count(const csro_probmap *m);
/* Corner (nm) of sub-cell 0 (the grid's lo); sub-cell centres are
 * origin + (index + 0.5) * spacing. */
CSRO_API void csro_probmap_origin(const csro_probmap *m, double origin[3]);
/* Sub-cell edge s (nm) and the voxel/sub-cell ratio r. */
CSRO_API double csro_probmap_spacing(const csro_probmap *m);
CSRO_API int csro_probmap_ratio(const csro_probmap *m);
CSRO_API int csro_probmap_mode(const csro_probmap *m);
/* Largest possible value: r^3 (sum) or 1 (mean). */
CSRO_API double csro_probmap_max_value(const csro_probmap *m);
/* The map values (count floats), valid while m lives (zero-copy). */
CSRO_API const float *csro_probmap_data(const csro_probmap *m);

/* Selection mask of a threshold band, as the reference: lower < value <=
 * upper (upper = INFINITY selects everything above lower). mask has n ==
 * csro_probmap_count(m) bytes, set to 1 (selected) or 0; *nsel (may be
 * NULL) receives the number selected. CSRO_EINVAL unless
 * 0 <= lower < max_value and upper > lower. */
CSRO_API int csro_probmap_threshold(const csro_probmap *m, double lower, double upper,
                                    uint8_t *mask, size_t n, size_t *nsel);

enum { CSRO_EXTRACT_SPHERE = 0, CSRO_EXTRACT_CELL = 1 };

/* Ions of a reconstruction inside the selected sub-cells (lower < value <=
 * upper). CSRO_EXTRACT_SPHERE (the reference rule): an ion is kept when its
 * distance to the centre of a selected sub-cell is <= s/2 * 1.414;
 * CSRO_EXTRACT_CELL: when it lies inside a selected sub-cell (half-open
 * [corner, corner + s) per axis). x, y, z (nm) have n entries; keep (n
 * bytes) receives 1 for a kept ion (each ion once) and 0 otherwise; *nkeep
 * (may be NULL) the number kept. Thresholds are checked as in
 * csro_probmap_threshold. */
CSRO_API int csro_probmap_extract(const csro_probmap *m, double lower, double upper, int rule,
                                  const float *x, const float *y, const float *z, size_t n,
                                  uint8_t *keep, size_t *nkeep);


/* ---- the map rule a model carries (CSRO_1.1) ----------------------------
 * A calibrated model (csro-calibrate) stores ensemble texts map.threshold,
 * map.mode (sum | mean | context), map.smooth (sigma nm), map.class,
 * map.threshold_rule (fixed | expected-f1, optional) and map.source;
 * csro-classify copies every map.* text into the .prob. */

/* Gaussian smoothing of the map in place, sigma in nm (0: no-op); NaN
 * sub-cells stay NaN and are left out of their neighbours' weights. */
CSRO_API int csro_probmap_smooth(csro_probmap *m, double sigma);
/* Truth of every sub-cell from a per-ion truth (csro-score's rule):
 * cells[i] = 1 when at least half of the ions in sub-cell i are CSRO, 0
 * when fewer, -1 when it holds no ion; ncells = csro_probmap_count(m). */
CSRO_API int csro_probmap_subcell_truth(const csro_probmap *m, const float *x, const float *y,
                                        const float *z, const uint8_t *truth, size_t n,
                                        int8_t *cells, size_t ncells);
/* The expected-F1 threshold of a map of probabilities (values in [0, 1],
 * else CSRO_EINVAL; NaN skipped): reading the values p as calibrated
 * probabilities, the k largest (ties kept together) maximising the
 * expected sub-cell F1 2 sum_top p / (k + sum_all p) are selected, and
 * *threshold lies midway between the smallest of them and the largest
 * value left out (0 if none; v > *threshold selects them), but never
 * below floor_thr. No truth is used: it adapts the threshold to the
 * specimen. */
CSRO_API int csro_probmap_threshold_f1(const csro_probmap *m, double floor_thr, double *threshold);
/* The map and threshold the rule in a .prob file says (map.* texts);
 * files without a rule: sum map of the CSRO class, threshold 3.75.
 * map.threshold_rule expected-f1: the threshold is
 * csro_probmap_threshold_f1 of the map with map.threshold as the floor.
 * note (may be NULL) receives one line saying which rule was applied. */
CSRO_API int csro_probmap_load_auto(csro_probmap **out, double *threshold, const char *path,
                                    char *note, size_t notelen);
/* As csro_probmap_load_auto over the part files of one grid (see
 * csro_probmap_load_parts; every part must carry the same map.* texts, else
 * CSRO_EMISMATCH): the rule is applied to the merged voxel field, so the
 * parts give the whole run's map, bit for bit. */
CSRO_API int csro_probmap_load_auto_parts(csro_probmap **out, double *threshold, const char *const *paths,
                                          size_t npaths, char *note, size_t notelen);
/* The same rule on .prob rows in memory (e.g. from csro_classify_rows):
 * meta is the .prob's metadata (csro_classify_output_meta: grid, classes,
 * the model's map.* texts); n rows of voxel index, flags (may be NULL),
 * mean and std (n*nclasses each, the class columns of the metadata). std
 * may be NULL unless the rule's context stage uses it (CSRO_EINVAL).
 * Same map, threshold and note as csro_probmap_load_auto gives for the
 * file these rows and metadata would make. Since CSRO_1.1. */
CSRO_API int csro_probmap_new_auto(csro_probmap **out, double *threshold, const csro_zsdm_meta *meta,
                                   size_t n, const uint64_t *index, const uint32_t *flags,
                                   const float *mean, const float *std, char *note, size_t notelen);

#ifdef __cplusplus
}
#endif
#endif
