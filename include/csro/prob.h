/* csro/prob.h: the .prob file: per-voxel class probabilities written by
 * csro-classify (ensemble mean and standard deviation of each class, and
 * a no-data flag), with the grid geometry, species pair and class names of
 * its source, in the chunked container of csro-formats(5).
 * Row: u64 voxel index, u32 flags, nclasses float32 means, nclasses
 * float32 standard deviations. */
#ifndef CSRO_PROB_H
#define CSRO_PROB_H

#include "csro/common.h"
#include "csro/zsdm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_prob_writer csro_prob_writer;
typedef struct csro_prob_reader csro_prob_reader;

/* Metadata: the source .zsdm's metadata (grid, pair, bins) with the
 * model's class names added via csro_zsdm_meta_add_class (the class list of
 * a .prob file is the model's). */
CSRO_API int csro_prob_writer_open(csro_prob_writer **out, const char *path,
                                   const csro_zsdm_meta *m);
/* As csro_zsdm_writer_set_compression; default for .prob: level -1
 * (automatic), threads 0. */
CSRO_API int csro_prob_writer_set_compression(csro_prob_writer *w, int level, int threads);
/* Append n rows; mean and std are n*nclasses; flags may be NULL. */
CSRO_API int csro_prob_writer_write(csro_prob_writer *w, size_t n, const uint64_t *index,
                                    const uint32_t *flags, const float *mean, const float *std);
CSRO_API int csro_prob_writer_close(csro_prob_writer *w);
CSRO_API void csro_prob_writer_abort(csro_prob_writer *w);

CSRO_API int csro_prob_reader_open(csro_prob_reader **out, const char *path);
CSRO_API const csro_zsdm_meta *csro_prob_reader_meta(const csro_prob_reader *r);
/* Read up to max rows; *nread = 0 at the verified end. */
CSRO_API int csro_prob_reader_read(csro_prob_reader *r, size_t max, uint64_t *index,
                                   uint32_t *flags, float *mean, float *std, size_t *nread);
CSRO_API void csro_prob_reader_close(csro_prob_reader *r);

#ifdef __cplusplus
}
#endif
#endif
