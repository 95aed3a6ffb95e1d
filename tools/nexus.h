/* tools/nexus.h: HDF5 result files laid out after NeXus (NXapm /
 * paraprobe conventions) for the result tools. Only tools/nexus.c sees
 * libhdf5; the library never links it. Not installed.
 *
 * Layout written by every tool:
 *   /                     @default=entry, @creator, @file_name, @file_time, @HDF5_Version
 *   /entry                NXentry, @default=<main NXdata>; program_name (@version),
 *                         start_time, title
 *   /entry/process        NXprocess: program (NXprogram: program @version),
 *                         library (NXprogram), command_line, date,
 *                         parameters (NXparameters), input_N (NXnote: file_name,
 *                         size, checksum @algorithm=crc32, role), model
 *                         (NXcollection), provenance (the JSON record)
 *   /entry/<data>         NXdata: @signal, @axes, @<axis>_indices,
 *                         @auxiliary_signals; 3D signals (z, y, x) with axis
 *                         datasets x, y, z (sub-cell or voxel centres, nm),
 *                         origin and spacing (nm)
 * Files are written to a temporary beside the target and renamed at
 * nx_commit (atomic, umask honoured); any failure removes the temporary
 * and exits 1 naming the file. */
#ifndef CSRO_TOOLS_NEXUS_H
#define CSRO_TOOLS_NEXUS_H

#include <stddef.h>
#include <stdint.h>
#include "provenance.h"

typedef struct nx_file nx_file;

/* True when path ends in .h5, .hdf5 or .nxs (case-insensitive). */
int nx_wanted(const char *path);
/* Refuse "-" and exit 2 unless the tools were built with HDF5. */
void nx_check_output(const char *opt, const char *path);

/* Create the file with /entry and /entry/process from prov; title names
 * the result; default_data the NXdata group /entry/<default_data>. */
nx_file *nx_create(const char *path, const tool_prov *prov, const char *title, const char *default_data);
/* Flush, close and rename into place. */
void nx_commit(nx_file *f);

/* NXdata group /entry/<group> holding the 3D float32 signal (nz, ny, nx)
 * = data with x fastest (dims = {nx, ny, nz}), the axes x, y, z at the
 * centres origin + (i + 0.5) spacing (nm), origin and spacing datasets,
 * units and long_name of the signal. */
void nx_volume(nx_file *f, const char *group, const char *signal, const float *data, const size_t dims[3],
               const double origin[3], double spacing, const char *units, const char *long_name);
/* A further 3D signal of the same shape in that group (float32, or uint8
 * when u8 is non-NULL and data NULL), listed in @auxiliary_signals. */
void nx_volume_add(nx_file *f, const char *group, const char *name, const float *data, const uint8_t *u8,
                   const char *units, const char *long_name);

/* Datasets under /entry (path relative to it; parent groups must exist):
 * a group of the given NX_class, a 1D or ND float64/float32/uint64/uint8
 * array (rank <= 4), a scalar and a string. */
void nx_group(nx_file *f, const char *path, const char *nxclass);
void nx_f64(nx_file *f, const char *path, const double *v, int rank, const size_t *dims, const char *units);
void nx_f32(nx_file *f, const char *path, const float *v, int rank, const size_t *dims, const char *units);
void nx_u64(nx_file *f, const char *path, const uint64_t *v, size_t n, const char *units);
void nx_u8(nx_file *f, const char *path, const uint8_t *v, int rank, const size_t *dims);
void nx_scalar(nx_file *f, const char *path, double v, const char *units);
void nx_string(nx_file *f, const char *path, const char *s);
void nx_strings(nx_file *f, const char *path, const char *const *s, size_t n);
/* String attribute(s) on the object at path ("" = /entry). */
void nx_attr(nx_file *f, const char *path, const char *name, const char *value);
void nx_attr_strings(nx_file *f, const char *path, const char *name, const char *const *v, size_t n);
void nx_attr_int(nx_file *f, const char *path, const char *name, long v);

#endif
