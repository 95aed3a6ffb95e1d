/* buf.c: little-endian header building and parsing. */
#include "internal.h"
#include <stdlib.h>

void cs_buf_put(cs_buf *b, const void *d, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n) c *= 2;
        unsigned char *p = realloc(b->p, c);
        if (!p) { b->oom = 1; return; }
        b->p = p; b->cap = c;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}
void cs_buf_u32(cs_buf *b, uint32_t v) { unsigned char t[4]; cs_wr_le32(t, v); cs_buf_put(b, t, 4); }
void cs_buf_u64(cs_buf *b, uint64_t v) { unsigned char t[8]; cs_wr_le64(t, v); cs_buf_put(b, t, 8); }
void cs_buf_f64(cs_buf *b, double v) { cs_buf_u64(b, cs_d2u(v)); }
void cs_buf_str(cs_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    cs_buf_u32(b, (uint32_t)n);
    cs_buf_put(b, s, n);
}

static const unsigned char *cur_take(cs_cur *c, size_t n)
{
    if (c->bad || c->n - c->off < n) { c->bad = 1; return NULL; }
    const unsigned char *p = c->p + c->off;
    c->off += n;
    return p;
}
uint32_t cs_cur_u32(cs_cur *c) { const unsigned char *p = cur_take(c, 4); return p ? cs_rd_le32(p) : 0; }
uint64_t cs_cur_u64(cs_cur *c) { const unsigned char *p = cur_take(c, 8); return p ? cs_rd_le64(p) : 0; }
double cs_cur_f64(cs_cur *c) { return cs_u2d(cs_cur_u64(c)); }
char *cs_cur_str(cs_cur *c)
{
    uint32_t n = cs_cur_u32(c);
    const unsigned char *p = cur_take(c, n);
    if (!p) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) { c->bad = 1; return NULL; }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}
