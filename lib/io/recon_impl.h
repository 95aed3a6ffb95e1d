/* recon_impl.h: private layout of csro_recon and the helpers shared by the
 * format readers and writers (lib/recon*.c). */
#ifndef CSRO_RECON_IMPL_H
#define CSRO_RECON_IMPL_H

#include "base/internal.h"
#include <stdio.h>

/* One extra per-ion field: n * width elements of type. */
typedef struct {
    char *name, *unit;
    int type;
    size_t width;
    void *data;
} cs_rfield;

/* One APT section header as seen in the file. */
#define CS_SEC_NPARAM 13
typedef struct {
    char *name, *unit;
    int64_t p[CS_SEC_NPARAM]; /* indexed by CSRO_SEC_* */
} cs_rsection;

struct csro_recon {
    size_t n;
    float *x, *y, *z, *m;
    int fmt;
    size_t dropped;
    int meta_only;
    cs_rfield *f;
    size_t nf;
    cs_rsection *sec;
    size_t nsec;
    char **meta; /* 2 * nmeta strings: key, value */
    size_t nmeta;
};

struct csro_load_opts {
    int fmt, drop, sniff, meta_only;
    size_t max_stream;  /* ions from an input of unknown size; 0 = CSRO_LOAD_MAX_STREAM_IONS */
    csro_progress_fn progress;
    void *user;
};

/* Buffered input with look-ahead (for sniffing stdin) and progress. */
typedef struct {
    FILE *fp;
    const char *path;
    int is_stdin;
    int size_known;           /* regular file: size is its length */
    uint64_t size;
    uint64_t pos;             /* bytes consumed so far */
    unsigned char pre[4096];  /* bytes already read from fp, not consumed */
    size_t npre, preoff;
    int ioerr;
    csro_progress_fn progress;
    void *user;
    uint64_t next_report;
} cs_rin;

/* Read up to n bytes; returns the count (short only at end of input or on
 * an I/O error, then in->ioerr is set). */
size_t cs_rin_read(cs_rin *in, void *buf, size_t n);
/* Skip n bytes (seek when possible). CSRO_EFORMAT if the input ends first. */
int cs_rin_skip(cs_rin *in, uint64_t n);
/* Report progress; CSRO_ECANCELED if the callback asks to stop. */
int cs_rin_progress(cs_rin *in);
/* Error for a failed read: I/O error text or "truncated <what>". */
int cs_rin_short(cs_rin *in, const char *what);

/* Format readers: fill r (allocated, zeroed) from in. */
int cs_recon_read_pos(csro_recon *r, cs_rin *in, const csro_load_opts *o);
int cs_recon_read_epos(csro_recon *r, cs_rin *in, const csro_load_opts *o);
int cs_recon_read_apt(csro_recon *r, cs_rin *in, const csro_load_opts *o);
int cs_recon_read_csv(csro_recon *r, cs_rin *in, const csro_load_opts *o);
int cs_recon_read_ato(csro_recon *r, cs_rin *in, const csro_load_opts *o);

/* Read records of k big-endian 32-bit words into k columns (cols[c] gets
 * malloc'ed arrays of n words). what = "POS"/"EPOS" for messages. */
int cs_recon_read_be_words(cs_rin *in, const csro_load_opts *o, unsigned k, const char *what,
                           uint32_t **cols, size_t *n);

/* Writers (o is an open atomic output). */
int cs_recon_write_pos(const csro_recon *r, FILE *fp, const char *path);
int cs_recon_write_epos(const csro_recon *r, FILE *fp, const char *path);
int cs_recon_write_csv(const csro_recon *r, FILE *fp, const char *path);
int cs_recon_write_apt(const csro_recon *r, FILE *fp, const char *path);
/* Check that r has the EPOS fields (before any output is opened). */
int cs_recon_epos_check(const csro_recon *r, const char *path, int idx[7]);

/* Names, types and units of the seven EPOS extra fields. */
extern const char *const cs_epos_names[7];
extern const char *const cs_epos_units[7];
extern const int cs_epos_types[7];

/* After a reader: check / drop non-finite ions, sniff plausibility. */
int cs_recon_finish(csro_recon *r, const char *path, const csro_load_opts *o);

/* Append a field taking ownership of data (freed on failure too). */
int cs_recon_add_field_own(csro_recon *r, const char *name, int type, size_t width,
                           const char *unit, void *data);
/* Append metadata key/value (copied). */
int cs_recon_add_meta(csro_recon *r, const char *key, const char *value);
/* Append a section record (strings copied); returns its index or < 0. */
int cs_recon_add_section(csro_recon *r, const char *name, const char *unit, const int64_t p[CS_SEC_NPARAM]);

/* Exact decimal -> float conversion of the text [s, end): returns the
 * number of characters consumed (0 if no number); the result is the
 * correctly rounded float (as strtof) via a fast exact path. */
size_t cs_parse_float(const char *s, const char *end, float *out);

/* malloc for a big per-ion array, advising transparent huge pages on its
 * 2 MiB-aligned interior (far fewer page faults while it is filled). */
void *cs_recon_alloc(size_t bytes);
void cs_advise_huge(void *p, size_t bytes);

/* v formatted exactly as printf("%.9g", v) into buf (>= 32 bytes);
 * returns the length. Fast path without printf. */
int cs_fmt_float9(char *buf, float v);

/* True if the bytes look like text (printable ASCII, tab, CR, LF). */
int cs_looks_text(const unsigned char *p, size_t n);

/* Most ions to read from in (unknown size: stdin, pipe, FIFO), else
 * SIZE_MAX; and the refusal past it (CSRO_EFORMAT, naming the cap). */
size_t cs_recon_max_ions(const csro_load_opts *o, const cs_rin *in);
int cs_recon_too_many(const cs_rin *in, size_t max);

#endif
