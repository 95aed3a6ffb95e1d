/* csro/recon.h: atom probe reconstructions (ions with x, y, z in nm and
 * mass-to-charge in Da) loaded from POS, EPOS, AP Suite APT and CSV/TSV
 * files, and written to POS, EPOS, APT and CSV.
 *
 * A csro_recon holds the ions as four contiguous float32 arrays (structure
 * of arrays) plus optional extra per-ion fields (EPOS: tof, vdc, vpulse,
 * det_x, det_y, pslep, ipp; APT: every other one-to-one section). Layouts
 * of the files: csro-recon(5). Functions: csro_recon(3).
 *
 * Thread-safety: a csro_recon is not modified by the const accessors, so
 * any number of threads may read one concurrently; functions taking a
 * non-const csro_recon need exclusive access. Option objects likewise.
 */
#ifndef CSRO_RECON_H
#define CSRO_RECON_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_recon csro_recon;
typedef struct csro_load_opts csro_load_opts;

/* File formats. */
enum {
    CSRO_FMT_AUTO = 0, /* by file name extension, or sniffed on stdin */
    CSRO_FMT_POS = 1,  /* big-endian float32 x, y, z, m (16 bytes/ion) */
    CSRO_FMT_EPOS = 2, /* big-endian 44-byte records */
    CSRO_FMT_APT = 3,  /* AP Suite 6 .apt, little-endian sections */
    CSRO_FMT_CSV = 4,  /* text x, y, z, m: comma, tab or space separated */
    CSRO_FMT_ATO = 5   /* since 1.1: GPM Rouen ATO v3/v5, little-endian (read only) */
};

/* Element types of extra per-ion fields. */
enum {
    CSRO_FIELD_F32 = 1,
    CSRO_FIELD_I32 = 2,
    CSRO_FIELD_F64 = 3,
    CSRO_FIELD_I8 = 4,
    CSRO_FIELD_U8 = 5,
    CSRO_FIELD_I16 = 6,
    CSRO_FIELD_U16 = 7,
    CSRO_FIELD_U32 = 8,
    CSRO_FIELD_I64 = 9,
    CSRO_FIELD_U64 = 10
};

/* Keys of csro_recon_section_param() (APT section header fields). */
enum {
    CSRO_SEC_HEADER_SIZE = 1,    /* iHeaderSize (bytes) */
    CSRO_SEC_HEADER_VERSION = 2, /* iHeaderVersion */
    CSRO_SEC_VERSION = 3,        /* iSectionVersion */
    CSRO_SEC_RELATIONSHIP = 4,   /* eRelationshipType (1 = one record per ion) */
    CSRO_SEC_RECORD_TYPE = 5,    /* eRecordType (1 = fixed size) */
    CSRO_SEC_DATA_TYPE = 6,      /* eRecordDataType (1 int, 2 uint, 3 float, 4 string, 5 other) */
    CSRO_SEC_TYPE_BITS = 7,      /* iDataTypeSize (bits) */
    CSRO_SEC_RECORD_SIZE = 8,    /* iRecordSize (bytes) */
    CSRO_SEC_RECORD_COUNT = 9,   /* llRecordCount */
    CSRO_SEC_BYTE_COUNT = 10,    /* llByteCount */
    CSRO_SEC_OFFSET = 11,        /* file offset of the section header */
    CSRO_SEC_FIELD = 12          /* index of the loaded field, -1 if not kept
                                    (Position and Mass give -2: they are x, y, z, m) */
};

/* ---- load options ---- */

/* New option object with the defaults (format AUTO, non-finite values are
 * an error, plausibility sniffing on, no progress callback). Returns NULL
 * when out of memory. Free with csro_load_opts_free (NULL is a no-op). */
CSRO_API csro_load_opts *csro_load_opts_new(void);
CSRO_API void csro_load_opts_free(csro_load_opts *o);

/* Input format, CSRO_FMT_*. Default CSRO_FMT_AUTO: by the extension of the
 * path (.pos .epos .apt .csv .tsv .txt, case-insensitive); stdin ("-") is
 * sniffed: an APT signature gives APT, printable text gives CSV, other
 * binary input needs an explicit format. CSRO_EINVAL for unknown values. */
CSRO_API int csro_load_opts_set_format(csro_load_opts *o, int fmt);

/* drop = 0 (default): an ion whose x, y, z or m is NaN or infinite makes
 * the load fail with CSRO_EFORMAT naming the ion; drop = 1: such ions are
 * dropped and counted (csro_recon_dropped). */
CSRO_API int csro_load_opts_set_drop_nonfinite(csro_load_opts *o, int drop);

/* sniff = 1 (default): reject binary input that is not plausibly what its
 * format says (a text file named .pos, records whose values are mostly
 * absurd); 0 disables these checks (structural checks always stay). */
CSRO_API int csro_load_opts_set_sniff(csro_load_opts *o, int sniff);

/* meta_only = 1: read only headers (APT file and section headers, the ion
 * count of POS/EPOS from the file size): count, fields, sections and
 * metadata are filled, but csro_recon_x/_y/_z/_mass and
 * csro_recon_field_data return NULL. CSV and stdin are always read in full
 * (the data are then available). For inspection tools. Default 0. */
CSRO_API int csro_load_opts_set_meta_only(csro_load_opts *o, int meta_only);

/* Most ions read from an input of unknown size (stdin, a pipe or FIFO;
 * a regular file is bounded by its size): past it the load fails with
 * CSRO_EFORMAT instead of buffering without end. n >= 1; default
 * CSRO_LOAD_MAX_STREAM_IONS (2^27 ions, 2 GiB of coordinates); SIZE_MAX
 * for no cap. Since 1.1. */
CSRO_API int csro_load_opts_set_max_stream_ions(csro_load_opts *o, size_t n);
#define CSRO_LOAD_MAX_STREAM_IONS ((size_t)1 << 27)

/* Progress callback (fraction of input bytes read); may be NULL. */
CSRO_API int csro_load_opts_set_progress(csro_load_opts *o, csro_progress_fn fn, void *user);

/* ---- formats ---- */

/* "pos", "epos", "apt", "csv" (also "tsv", "txt"; case-insensitive) ->
 * CSRO_FMT_*, "auto" -> CSRO_FMT_AUTO; CSRO_EINVAL otherwise. */
CSRO_API int csro_format_from_name(const char *name);
/* "auto", "pos", "epos", "apt", "csv"; "unknown" for other values. Static. */
CSRO_API const char *csro_format_name(int fmt);
/* Format implied by the extension of path (CSRO_FMT_*), or CSRO_EINVAL. */
CSRO_API int csro_format_from_path(const char *path);

/* ---- loading and creating ---- */

/* Load a reconstruction. path "-" reads stdin. opts may be NULL (defaults).
 * On failure *out is NULL and csro_last_error() names the file and the
 * problem (truncated record, NaN at ion i, missing APT section, unreadable
 * CSV line n, ...). Binary files are read in fixed-size blocks straight
 * into the final arrays (no second copy of the data). */
CSRO_API int csro_recon_load(csro_recon **out, const char *path, const csro_load_opts *opts);

/* A reconstruction read in chunks, in as many passes as needed, in memory
 * independent of the ion count (for voxelizing datasets larger than RAM).
 * POS and EPOS files are read in place (a rewind is a seek); POS and EPOS on
 * stdin are first copied to an unlinked temporary file; CSV and APT are
 * loaded whole once by csro_recon_load (their peak memory is unchanged) and
 * spilled to such a temporary. opts as csro_recon_load (format, drop of
 * non-finite ions; NULL = defaults). Only x, y, z and mass are delivered. */
typedef struct csro_recon_stream csro_recon_stream;
CSRO_API int csro_recon_stream_open(csro_recon_stream **out, const char *path, const csro_load_opts *opts);
/* Ions in the input (before any dropped non-finite ones). */
CSRO_API uint64_t csro_recon_stream_count(const csro_recon_stream *s);
/* Next at most max ions in file order into x, y, z, m (max entries each);
 * *n = 0 at the end of the pass. A non-finite ion is CSRO_EFORMAT naming
 * the ion unless dropping was asked for. */
CSRO_API int csro_recon_stream_read(csro_recon_stream *s, size_t max, float *x, float *y, float *z,
                                    float *m, size_t *n);
/* Start a new pass at the first ion. */
CSRO_API int csro_recon_stream_rewind(csro_recon_stream *s);
/* Close; NULL is a no-op. */
CSRO_API void csro_recon_stream_close(csro_recon_stream *s);

/* New reconstruction from n ions; the arrays are copied (the caller keeps
 * ownership). n may be 0 (arrays may then be NULL). Format is CSRO_FMT_AUTO. */
CSRO_API int csro_recon_from_arrays(csro_recon **out, size_t n, const float *x, const float *y,
                                    const float *z, const float *mass);

/* Free r and all its arrays. NULL is a no-op. */
CSRO_API void csro_recon_free(csro_recon *r);

/* ---- accessors (valid while r lives and is not modified) ---- */

CSRO_API size_t csro_recon_count(const csro_recon *r);
/* Contiguous float32 arrays of csro_recon_count() elements, owned by r
 * (zero-copy for numpy). NULL when the count is 0 or r was loaded meta-only. */
CSRO_API const float *csro_recon_x(const csro_recon *r);
CSRO_API const float *csro_recon_y(const csro_recon *r);
CSRO_API const float *csro_recon_z(const csro_recon *r);
CSRO_API const float *csro_recon_mass(const csro_recon *r);
/* Format r was loaded from (CSRO_FMT_AUTO for csro_recon_from_arrays). */
CSRO_API int csro_recon_format(const csro_recon *r);
/* Number of ions dropped for non-finite values (drop_nonfinite option). */
CSRO_API size_t csro_recon_dropped(const csro_recon *r);
/* Axis-aligned bounding box of the positions (nm). CSRO_EINVAL if empty. */
CSRO_API int csro_recon_bounds(const csro_recon *r, double lo[3], double hi[3]);

/* ---- extra per-ion fields ---- */

CSRO_API size_t csro_recon_nfields(const csro_recon *r);
/* Name of field i (< nfields), e.g. "tof", "Detector Coordinates"; owned by r. */
CSRO_API const char *csro_recon_field_name(const csro_recon *r, size_t i);
/* CSRO_FIELD_* of field i, or CSRO_EINVAL if i is out of range. */
CSRO_API int csro_recon_field_type(const csro_recon *r, size_t i);
/* Components per ion (1 for scalars, 2 for APT "Detector Coordinates"). */
CSRO_API size_t csro_recon_field_width(const csro_recon *r, size_t i);
/* Unit text ("ns", "kV", "" if unknown); owned by r. */
CSRO_API const char *csro_recon_field_unit(const csro_recon *r, size_t i);
/* count * width elements of the field type, ion-major; owned by r. */
CSRO_API const void *csro_recon_field_data(const csro_recon *r, size_t i);
/* Index of the field named name (exact match), or CSRO_ENOTFOUND. */
CSRO_API int csro_recon_field_index(const csro_recon *r, const char *name);
/* Size in bytes of one element of CSRO_FIELD_* type, 0 if unknown. */
CSRO_API size_t csro_field_type_size(int type);
/* Add (or replace, same name) a field of count * width elements; data is
 * copied. unit may be NULL. Used e.g. to build an EPOS from arrays. */
CSRO_API int csro_recon_set_field(csro_recon *r, const char *name, int type, size_t width,
                                  const char *unit, const void *data);

/* ---- APT file description (empty for other formats) ---- */

/* Number of sections seen in the APT file (kept or not). */
CSRO_API size_t csro_recon_nsections(const csro_recon *r);
/* Section type name (wcSectionType as UTF-8); owned by r. NULL if out of range. */
CSRO_API const char *csro_recon_section_name(const csro_recon *r, size_t i);
/* Section unit (wcDataUnit as UTF-8); owned by r. NULL if out of range. */
CSRO_API const char *csro_recon_section_unit(const csro_recon *r, size_t i);
/* Section header value for key CSRO_SEC_*; CSRO_EINVAL (as int64) for a
 * bad index or key. */
CSRO_API int64_t csro_recon_section_param(const csro_recon *r, size_t i, int key);

/* Key/value metadata of the file header. APT: "apt.header_size",
 * "apt.header_version", "apt.filename", "apt.creation_time" (FILETIME,
 * 100 ns ticks since 1601), "apt.ion_count", "apt.position_bounds" (the
 * six floats after the Position section header, if present). Strings are
 * owned by r. */
CSRO_API size_t csro_recon_nmeta(const csro_recon *r);
CSRO_API const char *csro_recon_meta_key(const csro_recon *r, size_t i);
CSRO_API const char *csro_recon_meta_value(const csro_recon *r, size_t i);
/* Value for key, or NULL if absent. */
CSRO_API const char *csro_recon_meta(const csro_recon *r, const char *key);

/* ---- writing and transforming ---- */

/* Write r to path in format fmt (CSRO_FMT_AUTO: by extension; required
 * explicitly for "-" = stdout). Atomic: a temporary file renamed over path
 * on success, nothing left on failure. POS: x, y, z, m. CSV: x,y,z,m per
 * line, "%.9g" (exact float round trip), no header. EPOS: needs the fields
 * tof, vdc, vpulse, det_x, det_y (F32) and pslep, ipp (I32) (as loaded from
 * an EPOS or added with csro_recon_set_field); CSRO_ENOTFOUND names a
 * missing one (no zeros are invented). APT: Position, Mass and one section
 * per field. */
CSRO_API int csro_recon_save(const csro_recon *r, const char *path, int fmt);

/* Random-label control: permute the mass-to-charge values among the ions
 * (positions and other fields stay) by Fisher-Yates with cs_rng stream 0
 * of seed: for i = n-1 down to 1, swap m[i] and m[j], j uniform in [0, i].
 * The same seed gives the same permutation on every run. */
CSRO_API int csro_recon_shuffle_mass(csro_recon *r, uint64_t seed);

/* New reconstruction with the ions i where keep[i] != 0 (all fields, in
 * order). keep has csro_recon_count(r) entries. */
CSRO_API int csro_recon_subset(csro_recon **out, const csro_recon *r, const uint8_t *keep);

#ifdef __cplusplus
}
#endif
#endif
