/* csro/classify.h: the classify stage (csro-classify, Python csro.classify):
 * z-SDM profiles of a .zsdm in, per-row class probabilities of a .prob out.
 *
 * The stage's whole policy lives here, so every caller applies the same:
 *  - Preprocessing. The model's input contract names the state it expects
 *    (CSRO_PRE_*). Profiles are brought to the state the stage feeds the
 *    model: raw -> min-max or experimental, min-max -> experimental; any
 *    other change is refused. Experimental profiles go to a min-max model as
 *    they are (experimental preprocessing ends with a min-max
 *    normalisation; the reference classifies measured profiles so).
 *  - The measured-data rule (one rule, documented in csro-classify(1)):
 *    profiles of a voxel file (kind CSRO_ZSDM_VOXELS, i.e. computed from a
 *    reconstruction by apt-voxelize or csro.voxelize) that are raw counts or
 *    min-max normalised are "measured". A model "asks for experimental
 *    preprocessing of measured data" when it was imported from the
 *    reference (csro-net-import: text source=keras-hdf5) or its contract
 *    holds the text measured_preprocess=experimental; a contract text
 *    measured_preprocess=minmax (or raw) opts out. With such a model and
 *    measured profiles, the default is experimental preprocessing
 *    (Savitzky-Golay + Moody + normalisation, as the reference does);
 *    min-max or raw only on request (csro_classify_opts_set_preprocess).
 *  - The contract check: bins, species pair and preprocessing must fit
 *    (csro_ensemble_check_input). A model whose contract names no species
 *    pair refuses profiles that name one: a model never classifies another
 *    pair in silence.
 *  - Rows: rows flagged CSRO_ROW_NODATA in the input keep the flag; rows that
 *    cannot be normalised (flat profiles) get it; a non-finite value in a
 *    row with data is an error naming the row. Only rows with data go
 *    through the networks (compacted, results scattered back); no-data rows
 *    get zero probabilities.
 *  - Output metadata: the input's (grid, pair, bins, provenance) with the
 *    model's class names (a labelled bank's own classes are dropped), the
 *    state the model was fed as the preprocessing state, and the texts
 *    classify_model, classify_preprocess (state applied),
 *    classify_preprocess_from (state read), classify_preprocess_rule
 *    (model | input | measured | request) plus every map.* text of the
 *    model (threshold rule of the map tools).
 * Results never depend on the thread count; they depend on the batch size
 * only through sgemm rounding (same batch size, same bits).
 */
#ifndef CSRO_CLASSIFY_H
#define CSRO_CLASSIFY_H

#include "csro/common.h"
#include "csro/zsdm.h"
#include "csro/prob.h"
#include "csro/ensemble.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default rule for preprocessing (csro_classify_opts_set_preprocess). */
enum { CSRO_CLASSIFY_AUTO = -1 };

typedef struct csro_classify_opts csro_classify_opts;
typedef struct csro_classifier csro_classifier;

/* Options: preprocessing CSRO_CLASSIFY_AUTO, 4096 rows per batch, all
 * cores, no model name. NULL when out of memory. */
CSRO_API csro_classify_opts *csro_classify_opts_new(void);
CSRO_API void csro_classify_opts_free(csro_classify_opts *o);
/* State the model is fed: CSRO_CLASSIFY_AUTO (the rules above) or a
 * CSRO_PRE_* state the model accepts (its own, or CSRO_PRE_EXPERIMENTAL for
 * a min-max model). */
CSRO_API int csro_classify_opts_set_preprocess(csro_classify_opts *o, int state);
/* Rows per network batch (>= 1). */
CSRO_API int csro_classify_opts_set_batch(csro_classify_opts *o, size_t rows);
/* Threads (0 = all cores). */
CSRO_API int csro_classify_opts_set_threads(csro_classify_opts *o, int threads);
/* Name of the model in messages and in the classify_model text (the tool
 * passes the file's base name; NULL = none). */
CSRO_API int csro_classify_opts_set_model_name(csro_classify_opts *o, const char *name);

/* Plan the stage for profiles described by input (a .zsdm's metadata) and
 * the ensemble e (which must outlive the classifier); opts NULL =
 * defaults. Fails with CSRO_EMISMATCH naming what does not fit. */
CSRO_API int csro_classify_new(csro_classifier **out, const csro_ensemble *e,
                               const csro_zsdm_meta *input, const csro_classify_opts *opts);
CSRO_API void csro_classify_free(csro_classifier *c);
/* Metadata for the .prob output (owned by c). */
CSRO_API const csro_zsdm_meta *csro_classify_output_meta(const csro_classifier *c);
/* State of the input profiles, and the state the model is fed. */
CSRO_API int csro_classify_input_state(const csro_classifier *c);
CSRO_API int csro_classify_state(const csro_classifier *c);
/* One line saying which preprocessing is applied and why (owned by c). */
CSRO_API const char *csro_classify_note(const csro_classifier *c);

/* Classify n rows: profiles (n*nbins, preprocessed in place), index (n
 * voxel indices for messages, may be NULL), flags (n, in/out, may be NULL),
 * mean and std (n*nclasses each; std may be NULL). Works in batches of the
 * option's size. */
CSRO_API int csro_classify_rows(csro_classifier *c, size_t n, float *profiles,
                                const uint64_t *index, uint32_t *flags, float *mean, float *std);
/* Read every row of r, classify, write to w (opened with
 * csro_classify_output_meta); w is not closed. progress may be NULL. */
CSRO_API int csro_classify_stream(csro_classifier *c, csro_zsdm_reader *r, csro_prob_writer *w,
                                  csro_progress_fn progress, void *user);
/* Rows classified so far, and how many of them had no data. */
CSRO_API uint64_t csro_classify_nrows(const csro_classifier *c);
CSRO_API uint64_t csro_classify_nnodata(const csro_classifier *c);

/* Default model of the species pair a-b: the file "a-b.csronet" in dir, or
 * when dir is NULL in $CSRO_MODEL_DIR, else in the directory the library
 * was built with (CSRO_MODEL_DIR; none by default). Writes the path into
 * buf (len bytes). CSRO_ENOTFOUND (message naming the pair and the places
 * looked in) when there is none. */
CSRO_API int csro_classify_default_model(char *buf, size_t len, const char *a, const char *b,
                                         const char *dir);

#ifdef __cplusplus
}
#endif
#endif
