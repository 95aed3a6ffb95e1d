/* probmap_impl.h: private layout of csro_probmap and the TIFF writer. */
#ifndef CSRO_PROBMAP_IMPL_H
#define CSRO_PROBMAP_IMPL_H

#include "base/internal.h"

struct csro_probmap {
    size_t dims[3];     /* sub-cells per axis */
    double origin[3];   /* corner of sub-cell 0 (nm) */
    double spacing;     /* sub-cell edge s (nm) */
    int ratio;          /* r = v / s */
    int mode;           /* CSRO_PROBMAP_SUM or _MEAN */
    float *data;        /* dims[0]*dims[1]*dims[2] values */
    char label[128];    /* "A-B class" for maps loaded from .prob files */
    char *info;         /* provenance "key=value" lines for the writers, or NULL */
};

/* Voxel values of one class of a .prob file, or of npaths part files of
 * one grid (same grid, pair, classes and map.* texts, no voxel in two
 * parts; else CSRO_EMISMATCH) (cls as csro_probmap_load): mean (and std,
 * when std_out is not NULL) per voxel of the grid, NaN for no data
 * (malloc'ed), the class index and a copy of the first file's metadata
 * (its grid is the voxel grid; csro_zsdm_meta_free). */
int cs_probmap_read_voxels(const char *const *paths, size_t npaths, const char *cls, float **mean_out,
                           float **std_out, size_t *ci_out, csro_zsdm_meta **meta_out);

/* Class index of cls (name, decimal index, or NULL: map.class, else the
 * second of two classes) in a .prob's metadata; what names the source. */
int cs_probmap_find_class(size_t *ci, const csro_zsdm_meta *meta, const char *cls, const char *what);
/* count voxel values (and std values when ps is not NULL), all NaN. */
int cs_probmap_voxels_alloc(float **pm, float **ps, size_t count, const char *what);
/* Scatter n .prob rows (index, flags (may be NULL), mean and std of nc
 * classes each; std may be NULL when ps is) of class ci into the voxel
 * arrays pm, ps (count voxels): no-data rows become NaN. */
int cs_probmap_scatter(float *pm, float *ps, size_t count, size_t n, const uint64_t *index,
                       const uint32_t *flags, const float *mean, const float *std, size_t nc, size_t ci,
                       const char *what);

/* Label "A-B class[ std]" of a map of class ci of a .prob. */
void cs_probmap_set_label(csro_probmap *m, const csro_zsdm_meta *meta, size_t ci, int std);

/* Check a threshold band against the map's value range. */
int cs_probmap_check_band(const csro_probmap *m, double lower, double upper);

/* Write npages float32 images of nx x ny (page p at data + p*nx*ny) as a
 * deflate-compressed TIFF with resolution 1/spacing per nm and an ImageJ
 * description (stack of npages slices, spacing = zspacing; with origin
 * (corner of pixel 0, nm; may be NULL) ImageJ's xorigin/yorigin/zorigin in
 * pixels and origin_nm; info (may be NULL) appended as further lines).
 * page_names (may be NULL, or entries NULL) become PageName tags. Atomic
 * (temp + rename). */
int cs_tiff_write_pages(const char *path, const float *data, size_t nx, size_t ny,
                        size_t npages, double spacing, double zspacing, const double origin[3],
                        const char *info, const char *const *page_names);

#endif
