/* csro/zsdm.h: the .zsdm file: z-SDM profiles of voxels (from apt-voxelize)
 * or of simulated patterns (a labelled bank from csro-simulate).
 *
 * A file holds metadata (csro_zsdm_meta: kind, bins, species pair, grid
 * geometry, preprocessing state, class names, per-row parameter names,
 * free-form key/value provenance) and rows. Each row has: a 64-bit index
 * (voxel linear index in the grid, or pattern number), an int32 label
 * (class index for banks, -1 when unlabelled), uint32 flags
 * (CSRO_ROW_NODATA ...), nparams float32 parameters and nbins float32
 * profile values. Rows are stored in the chunked, zlib-compressed,
 * checksummed container of csro-formats(5), so files stream through pipes
 * and are read chunk by chunk in bounded memory.
 */
#ifndef CSRO_ZSDM_H
#define CSRO_ZSDM_H

#include "csro/common.h"
#include "csro/grid.h"
#include "csro/sdm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CSRO_ZSDM_VOXELS = 1, CSRO_ZSDM_BANK = 2 };
/* Preprocessing state of the stored profiles. */
enum { CSRO_PRE_RAW = 0,          /* raw pair counts */
       CSRO_PRE_MINMAX = 1,       /* min-max normalised to [0, 1] */
       CSRO_PRE_EXPERIMENTAL = 2  /* normalise + Savitzky-Golay + Moody + normalise */ };
/* Row flags. */
enum { CSRO_ROW_NODATA = 1 };

typedef struct csro_zsdm_meta csro_zsdm_meta;
typedef struct csro_zsdm_writer csro_zsdm_writer;
typedef struct csro_zsdm_reader csro_zsdm_reader;

/* Metadata; kind is CSRO_ZSDM_VOXELS or CSRO_ZSDM_BANK. NULL on OOM. */
CSRO_API csro_zsdm_meta *csro_zsdm_meta_new(int kind);
CSRO_API csro_zsdm_meta *csro_zsdm_meta_clone(const csro_zsdm_meta *m);
CSRO_API void csro_zsdm_meta_free(csro_zsdm_meta *m);
/* Bins from SDM options (radius, bin width, crop, direction, left edges). */
CSRO_API int csro_zsdm_meta_set_sdm(csro_zsdm_meta *m, const csro_sdm_opts *o);
/* Species pair names, e.g. "Ni", "Ni". */
CSRO_API int csro_zsdm_meta_set_pair(csro_zsdm_meta *m, const char *a, const char *b);
/* Grid geometry (voxel files). */
CSRO_API int csro_zsdm_meta_set_grid(csro_zsdm_meta *m, const csro_grid *g);
CSRO_API int csro_zsdm_meta_set_preprocess(csro_zsdm_meta *m, int state);
/* Append a class name (banks); returns its index >= 0 or an error. */
CSRO_API int csro_zsdm_meta_add_class(csro_zsdm_meta *m, const char *name);
/* Append a per-row parameter name (e.g. "sigma_xy"); index >= 0 or error. */
CSRO_API int csro_zsdm_meta_add_param(csro_zsdm_meta *m, const char *name);
/* Free-form provenance (key unique; setting again replaces). */
CSRO_API int csro_zsdm_meta_set_text(csro_zsdm_meta *m, const char *key, const char *value);

CSRO_API int csro_zsdm_meta_kind(const csro_zsdm_meta *m);
CSRO_API size_t csro_zsdm_meta_nbins(const csro_zsdm_meta *m);
/* Left edge (nm) of bin i; the bin width. */
CSRO_API double csro_zsdm_meta_bin_left(const csro_zsdm_meta *m, size_t i);
CSRO_API double csro_zsdm_meta_bin_width(const csro_zsdm_meta *m);
CSRO_API double csro_zsdm_meta_radius(const csro_zsdm_meta *m);
/* New SDM options equal to the stored ones (caller frees); NULL on OOM or
 * when the metadata has no bins. */
CSRO_API csro_sdm_opts *csro_zsdm_meta_sdm_opts(const csro_zsdm_meta *m);
CSRO_API const char *csro_zsdm_meta_pair(const csro_zsdm_meta *m, int which /* 0 or 1 */);
/* 1 if grid geometry is present. The grid is owned by the metadata. */
CSRO_API const csro_grid *csro_zsdm_meta_grid(const csro_zsdm_meta *m);
CSRO_API int csro_zsdm_meta_preprocess(const csro_zsdm_meta *m);
CSRO_API size_t csro_zsdm_meta_nclasses(const csro_zsdm_meta *m);
CSRO_API const char *csro_zsdm_meta_class(const csro_zsdm_meta *m, size_t i);
CSRO_API size_t csro_zsdm_meta_nparams(const csro_zsdm_meta *m);
CSRO_API const char *csro_zsdm_meta_param(const csro_zsdm_meta *m, size_t i);
/* Value for key, or NULL. */
CSRO_API const char *csro_zsdm_meta_text(const csro_zsdm_meta *m, const char *key);
/* Added by the zsdm module (same ABI node): index of the first kept bin in
 * the full [-R, R) histogram; the crop [lo, hi) and the unit analysis
 * direction (CSRO_ENOTFOUND when the metadata has no bins); the number of
 * key/value texts and the key of text i (NULL if i is out of range), so
 * that all provenance can be listed. Thread-safe on a const metadata. */
CSRO_API size_t csro_zsdm_meta_first_bin(const csro_zsdm_meta *m);
CSRO_API int csro_zsdm_meta_crop(const csro_zsdm_meta *m, double *lo, double *hi);
CSRO_API int csro_zsdm_meta_direction(const csro_zsdm_meta *m, double u[3]);
CSRO_API size_t csro_zsdm_meta_ntexts(const csro_zsdm_meta *m);
CSRO_API const char *csro_zsdm_meta_text_key(const csro_zsdm_meta *m, size_t i);
/* 0 if a and b have identical bins (count, edges, width, radius); else
 * CSRO_EMISMATCH with a message saying what differs. */
CSRO_API int csro_zsdm_meta_same_bins(const csro_zsdm_meta *a, const csro_zsdm_meta *b);

/* Streaming writer ("-" = stdout); output appears atomically on close. */
CSRO_API int csro_zsdm_writer_open(csro_zsdm_writer **out, const char *path, const csro_zsdm_meta *m);
/* Chunk compression (call before the first write): level 0..9 (zlib level;
 * 0 = stored: no compression), -1 = automatic (stored through pipes, 1 for
 * files); threads compressing chunks in parallel with the caller (0 = one per
 * online core). The bytes written depend on the level and on whether the
 * output is a pipe, never on threads. Default for .zsdm: level 0, threads 0
 * (profiles compress 3.5x at level 1 but at 68 MB/s per core, several times
 * the z-SDM kernel's own cost; see csro-formats(5)). */
CSRO_API int csro_zsdm_writer_set_compression(csro_zsdm_writer *w, int level, int threads);
/* Append n rows. profiles: n*nbins floats (required). index: n (NULL =
 * running row number). label: n (NULL = -1). flags: n (NULL = 0). params:
 * n*nparams (NULL = 0). Non-finite profile values are rejected. */
CSRO_API int csro_zsdm_writer_write(csro_zsdm_writer *w, size_t n, const float *profiles,
                                    const uint64_t *index, const int32_t *label,
                                    const uint32_t *flags, const float *params);
/* Finish (end record + checksum), commit the file and free w. */
CSRO_API int csro_zsdm_writer_close(csro_zsdm_writer *w);
/* Discard the output and free w; NULL is a no-op. */
CSRO_API void csro_zsdm_writer_abort(csro_zsdm_writer *w);

/* Streaming reader ("-" = stdin). */
CSRO_API int csro_zsdm_reader_open(csro_zsdm_reader **out, const char *path);
/* Metadata owned by the reader. */
CSRO_API const csro_zsdm_meta *csro_zsdm_reader_meta(const csro_zsdm_reader *r);
/* Read up to max rows into the caller's arrays (any may be NULL except
 * nread); *nread = 0 at the verified end of file. */
CSRO_API int csro_zsdm_reader_read(csro_zsdm_reader *r, size_t max, float *profiles,
                                   uint64_t *index, int32_t *label, uint32_t *flags,
                                   float *params, size_t *nread);
CSRO_API void csro_zsdm_reader_close(csro_zsdm_reader *r);

#ifdef __cplusplus
}
#endif
#endif
