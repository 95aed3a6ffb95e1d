/* csro/ranges.h: mass-to-charge range files (RRNG, RNG, ENV) and species.
 *
 * A range file maps mass-to-charge windows [lo, hi] (Da) to ion types; an
 * ion type has a name (label), an optional colour and, when it can be
 * worked out, an element composition (CrO2 -> Cr 1, O 2). Labels that are
 * not chemical formulas ("unknown", "All") are kept with no composition.
 *
 * Rules (see csro-ranges(5)):
 *  - bounds are INCLUSIVE at both ends (the ML-APT reference rule,
 *    pandas between(inclusive=True)); a mass equal to a bound shared by two
 *    touching ranges belongs to the one listed first in the file;
 *  - overlapping or duplicate ranges of the SAME ion are merged silently;
 *  - ranges of DIFFERENT ions that overlap (by more than a shared end
 *    point) are rejected with CSRO_EFORMAT unless first-match is enabled,
 *    then the range listed first wins;
 *  - a range with lo >= hi or a composition naming a symbol that is not
 *    an element (e.g. "Xx:1") is rejected, naming file and line.
 *
 * A loaded csro_ranges is immutable: any number of threads may use it.
 */
#ifndef CSRO_RANGES_H
#define CSRO_RANGES_H

#include "csro/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csro_ranges csro_ranges;
typedef struct csro_ranges_opts csro_ranges_opts;

/* Range file formats (csro_ranges_opts_set_format, csro_ranges_format). */
enum { CSRO_RANGES_AUTO = 0, CSRO_RANGES_RRNG = 1, CSRO_RANGES_RNG = 2,
       CSRO_RANGES_ENV = 3 /* since 1.1: GPM Rouen ENV */ };

/* Load options: defaults = format detected from the content (extension as
 * a hint), first-match off. Caller owns the object (free with
 * csro_ranges_opts_free). NULL on out-of-memory. Not thread-safe per
 * object; one options object may be shared by loads once set up. */
CSRO_API csro_ranges_opts *csro_ranges_opts_new(void);
/* NULL is a no-op. */
CSRO_API void csro_ranges_opts_free(csro_ranges_opts *o);
/* Accept overlapping ranges of different ions; the range listed first in
 * the file wins where they overlap. on = 0 (default) rejects them.
 * Returns 0, or CSRO_EINVAL for a NULL object. */
CSRO_API int csro_ranges_opts_set_first_match(csro_ranges_opts *o, int on);
/* Force the format (CSRO_RANGES_AUTO, _RRNG, _RNG or _ENV). CSRO_EINVAL if
 * unknown. */
CSRO_API int csro_ranges_opts_set_format(csro_ranges_opts *o, int format);

/* Load a RRNG (IVAS / AP Suite) or RNG (Oak Ridge / 3Depict, with the
 * IVAS polyatomic extension) file; path "-" reads stdin. opts may be NULL
 * (defaults). On success *out owns a new handle (free with
 * csro_ranges_free); on failure *out is NULL and csro_last_error() names
 * the file, the line and what is wrong (CSRO_EIO, CSRO_EFORMAT,
 * CSRO_ENOMEM). Thread-safe (no shared state). */
CSRO_API int csro_ranges_load(csro_ranges **out, const char *path, const csro_ranges_opts *opts);
/* NULL is a no-op. */
CSRO_API void csro_ranges_free(csro_ranges *r);

/* Format that was read: CSRO_RANGES_RRNG, CSRO_RANGES_RNG or CSRO_RANGES_ENV. */
CSRO_API int csro_ranges_format(const csro_ranges *r);

/* Number of ion types. Ion indices run 0 .. nions-1 in order of first
 * appearance in the file (ion list first, then ions only named by ranges). */
CSRO_API size_t csro_ranges_nions(const csro_ranges *r);
/* Name (label) of an ion type; NULL if ion is out of range. The string is
 * owned by r. */
CSRO_API const char *csro_ranges_ion_name(const csro_ranges *r, size_t ion);
/* Index of the ion type with this exact name (case-insensitive if no exact
 * match), or -1. */
CSRO_API int csro_ranges_find_ion(const csro_ranges *r, const char *name);
/* Colour of an ion type as red, green, blue in [0, 1]. Returns 0, or
 * CSRO_ENOTFOUND when the file gives none (rgb then set to 0.5 grey),
 * CSRO_EINVAL for a bad index. */
CSRO_API int csro_ranges_ion_color(const csro_ranges *r, size_t ion, double rgb[3]);
/* 1 if the element composition of the ion type is known (a chemical
 * formula or composition tokens), 0 for labels such as "unknown". */
CSRO_API int csro_ranges_ion_known(const csro_ranges *r, size_t ion);

/* Number of ranges after merging the overlapping or duplicate ranges of
 * each ion. Ranges are numbered in file order of their first member. */
CSRO_API size_t csro_ranges_nranges(const csro_ranges *r);
/* Bounds (Da, both inclusive) and ion type of range k; any out-pointer may
 * be NULL. Returns 0 or CSRO_EINVAL when k >= nranges. */
CSRO_API int csro_ranges_range(const csro_ranges *r, size_t k, double *lo, double *hi, size_t *ion);
/* Volume given in the file for range k (sum over merged members; 0 when
 * absent), or a negative value when k is out of range. */
CSRO_API double csro_ranges_range_volume(const csro_ranges *r, size_t k);

/* Distinct elements across the ions with known composition, in order of
 * first appearance. */
CSRO_API size_t csro_ranges_nelements(const csro_ranges *r);
/* Symbol of element e ("Ni"); NULL if out of range. Owned by r. */
CSRO_API const char *csro_ranges_element(const csro_ranges *r, size_t e);
/* Index of the element with this symbol in the file, or -1. */
CSRO_API int csro_ranges_find_element(const csro_ranges *r, const char *symbol);
/* Atoms of element e in one ion of type ion (CrO2 -> Cr 1, O 2); 0 when
 * absent, for out-of-range indices, and for ions with unknown composition
 * ("unknown", "All"). */
CSRO_API int csro_ranges_ion_element_count(const csro_ranges *r, size_t ion, size_t e);

/* Ion type of one mass-to-charge value, or -1 if unranged (also for NaN).
 * Bounds are inclusive at both ends. O(log nranges). */
CSRO_API int csro_ranges_ion_of(const csro_ranges *r, double mass);
/* Ion type of n values into ion_out (-1 = unranged). Returns 0 or
 * CSRO_EINVAL for NULL arrays with n > 0. Thread-safe. */
CSRO_API int csro_ranges_assign(const csro_ranges *r, const float *mass, size_t n, int32_t *ion_out);

/* Species selection flags for csro_ranges_species_weights. */
enum { CSRO_SPECIES_DECOMPOSE = 1 };

/* Weights of a species selection: weights[ion] (nweights >= nions) = number
 * of atoms of the selected species that one ion of type ion contributes.
 * spec is a comma separated list of items; each item is
 *  - an element symbol present in the file ("Ni"): without
 *    CSRO_SPECIES_DECOMPOSE it selects the ions made only of selected
 *    elements, weight = their atom count (Ni -> 1, Ni2 -> 2, NiH -> 0);
 *    with CSRO_SPECIES_DECOMPOSE every ion contributes its atoms of the
 *    selected elements (NiH -> 1, CoNi with "Co,Ni" -> 2);
 *  - otherwise an ion: its name ("Ni+", "CrO", "unknown"; exact, then
 *    case-insensitive, then without trailing charge signs '+'/'-'), a
 *    formula or composition tokens ("OCr", "Cr:1 O:1", "Ni:1") matching an
 *    ion's composition: that ion gets weight at least 1.
 * Ions not selected get 0. Unknown items -> CSRO_ENOTFOUND naming the item;
 * an empty spec or nweights < nions -> CSRO_EINVAL. Thread-safe. */
CSRO_API int csro_ranges_species_weights(const csro_ranges *r, const char *spec, int flags,
                                         int *weights, size_t nweights);

#ifdef __cplusplus
}
#endif
#endif
