/* csro/tiff.h: probability maps and volumes as TIFF stacks and VTK files
 * (ImageJ-compatible, for Fiji, napari, tifffile and ParaView). */
#ifndef CSRO_TIFF_H
#define CSRO_TIFF_H

#include "csro/common.h"
#include "csro/probmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the map as a float32 TIFF stack (libtiff): one deflate-compressed
 * page per z slice, resolution tags 1/s pixels per unit, and an ImageJ
 * ImageDescription (images=NZ, slices=NZ, unit=nm, spacing=s, min/max) so
 * Fiji/ImageJ, napari and tifffile open it as a volume with its voxel size.
 * label (may be NULL) is stored as the PageName of each slice. The file is
 * written atomically (temporary + rename). */
CSRO_API int csro_probmap_write_tiff(const csro_probmap *m, const char *path, const char *label);
/* Write the map as legacy VTK structured points (binary, big-endian
 * float32 point data at the sub-cell centres) for ParaView. label names
 * the scalar field (default "probability"; spaces become '_'). */
CSRO_API int csro_probmap_write_vtk(const csro_probmap *m, const char *path, const char *label);
/* Quick look: a 4-page float32 TIFF of NX x NY images: the maximum
 * intensity projection along z, then the slices at z = NZ/4, NZ/2 and
 * 3NZ/4 (NaN are ignored by the projection). */
CSRO_API int csro_probmap_write_quicklook(const csro_probmap *m, const char *path);

/* Write any float32 volume (nx*ny*nz values, x fastest) as the ImageJ TIFF
 * stack of csro_probmap_write_tiff with cubic spacing (nm). */
CSRO_API int csro_tiff_write_volume(const char *path, const float *data, const size_t dims[3],
                                    double spacing, const char *label);

/* Since 1.1. The map as VTK XML ImageData (.vti; raw appended
 * little-endian float32 point data at the sub-cell centres, the map's info
 * as an XML comment) for ParaView. label names the array (default
 * "probability"). Atomic. */
CSRO_API int csro_probmap_write_vti(const csro_probmap *m, const char *path, const char *label);
/* Since 1.1. Attach free text (by convention "key=value" lines: provenance)
 * to a map; the TIFF writers append it to the ImageJ description, the VTI
 * writer stores it as a comment. Copied; NULL or "" clears. */
CSRO_API int csro_probmap_set_info(csro_probmap *m, const char *info);
/* Since 1.1. csro_tiff_write_volume with the corner of voxel 0 (nm; may be
 * NULL) recorded as ImageJ xorigin/yorigin/zorigin and origin_nm, and info
 * lines (may be NULL) appended to the description. */
CSRO_API int csro_tiff_write_volume_info(const char *path, const float *data, const size_t dims[3],
                                         const double origin[3], double spacing, const char *label,
                                         const char *info);

#ifdef __cplusplus
}
#endif
#endif
