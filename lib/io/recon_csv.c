/* recon_csv.c: text reconstructions: one ion per line, x, y, z, m
 * separated by a comma (optionally with blanks) or by blanks/tabs; an
 * optional header line (first data line whose first field is not a
 * number); blank lines and lines starting with '#' are skipped; CRLF and
 * a leading UTF-8 byte order mark are accepted.
 * Numbers are converted exactly (correctly rounded to float32). */
#include "recon_impl.h"
#include <stdlib.h>

#define CSV_BLOCK (1u << 20)

static const double pow10tab[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Slow path: strtof on a NUL-terminated copy of the token. */
static size_t parse_slow(const char *s, const char *end, float *out)
{
    char tmp[128];
    size_t len = (size_t)(end - s);
    if (len >= sizeof tmp) len = sizeof tmp - 1;
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *e;
    float v = strtof(tmp, &e);
    if (e == tmp) return 0;
    *out = v;
    return (size_t)(e - tmp);
}

size_t cs_parse_float(const char *s, const char *end, float *out)
{
    /* Fast exact path (Clinger): a decimal with at most 19 significant
     * digits, mantissa <= 2^53 and |power of ten| <= 22 gives the correctly
     * rounded double d in one operation; rounding d to float is then
     * correct unless d lies exactly halfway between two floats (checked). */
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) { neg = *p == '-'; p++; }
    uint64_t mant = 0;
    int frac = 0, digits = 0;
    for (; p < end; p++, digits++) {
        unsigned dgt = (unsigned)(*p - '0');
        if (dgt > 9) break;
        mant = mant * 10 + dgt;
    }
    if (p < end && *p == '.') {
        const char *f0 = ++p;
        for (; p < end; p++) {
            unsigned dgt = (unsigned)(*p - '0');
            if (dgt > 9) break;
            mant = mant * 10 + dgt;
        }
        frac = (int)(p - f0);
        digits += frac;
    }
    if (!digits || digits > 19) goto slow; /* nan, inf, ".", junk, or too long for u64 */
    int ex = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < end && (*q == '-' || *q == '+')) { eneg = *q == '-'; q++; }
        if (!(q < end && *q >= '0' && *q <= '9')) goto done_mant; /* "1e" -> 1, 'e' left */
        int e = 0;
        while (q < end && *q >= '0' && *q <= '9') { if (e < 10000) e = e * 10 + (*q - '0'); q++; }
        ex = eneg ? -e : e;
        p = q;
    }
done_mant:
    if (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'x' || *p == 'X')) goto slow;
    {
        int k = ex - frac;
        if (mant > (1ULL << 53) || k < -22 || k > 22) goto slow;
        double d = k < 0 ? (double)mant / pow10tab[-k] : (double)mant * pow10tab[k];
        /* is d exactly halfway between two floats? (29 dropped bits 1000...0) */
        uint64_t u = cs_d2u(d);
        int e2 = (int)((u >> 52) & 0x7ff);
        if (e2 != 0 && e2 - 1023 >= -126 && (u & 0x1fffffffULL) == 0x10000000ULL) goto slow;
        if (e2 != 0 && e2 - 1023 < -126) goto slow; /* float subnormal range: be safe */
        float f = (float)d;
        *out = neg ? -f : f;
        return (size_t)(p - s);
    }
slow:
    return parse_slow(s, end, out);
}

static inline int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Parse one line [p, e) into v[4]. Returns 1 ok, 0 if the first field is
 * not a number (header candidate), -1 on other errors (*why set). */
static int parse_line(const char *p, const char *e, float v[4], const char **why)
{
    for (int i = 0; i < 4; i++) {
        while (p < e && is_blank(*p)) p++;
        if (i > 0 && p < e && (*p == ',' || *p == ';')) {
            p++;
            while (p < e && is_blank(*p)) p++;
        }
        if (p >= e) { *why = "expected 4 columns (x, y, z, m)"; return i ? -1 : 0; }
        size_t k = cs_parse_float(p, e, &v[i]);
        if (!k) { *why = "not a number"; return i ? -1 : 0; }
        p += k;
        if (p < e && !is_blank(*p) && *p != ',' && *p != ';') { *why = "not a number"; return i ? -1 : 0; }
    }
    while (p < e && is_blank(*p)) p++;
    if (p < e && (*p == ',' || *p == ';')) {
        const char *q = p + 1;
        while (q < e && is_blank(*q)) q++;
        if (q >= e) return 1; /* trailing separator */
    }
    if (p < e) { *why = "more than 4 columns (expected x, y, z, m)"; return -1; }
    return 1;
}

int cs_recon_read_csv(csro_recon *r, cs_rin *in, const csro_load_opts *o)
{
    /* text is always read in full, even meta-only */
    size_t cap = 0, n = 0, max = cs_recon_max_ions(o, in);
    if (in->size_known) cap = (size_t)(in->size / 24) + 16; /* ~24+ bytes per line */
    if (!cap) cap = 1u << 14;
    float *c[4] = {NULL, NULL, NULL, NULL};
    char *buf = malloc(CSV_BLOCK + 1);
    int rc = 0;
    for (int a = 0; a < 4; a++)
        if (!(c[a] = cs_recon_alloc(cap * sizeof(float)))) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", in->path);
    if (!buf && !rc) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", in->path);
    size_t have = 0, line = 0;
    int seen_data = 0, eof = 0, first_block = 1;
    while (!rc && !eof) {
        size_t got = cs_rin_read(in, buf + have, CSV_BLOCK - have);
        if (in->ioerr) { rc = cs_rin_short(in, "line"); break; }
        if (have + got < CSV_BLOCK) eof = 1;
        size_t len = have + got;
        if (eof && len && buf[len - 1] != '\n') buf[len++] = '\n';
        if (!eof && !memchr(buf, '\n', len)) {
            rc = cs_err(CSRO_EFORMAT, "%s: line %zu: longer than %u bytes (not a text reconstruction?)", in->path, line + 1, CSV_BLOCK);
            break;
        }
        const char *p = buf, *bend = buf + len;
        if (first_block && len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) p += 3; /* UTF-8 BOM */
        first_block = 0;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(bend - p));
            if (!nl) break;
            line++;
            const char *s = p, *e = nl;
            p = nl + 1;
            while (s < e && is_blank(*s)) s++;
            if (s == e || *s == '#') continue;
            if (memchr(s, 0, (size_t)(e - s))) {
                rc = cs_err(CSRO_EFORMAT, "%s: line %zu: binary data (NUL byte), not a text reconstruction", in->path, line);
                break;
            }
            float v[4];
            const char *why = "";
            int k = parse_line(s, e, v, &why);
            if (k == 0 && !seen_data) { seen_data = 1; continue; } /* header line */
            if (k <= 0) {
                int shown = (int)(e - s < 40 ? e - s : 40);
                while (shown > 0 && (s[shown - 1] == '\r')) shown--;
                rc = cs_err(CSRO_EFORMAT, "%s: line %zu: %s: '%.*s%s'", in->path, line, why, shown, s, e - s > 40 ? "..." : "");
                break;
            }
            seen_data = 1;
            if (n == max) { rc = cs_recon_too_many(in, max); break; }
            if (n == cap) {
                size_t nc = cap + cap / 2 + 16;
                for (int a = 0; a < 4 && !rc; a++) {
                    float *t = realloc(c[a], nc * sizeof(float));
                    if (!t) rc = cs_err(CSRO_ENOMEM, "%s: out of memory", in->path);
                    else { c[a] = t; cs_advise_huge(t, nc * sizeof(float)); }
                }
                if (rc) break;
                cap = nc;
            }
            c[0][n] = v[0]; c[1][n] = v[1]; c[2][n] = v[2]; c[3][n] = v[3];
            n++;
        }
        if (rc) break;
        have = (size_t)(bend - p);
        memmove(buf, p, have);
        rc = cs_rin_progress(in);
    }
    free(buf);
    if (!rc && !n) rc = cs_err(CSRO_EFORMAT, "%s: no ions (empty file or only a header)", in->path);
    if (rc) { for (int a = 0; a < 4; a++) free(c[a]); return rc; }
    for (int a = 0; a < 4; a++) {
        float *t = realloc(c[a], n * sizeof(float));
        if (t) c[a] = t;
    }
    r->n = n;
    r->x = c[0]; r->y = c[1]; r->z = c[2]; r->m = c[3];
    return 0;
}
