/* zsdm_impl.h: private layout of csro_zsdm_meta and the header codec shared
 * by zsdm_meta.c and zsdm_io.c. */
#ifndef CSRO_ZSDM_IMPL_H
#define CSRO_ZSDM_IMPL_H

#include "base/internal.h"

#define CS_ZSDM_MAGIC "CSROZSDM"
#define CS_ZSDM_VERSION 1u
/* Plausibility limits checked on read (and on write). */
#define CS_ZSDM_MAX_BINS 65536u
#define CS_ZSDM_MAX_PARAMS 4096u
#define CS_ZSDM_MAX_CLASSES 65536u
#define CS_ZSDM_MAX_TEXTS 65536u

struct csro_zsdm_meta {
    int kind, preprocess;
    int has_bins;
    double radius, bin_width, crop_lo, crop_hi, dir[3];
    size_t nbins, first;
    double *left;            /* nbins left edges */
    char *pair[2];           /* NULL when unset */
    csro_grid *grid;         /* NULL when unset */
    char **classes; size_t nclasses;
    char **params; size_t nparams;
    char **keys, **vals; size_t ntexts;
};

/* Serialise m into b (the .zsdm header, see csro-zsdm(5)). */
void cs_zsdm_meta_encode(const csro_zsdm_meta *m, cs_buf *b);
/* Parse and validate a header; errors name path. */
int cs_zsdm_meta_decode(csro_zsdm_meta **out, const unsigned char *p, size_t n, const char *path);
/* Bytes of one row: u64 index, i32 label, u32 flags, params, profile. */
size_t cs_zsdm_row_bytes(const csro_zsdm_meta *m);

#endif
