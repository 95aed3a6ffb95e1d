/* internal.h: private helpers shared by the lib/ sources (never installed). */
#ifndef CSRO_INTERNAL_H
#define CSRO_INTERNAL_H

#include "csro.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#  define CS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CS_PRINTF(a, b)
#endif

/* Set the thread-local error text (printf style) and return code. */
int cs_err(int code, const char *fmt, ...) CS_PRINTF(2, 3);
/* As cs_err, appending ": strerror(errno)". */
int cs_err_errno(int code, const char *fmt, ...) CS_PRINTF(2, 3);
void cs_err_clear(void);

/* Byte order helpers (unaligned safe). */
static inline uint32_t cs_rd_be32(const unsigned char *p)
{ return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline uint32_t cs_rd_le32(const unsigned char *p)
{ return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; }
static inline uint64_t cs_rd_le64(const unsigned char *p)
{ return (uint64_t)cs_rd_le32(p + 4) << 32 | cs_rd_le32(p); }
static inline void cs_wr_be32(unsigned char *p, uint32_t v)
{ p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static inline void cs_wr_le32(unsigned char *p, uint32_t v)
{ p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static inline void cs_wr_le64(unsigned char *p, uint64_t v)
{ cs_wr_le32(p, (uint32_t)v); cs_wr_le32(p + 4, (uint32_t)(v >> 32)); }
static inline float cs_u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t cs_f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline double cs_u2d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static inline uint64_t cs_d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* Deterministic random numbers: xoshiro256** seeded through splitmix64.
 * Streams: cs_rng_init(&r, seed, stream) gives independent sequences per
 * stream id (e.g. one per pattern), so results never depend on threads. */
typedef struct { uint64_t s[4]; } cs_rng;
void cs_rng_init(cs_rng *r, uint64_t seed, uint64_t stream);
uint64_t cs_rng_next(cs_rng *r);
double cs_rng_uniform(cs_rng *r);          /* [0, 1) with 53 random bits */
double cs_rng_normal(cs_rng *r);           /* standard normal (Box-Muller, no cache) */
uint64_t cs_rng_below(cs_rng *r, uint64_t n); /* unbiased in [0, n), n > 0 */

/* Atomic output files and input opening: see fileio.h. */
#include "fileio.h"

/* Chunked container (see man/man5/csro-formats.5):
 *   magic[8] | u32 version | u32 header_len | header | u32 crc32(header)
 *   then chunks: u32 raw_len | u32 comp_len | u32 crc32(raw) | zlib data
 *   end: u32 0 | u32 0 | u32 crc32 of all raw payload bytes | u64 total raw bytes
 * All integers little-endian. Streamable through pipes. */
typedef struct cs_cw cs_cw;
typedef struct cs_cr cs_cr;
int cs_cw_open(cs_cw **w, const char *path, const char magic[8], uint32_t version,
               const void *header, uint32_t header_len);
/* Compression level 0..9 (0 = stored blocks, still zlib data) or
 * CS_CW_LEVEL_AUTO (default: 0 when the output is a pipe or terminal, 1 for
 * files); threads compressing chunks (0 = one per online core, the default;
 * 1 = in the caller). Output bytes depend on the level only. Call before
 * the first cs_cw_write. */
#define CS_CW_LEVEL_AUTO (-1)
int cs_cw_set(cs_cw *w, int level, int threads);
int cs_cw_write(cs_cw *w, const void *data, size_t n);
int cs_cw_close(cs_cw *w);  /* flush, write end record, commit; frees w */
void cs_cw_abort(cs_cw *w); /* discard output; NULL no-op */
/* Opens and validates magic/header crc. *header is malloc'ed (caller frees). */
int cs_cr_open(cs_cr **r, const char *path, const char magic[8], uint32_t *version,
               void **header, uint32_t *header_len);
/* Reads exactly n payload bytes (0 ok). Returns CSRO_EFORMAT on premature end,
 * CSRO_ECHECKSUM on corruption. */
int cs_cr_read(cs_cr *r, void *buf, size_t n);
/* 1 if the payload is exhausted and the end record verified, 0 if more data,
 * negative on error. */
int cs_cr_at_end(cs_cr *r);
void cs_cr_close(cs_cr *r);
const char *cs_cr_path(const cs_cr *r);

/* Composition strings "Co:1,Cr:1,Ni:1": names (unique, no blanks, shorter
 * than CS_COMP_NAMELEN) and weights (finite, > 0), at most max items. The
 * error text starts with `what` and quotes the spec. */
#define CS_COMP_NAMELEN 16
int cs_parse_composition(const char *spec, const char *what, size_t max, char (*names)[CS_COMP_NAMELEN],
                         double *w, size_t *n);

/* Little helper to grow a byte buffer for headers. */
typedef struct { unsigned char *p; size_t n, cap; int oom; } cs_buf;
void cs_buf_put(cs_buf *b, const void *d, size_t n);
void cs_buf_u32(cs_buf *b, uint32_t v);
void cs_buf_u64(cs_buf *b, uint64_t v);
void cs_buf_f64(cs_buf *b, double v);
void cs_buf_str(cs_buf *b, const char *s); /* u32 length + bytes */
/* Cursor reading a header; sets *bad on overrun. */
typedef struct { const unsigned char *p; size_t n, off; int bad; } cs_cur;
uint32_t cs_cur_u32(cs_cur *c);
uint64_t cs_cur_u64(cs_cur *c);
double cs_cur_f64(cs_cur *c);
char *cs_cur_str(cs_cur *c); /* malloc'ed, NUL-terminated; NULL on error */

#endif
