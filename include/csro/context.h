/* csro/context.h: the learned 3D context stage of the CSRO map.
 *
 * The first stage (csro-classify) gives every voxel of a csro_grid a CSRO
 * probability (ensemble mean) and its ensemble standard deviation. The
 * voxel-sum map of csro/probmap.h cannot resolve domains near the voxel
 * size: a 1 nm voxel straddling a domain surface is called CSRO only
 * sometimes. The context stage looks at each sub-cell's neighbourhood of
 * first-stage voxels and returns the probability that the sub-cell is CSRO,
 * learned from simulated specimens with known truth (apt-simulate).
 *
 * Features of sub-cell c (grid stride s, voxel v = r*s): the voxels whose
 * centres lie within h - 1/2 voxel strides of c's centre on each axis
 * (a (2h)^3 window for even r) are grouped into orbits of the symmetry
 * group of z-SDMs (the 8 square symmetries about z and the z mirror): the
 * orbit of a voxel is its unordered pair of x/y offset levels and its z
 * level. Per orbit: mean probability and mean standard deviation over the
 * voxels with data; plus the sorted probabilities of the voxels nearest c,
 * the lateral and axial gradient magnitudes of the probability (inner and
 * whole window) and the fraction of the window with data. All features are
 * invariant under the group, so the output is too. A small ensemble of
 * multilayer perceptrons (Dense + ReLU, softmax), trained with csro_train,
 * maps the standardised features to P(CSRO); the ensemble mean is the
 * output.
 *
 * A context stage is bound to the grid geometry it was trained on (voxel
 * edge and stride): applying it to another geometry fails with
 * CSRO_EMISMATCH. It is immutable after creation and thread-safe; apply
 * gives identical bits for any thread count.
 */
#ifndef CSRO_CONTEXT_H
#define CSRO_CONTEXT_H

#include "csro/common.h"
#include "csro/grid.h"
#include "csro/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_context csro_context;
typedef struct csro_context_opts csro_context_opts;
typedef struct csro_context_data csro_context_data;

/* Number of sub-cells of grid g in csro_probmap order: (nx+r-1)(ny+r-1)
 * (nz+r-1) with r = voxel/stride (0 when r is not an integer 1..64). */
CSRO_API size_t csro_context_subcells(const csro_grid *g);

/* Sub-cell P(CSRO) in [0,1] from the first-stage per-voxel class mean (and
 * std, may be NULL for a stage trained without it, else CSRO_EINVAL) on
 * grid g (csro_grid_count(g) entries each; NaN = no data). out has n ==
 * csro_context_subcells(g) entries, one per sub-cell in csro_probmap
 * order; NaN where no voxel covering the sub-cell has data. threads: 0 =
 * all cores; the result does not depend on it. */
CSRO_API int csro_context_apply(const csro_context *c, const csro_grid *g, const float *mean,
                                const float *std, float *out, size_t n, int threads);
/* Serialise to / parse from one line of printable ASCII (no tab, no
 * newline; "csro-context 1 key=value ..." with base64 float32 weights), so
 * it travels as a text value in .csronet ensemble texts and .prob metadata
 * texts. *out is malloc'ed (free()). from_text refuses anything malformed
 * with CSRO_EFORMAT. */
CSRO_API int csro_context_to_text(const csro_context *c, char **out);
CSRO_API int csro_context_from_text(csro_context **out, const char *text);
CSRO_API void csro_context_free(csro_context *c);
/* Number of features per sub-cell, window half-width h, whether the
 * stage uses the ensemble std, and the ensemble size. */
CSRO_API size_t csro_context_nfeatures(const csro_context *c);
CSRO_API int csro_context_halfwidth(const csro_context *c);
CSRO_API int csro_context_uses_std(const csro_context *c);
CSRO_API size_t csro_context_members(const csro_context *c);
/* The raw (unstandardised) features of every sub-cell: feat has n *
 * csro_context_nfeatures(c) floats (row = sub-cell); rows of sub-cells
 * without a covering voxel are NaN. For tests and research. */
CSRO_API int csro_context_features(const csro_context *c, const csro_grid *g, const float *mean,
                                   const float *std, float *feat, size_t n, int threads);

/* Training options. Defaults: half-width 4, std used, hidden layers 32,16,
 * dropout 0.1, 3 members (folds), 12 epochs, batch 64, Adam lr 2e-3,
 * held-out fraction 0.1, sampling fraction 1, seed 1, threads 0. */
CSRO_API csro_context_opts *csro_context_opts_new(void);
CSRO_API void csro_context_opts_free(csro_context_opts *o);
CSRO_API int csro_context_opts_set_halfwidth(csro_context_opts *o, int h);   /* 1..8 */
CSRO_API int csro_context_opts_set_use_std(csro_context_opts *o, int use);
/* n hidden Dense+ReLU layers of units[i] (n 0..4, units 1..1024). */
CSRO_API int csro_context_opts_set_hidden(csro_context_opts *o, size_t n, const size_t *units);
CSRO_API int csro_context_opts_set_dropout(csro_context_opts *o, double rate);
CSRO_API int csro_context_opts_set_members(csro_context_opts *o, int k);     /* 2..16 */
CSRO_API int csro_context_opts_set_epochs(csro_context_opts *o, int epochs);
CSRO_API int csro_context_opts_set_batch(csro_context_opts *o, int batch);
CSRO_API int csro_context_opts_set_lr(csro_context_opts *o, double lr);
CSRO_API int csro_context_opts_set_holdout(csro_context_opts *o, double fraction);
/* Fraction (0, 1] of the labelled sub-cells of each added specimen kept
 * as training samples (a seeded random subset). */
CSRO_API int csro_context_opts_set_sample(csro_context_opts *o, double fraction);
CSRO_API int csro_context_opts_set_seed(csro_context_opts *o, uint64_t seed);
CSRO_API int csro_context_opts_set_threads(csro_context_opts *o, int threads);

/* Sub-cell truth of a simulated specimen, csro-score's rule: label[i] = 1
 * when at least half of the ions inside sub-cell i (half-open cells of
 * edge s from the grid's lo corner) are true (truth[ion] != 0), 0 when
 * fewer, -1 when the sub-cell holds no ion. n == csro_context_subcells(g). */
CSRO_API int csro_context_truth(int8_t *label, size_t n, const csro_grid *g, const float *x,
                                const float *y, const float *z, const uint8_t *truth, size_t nions);

/* A training set: the features of the labelled sub-cells of several
 * specimens (labels 0/1; -1 and sub-cells without data are skipped). The
 * data keeps a copy of o's feature and sampling settings. Each add draws
 * its subset with the opts seed and the running specimen number, so the
 * same specimens in the same order give the same set. */
CSRO_API int csro_context_data_new(csro_context_data **out, const csro_context_opts *o);
CSRO_API void csro_context_data_free(csro_context_data *d);
CSRO_API int csro_context_data_add(csro_context_data *d, const csro_grid *g, const float *mean,
                                   const float *std, const int8_t *label, size_t n);
CSRO_API size_t csro_context_data_count(const csro_context_data *d);
CSRO_API size_t csro_context_data_positives(const csro_context_data *d);

/* Train a context stage on d (feature settings of d, network and training
 * settings of o): standardisation from d, then k-fold training of the
 * members with csro_train (held-out test in *report, may be NULL; free
 * with csro_train_report_free). Deterministic for a seed. */
CSRO_API int csro_context_train(csro_context **out, csro_train_report **report,
                                const csro_context_data *d, const csro_context_opts *o,
                                csro_progress_fn progress, void *user);

#ifdef __cplusplus
}
#endif
#endif
