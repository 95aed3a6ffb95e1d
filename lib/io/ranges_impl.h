/* ranges_impl.h: private structures of the range-file module. */
#ifndef CSRO_RANGES_IMPL_H
#define CSRO_RANGES_IMPL_H

#include "base/internal.h"
#include <locale.h>

#define CS_NELEMENTS 118
#define CS_MAXCOMP 16 /* distinct elements in one ion */
#define CS_MAXATOMS 100000 /* atoms of one element in one ion */

/* Periodic table (ranges_elements.c). cs_element_find returns the atomic
 * number of the symbol s[0..len) or 0; icase compares case-insensitively. */
const char *cs_element_symbol(int z);
int cs_element_find(const char *s, size_t len, int icase);

/* Composition: atomic number and atom count. */
typedef struct { int z, n; } cs_comp;

/* Parse a chemical formula ("CrO2", "H2O"; case-sensitive symbols, counts
 * >= 1) into comp; duplicates are summed. Returns the number of distinct
 * elements, 0 if s is not a formula (a label such as "unknown"). */
int cs_formula_parse(const char *s, size_t len, cs_comp *comp);
/* Same composition (order-insensitive)? */
int cs_comp_equal(const cs_comp *a, int na, const cs_comp *b, int nb);
/* Add n atoms of element z to comp (count *nc); -1 if CS_MAXCOMP elements
 * or CS_MAXATOMS atoms of one element would be exceeded. */
int cs_comp_add(cs_comp *comp, int *nc, int z, long long n);
/* Name built from a composition: "CrO2". Writes at most cap bytes. */
void cs_comp_name(const cs_comp *comp, int nc, char *buf, size_t cap);

typedef struct {
    char *name;
    double rgb[3];
    int has_rgb;
    int ncomp;              /* 0 = unknown composition (label) */
    cs_comp comp[CS_MAXCOMP];
} cs_ion;

typedef struct {
    double lo, hi, vol;
    size_t ion;
    size_t prio;            /* order in the file (first-match priority) */
    int line;
} cs_range;

/* Mass lookup: sorted distinct bounds bp; at[j] = ion at exactly bp[j],
 * after[j] = ion on the open interval (bp[j], bp[j+1]); -1 = unranged. */
typedef struct {
    double *bp;
    size_t nbp;
    int32_t *at, *after;
    /* uniform buckets over [bp[0], bp[nbp-1]]: start[b] = a bound index
     * at or below the first bound of bucket b (the search then walks) */
    uint32_t *start;
    size_t nbucket;
    double binv;
} cs_lookup;
int cs_lookup_find(const cs_lookup *lk, double m);

struct csro_ranges_opts {
    int first_match;
    int format;
};

struct csro_ranges {
    char *path;
    int format;
    cs_ion *ions;
    size_t nions, cap_ions;
    cs_range *ranges;
    size_t nranges, cap_ranges;
    /* built by cs_ranges_finish */
    int nel;
    int el_z[CS_NELEMENTS];
    int *counts;            /* nions x nel atom counts */
    cs_lookup lk_d;         /* bounds as given (csro_ranges_ion_of) */
    cs_lookup lk_f;         /* bounds rounded to float (csro_ranges_assign) */
};

/* Text of a range file split into lines (CR/LF stripped, trailing blanks
 * removed); line numbers are 1-based file lines. */
typedef struct {
    const char *path;
    char *buf;
    char **line;
    int *lineno;
    size_t n;
    locale_t loc;           /* "C" numeric locale for strtod_l */
} cs_text;

int cs_text_read(cs_text *t, const char *path);
void cs_text_free(cs_text *t);
/* Number with '.' or ',' as decimal separator; the whole token must be
 * consumed. 0 ok, -1 otherwise. */
int cs_text_num(const cs_text *t, const char *tok, double *v);
/* Split s in place at blanks (space, tab) into at most max tokens;
 * returns the count (extra tokens are dropped; *more set to 1). */
int cs_split(char *s, char **tok, int max, int *more);

/* Builder used by the parsers. Ion names are unique (case-sensitive): a
 * second add of the same name returns the existing index, filling in a
 * colour or composition it lacked. */
int cs_ranges_add_ion(csro_ranges *r, const char *name, const cs_comp *comp, int ncomp,
                      const double *rgb, size_t *idx);
int cs_ranges_add_range(csro_ranges *r, const cs_text *t, int line, double lo, double hi,
                        double vol, size_t ion);
/* Merge same-ion ranges, check overlaps, build element table and lookup. */
int cs_ranges_finish(csro_ranges *r, int first_match);

int cs_ranges_parse_rrng(csro_ranges *r, cs_text *t);
int cs_ranges_parse_rng(csro_ranges *r, cs_text *t);
int cs_ranges_parse_env(csro_ranges *r, cs_text *t);

#endif
