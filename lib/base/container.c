/* container.c: the chunked, zlib-compressed, checksummed container shared by
 * the .zsdm, .prob and .csronet formats (layout in internal.h and
 * man/man5/csro-formats.5).
 *
 * Writer: chunks are compressed by worker threads while the caller goes on
 * producing data; the caller's thread writes finished chunks strictly in
 * order. Each chunk is compressed on its own with fixed settings, so the
 * output bytes never depend on the number of threads. Level 0 writes zlib
 * streams of stored blocks: still ordinary zlib data (every reader reads
 * them), at memory speed. The workers run while the caller keeps producing
 * (a pipeline), which the blocking parallel-for of threads.c cannot express;
 * they take its thread-count rule (cs_threads). */
#include "internal.h"
#include "threads_impl.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#define CS_CHUNK (1u << 20) /* raw bytes per chunk */
#define CS_STORED 0x80000000u /* comp_len flag: the raw bytes follow as they are */
#define CS_MAX_WORKERS 16

typedef struct {
    unsigned char *raw, *comp;
    size_t nraw;
    uLongf clen;
    uLong crc;
    int done, failed;
} cw_slot;

/* level CS_LEVEL_RAW: stored chunks without zlib framing (pipes only) */
#define CS_LEVEL_RAW 10

struct cs_cw {
    cs_out *out;
    int level;            /* 0..9; CS_CW_LEVEL_AUTO until the first chunk */
    int nthreads;         /* 0 = one per online core */
    cw_slot *slots;       /* ring of nslots; slot of sequence s = s % nslots */
    size_t nslots;
    uint64_t head, fill;  /* oldest unwritten chunk; chunk being filled */
    uint64_t next_job;    /* next submitted chunk a worker takes */
    pthread_t th[CS_MAX_WORKERS];
    int nth, stop, sync_ok;
    pthread_mutex_t mu;
    pthread_cond_t cv_job, cv_done;
    uLong crc_all;
    uint64_t total;
};

/* Level 0: a zlib stream of stored deflate blocks (RFC 1950/1951), written
 * here without deflate's per-call state (compressBound leaves room for the
 * 5 bytes per 64 KiB block). */
static uLongf zlib_stored(unsigned char *out, const unsigned char *in, size_t n)
{
    unsigned char *o = out;
    *o++ = 0x78; *o++ = 0x01; /* deflate, 32 KiB window, level 0 check bits */
    size_t done = 0;
    do {
        size_t k = n - done > 65535 ? 65535 : n - done;
        *o++ = done + k == n; /* BFINAL, BTYPE 00 */
        o[0] = (unsigned char)k; o[1] = (unsigned char)(k >> 8);
        o[2] = (unsigned char)~k; o[3] = (unsigned char)(~k >> 8);
        memcpy(o + 4, in + done, k);
        o += 4 + k;
        done += k;
    } while (done < n);
    cs_wr_be32(o, (uint32_t)adler32(1L, in, (uInt)n));
    return (uLongf)(o + 4 - out);
}

static void slot_compress(cw_slot *s, int level)
{
    s->crc = crc32(0L, s->raw, (uInt)s->nraw);
    if (level == CS_LEVEL_RAW) return;
    if (level == 0) { s->clen = zlib_stored(s->comp, s->raw, s->nraw); return; }
    s->clen = compressBound(CS_CHUNK);
    s->failed = compress2(s->comp, &s->clen, s->raw, s->nraw, level) != Z_OK;
}

/* Compress the next queued chunk; called and returns with w->mu held. */
static void cw_run_job(cs_cw *w)
{
    cw_slot *s = &w->slots[w->next_job++ % w->nslots];
    pthread_mutex_unlock(&w->mu);
    slot_compress(s, w->level);
    pthread_mutex_lock(&w->mu);
    s->done = 1;
    pthread_cond_broadcast(&w->cv_done);
}

static void *cw_worker(void *arg)
{
    cs_cw *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->next_job == w->fill) pthread_cond_wait(&w->cv_job, &w->mu);
        if (w->next_job == w->fill) break; /* stop and nothing queued */
        cw_run_job(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Level and workers are fixed when the first chunk is handed over. */
static int cw_start(cs_cw *w)
{
    /* Through pipes (the reader at the other end is a current reader, which
     * reads stored chunks) level 0 and automatic mean stored chunks; files
     * keep zlib framing (level 0 = stored deflate blocks) so that every
     * version of the library reads them; automatic means level 1 there. */
    struct stat st;
    int fd = fileno(cs_out_fp(w->out));
    int pipe = fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
    if (w->level == CS_CW_LEVEL_AUTO) w->level = pipe ? 0 : 1;
    if (w->level == 0 && pipe) w->level = CS_LEVEL_RAW;
    int n = cs_threads(w->nthreads, 0); /* the library's thread-count rule */
    if (n > CS_MAX_WORKERS) n = CS_MAX_WORKERS;
    w->nslots = n > 1 ? 2 * (size_t)n : 1;
    if (!(w->slots = calloc(w->nslots, sizeof *w->slots)))
        return cs_err(CSRO_ENOMEM, "%s: out of memory", cs_out_path(w->out));
    for (size_t i = 0; i < w->nslots; i++) {
        w->slots[i].raw = malloc(CS_CHUNK);
        w->slots[i].comp = w->level == CS_LEVEL_RAW ? NULL : malloc(compressBound(CS_CHUNK));
        if (!w->slots[i].raw || (!w->slots[i].comp && w->level != CS_LEVEL_RAW))
            return cs_err(CSRO_ENOMEM, "%s: out of memory", cs_out_path(w->out));
    }
    if (n > 1) {
        if (pthread_mutex_init(&w->mu, NULL)) return cs_err(CSRO_ENOMEM, "%s: cannot start threads", cs_out_path(w->out));
        if (pthread_cond_init(&w->cv_job, NULL)) { pthread_mutex_destroy(&w->mu); return cs_err(CSRO_ENOMEM, "%s: cannot start threads", cs_out_path(w->out)); }
        if (pthread_cond_init(&w->cv_done, NULL)) {
            pthread_cond_destroy(&w->cv_job); pthread_mutex_destroy(&w->mu);
            return cs_err(CSRO_ENOMEM, "%s: cannot start threads", cs_out_path(w->out));
        }
        w->sync_ok = 1;
        for (int i = 0; i < n - 1; i++) { /* the caller's thread is the n-th */
            if (pthread_create(&w->th[i], NULL, cw_worker, w)) break;
            w->nth++;
        }
    }
    return 0;
}

/* Write the oldest chunk once it is compressed. */
static int cw_flush_one(cs_cw *w)
{
    cw_slot *s = &w->slots[w->head % w->nslots];
    if (w->nth) { /* help the workers while waiting */
        pthread_mutex_lock(&w->mu);
        while (!s->done) {
            if (w->next_job == w->fill) pthread_cond_wait(&w->cv_done, &w->mu);
            else cw_run_job(w);
        }
        pthread_mutex_unlock(&w->mu);
    }
    w->head++;
    if (s->failed) return cs_err(CSRO_ENOMEM, "%s: compression failed", cs_out_path(w->out));
    unsigned char h[12];
    int raw = w->level == CS_LEVEL_RAW;
    size_t n = raw ? s->nraw : s->clen;
    cs_wr_le32(h, (uint32_t)s->nraw);
    cs_wr_le32(h + 4, raw ? CS_STORED | (uint32_t)s->nraw : (uint32_t)s->clen);
    cs_wr_le32(h + 8, (uint32_t)s->crc);
    FILE *fp = cs_out_fp(w->out);
    if (fwrite(h, 1, 12, fp) != 12 || fwrite(raw ? s->raw : s->comp, 1, n, fp) != n)
        return cs_err_errno(CSRO_EIO, "%s: write error", cs_out_path(w->out));
    w->crc_all = crc32_combine(w->crc_all, s->crc, (z_off_t)s->nraw);
    w->total += s->nraw;
    s->nraw = 0;
    s->done = 0;
    return 0;
}

/* Hand the chunk being filled to the workers (or compress it here). */
static int cw_submit(cs_cw *w)
{
    cw_slot *s = &w->slots[w->fill % w->nslots];
    if (!s->nraw) return 0;
    if (!w->nth) {
        slot_compress(s, w->level);
        w->fill++;
        return cw_flush_one(w);
    }
    pthread_mutex_lock(&w->mu);
    w->fill++;
    pthread_cond_signal(&w->cv_job);
    pthread_mutex_unlock(&w->mu);
    /* the next slot must be free before the caller fills it */
    return w->fill - w->head == w->nslots ? cw_flush_one(w) : 0;
}

static void cw_free(cs_cw *w)
{
    if (w->nth) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        w->next_job = w->fill; /* drop unstarted chunks (abort) */
        pthread_cond_broadcast(&w->cv_job);
        pthread_mutex_unlock(&w->mu);
        for (int i = 0; i < w->nth; i++) pthread_join(w->th[i], NULL);
    }
    if (w->sync_ok) {
        pthread_cond_destroy(&w->cv_job);
        pthread_cond_destroy(&w->cv_done);
        pthread_mutex_destroy(&w->mu);
    }
    for (size_t i = 0; w->slots && i < w->nslots; i++) { free(w->slots[i].raw); free(w->slots[i].comp); }
    free(w->slots);
    free(w);
}

int cs_cw_open(cs_cw **wp, const char *path, const char magic[8], uint32_t version,
               const void *header, uint32_t header_len)
{
    *wp = NULL;
    cs_cw *w = calloc(1, sizeof *w);
    if (!w) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    w->level = CS_CW_LEVEL_AUTO;
    w->crc_all = crc32(0L, Z_NULL, 0);
    int rc = cs_out_open(&w->out, path);
    if (rc) { free(w); return rc; }
    unsigned char h[8];
    FILE *fp = cs_out_fp(w->out);
    cs_wr_le32(h, version);
    cs_wr_le32(h + 4, header_len);
    unsigned char c[4];
    cs_wr_le32(c, (uint32_t)crc32(0L, header, header_len));
    if (fwrite(magic, 1, 8, fp) != 8 || fwrite(h, 1, 8, fp) != 8 ||
        (header_len && fwrite(header, 1, header_len, fp) != header_len) || fwrite(c, 1, 4, fp) != 4) {
        rc = cs_err_errno(CSRO_EIO, "%s: write error", path);
        cs_cw_abort(w);
        return rc;
    }
    *wp = w;
    return 0;
}

int cs_cw_set(cs_cw *w, int level, int threads)
{
    if (w->slots) return cs_err(CSRO_EINVAL, "%s: compression settings after the first chunk", cs_out_path(w->out));
    if (level != CS_CW_LEVEL_AUTO && (level < 0 || level > 9))
        return cs_err(CSRO_EINVAL, "%s: compression level %d outside 0..9", cs_out_path(w->out), level);
    if (threads < 0) return cs_err(CSRO_EINVAL, "%s: negative thread count %d", cs_out_path(w->out), threads);
    w->level = level;
    w->nthreads = threads;
    return 0;
}

int cs_cw_write(cs_cw *w, const void *data, size_t n)
{
    const unsigned char *p = data;
    int rc;
    if (n && !w->slots && (rc = cw_start(w))) return rc;
    while (n) {
        cw_slot *s = &w->slots[w->fill % w->nslots];
        size_t k = CS_CHUNK - s->nraw;
        if (k > n) k = n;
        memcpy(s->raw + s->nraw, p, k);
        s->nraw += k; p += k; n -= k;
        if (s->nraw == CS_CHUNK && (rc = cw_submit(w))) return rc;
    }
    return 0;
}

int cs_cw_close(cs_cw *w)
{
    int rc = 0;
    if (w->slots) {
        rc = cw_submit(w);
        while (!rc && w->head < w->fill) rc = cw_flush_one(w);
    }
    if (!rc) {
        unsigned char e[20];
        cs_wr_le32(e, 0);
        cs_wr_le32(e + 4, 0);
        cs_wr_le32(e + 8, (uint32_t)w->crc_all);
        cs_wr_le64(e + 12, w->total);
        if (fwrite(e, 1, 20, cs_out_fp(w->out)) != 20)
            rc = cs_err_errno(CSRO_EIO, "%s: write error", cs_out_path(w->out));
    }
    if (rc) cs_out_abort(w->out);
    else rc = cs_out_commit(w->out);
    cw_free(w);
    return rc;
}

void cs_cw_abort(cs_cw *w)
{
    if (!w) return;
    cs_out_abort(w->out);
    cw_free(w);
}

struct cs_cr {
    FILE *fp;
    char *path;
    unsigned char *raw, *comp;
    size_t nraw, pos;
    uLong crc_all;
    uint64_t total;
    int ended;
};

static int cr_fread(cs_cr *r, void *buf, size_t n, const char *what)
{
    if (fread(buf, 1, n, r->fp) != n) {
        if (ferror(r->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", r->path);
        return cs_err(CSRO_EFORMAT, "%s: truncated file (in %s)", r->path, what);
    }
    return 0;
}

int cs_cr_open(cs_cr **rp, const char *path, const char magic[8], uint32_t *version,
               void **header, uint32_t *header_len)
{
    *rp = NULL;
    *header = NULL;
    cs_cr *r = calloc(1, sizeof *r);
    if (!r) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    r->path = strdup(path);
    r->raw = malloc(CS_CHUNK);
    r->comp = malloc(compressBound(CS_CHUNK));
    r->crc_all = crc32(0L, Z_NULL, 0);
    if (!r->path || !r->raw || !r->comp) { cs_cr_close(r); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    int rc = cs_in_open(&r->fp, path);
    if (rc) { cs_cr_close(r); return rc; }
    unsigned char h[16];
    size_t got = fread(h, 1, 16, r->fp);
    if (got == 0) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: empty file", path); }
    if (got < 8 || memcmp(h, magic, 8) != 0) {
        cs_cr_close(r);
        return cs_err(CSRO_EFORMAT, "%s: not a %.7s file (bad magic)", path, magic);
    }
    if (got < 16) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: truncated file (in header)", path); }
    *version = cs_rd_le32(h + 8);
    uint32_t hl = cs_rd_le32(h + 12);
    if (hl > (64u << 20)) { cs_cr_close(r); return cs_err(CSRO_EFORMAT, "%s: header length %u is implausible", path, hl); }
    unsigned char *hd = malloc(hl ? hl : 1), c[4];
    if (!hd) { cs_cr_close(r); return cs_err(CSRO_ENOMEM, "%s: out of memory", path); }
    if ((rc = cr_fread(r, hd, hl, "header")) || (rc = cr_fread(r, c, 4, "header"))) { free(hd); cs_cr_close(r); return rc; }
    if ((uint32_t)crc32(0L, hd, hl) != cs_rd_le32(c)) {
        free(hd); cs_cr_close(r);
        return cs_err(CSRO_ECHECKSUM, "%s: header checksum mismatch (corrupted file)", path);
    }
    *header = hd;
    *header_len = hl;
    *rp = r;
    return 0;
}

/* Load the next chunk; sets ended at the end record. */
static int cr_next(cs_cr *r)
{
    unsigned char h[12];
    int rc = cr_fread(r, h, 12, "chunk header");
    if (rc) return rc;
    uint32_t rl = cs_rd_le32(h), cl = cs_rd_le32(h + 4), crc = cs_rd_le32(h + 8);
    if (rl == 0 && cl == 0) {
        unsigned char t[8];
        if ((rc = cr_fread(r, t, 8, "end record"))) return rc;
        if ((uint32_t)r->crc_all != crc || cs_rd_le64(t) != r->total)
            return cs_err(CSRO_ECHECKSUM, "%s: payload checksum mismatch (corrupted file)", r->path);
        /* the end record ends the file (csro-formats(5)) */
        if (getc(r->fp) != EOF)
            return cs_err(CSRO_EFORMAT, "%s: bytes after the end record (corrupted or concatenated file)", r->path);
        if (ferror(r->fp)) return cs_err_errno(CSRO_EIO, "%s: read error", r->path);
        r->ended = 1;
        return 0;
    }
    if (rl > CS_CHUNK || rl == 0 || (cl != (CS_STORED | rl) && cl > compressBound(CS_CHUNK)))
        return cs_err(CSRO_EFORMAT, "%s: corrupted chunk header", r->path);
    if (cl == (CS_STORED | rl)) {
        if ((rc = cr_fread(r, r->raw, rl, "chunk"))) return rc;
    } else {
        if ((rc = cr_fread(r, r->comp, cl, "chunk"))) return rc;
        uLongf dl = CS_CHUNK;
        if (uncompress(r->raw, &dl, r->comp, cl) != Z_OK || dl != rl)
            return cs_err(CSRO_ECHECKSUM, "%s: corrupted chunk (decompression failed)", r->path);
    }
    if ((uint32_t)crc32(0L, r->raw, rl) != crc)
        return cs_err(CSRO_ECHECKSUM, "%s: chunk checksum mismatch (corrupted file)", r->path);
    r->crc_all = crc32_combine(r->crc_all, crc, (z_off_t)rl);
    r->total += rl;
    r->nraw = rl;
    r->pos = 0;
    return 0;
}

int cs_cr_read(cs_cr *r, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        if (r->pos == r->nraw) {
            if (r->ended) return cs_err(CSRO_EFORMAT, "%s: payload ends early (truncated file)", r->path);
            int rc = cr_next(r);
            if (rc) return rc;
            continue;
        }
        size_t k = r->nraw - r->pos;
        if (k > n) k = n;
        memcpy(p, r->raw + r->pos, k);
        r->pos += k; p += k; n -= k;
    }
    return 0;
}

int cs_cr_at_end(cs_cr *r)
{
    while (r->pos == r->nraw && !r->ended) {
        int rc = cr_next(r);
        if (rc) return rc;
    }
    return r->pos == r->nraw && r->ended;
}

void cs_cr_close(cs_cr *r)
{
    if (!r) return;
    cs_in_close(r->fp);
    free(r->path); free(r->raw); free(r->comp); free(r);
}

const char *cs_cr_path(const cs_cr *r) { return r->path; }
