/* recon_apt.c: AP Suite 6 ".apt" reader (little-endian).
 *
 * File header (540 bytes): char cSignature[4] = "APT\0", int32 iHeaderSize
 * (540), int32 iHeaderVersion (2), uint16 wcFilename[256] (UTF-16),
 * uint64 ftCreationTime (FILETIME), uint64 llIonCount.
 * Then sections until the end of the file, each a 148-byte header
 * char cSignature[4] = "SEC\0", int32 iHeaderSize, int32 iHeaderVersion,
 * uint16 wcSectionType[32], int32 iSectionVersion, uint32
 * eRelationshipType, uint32 eRecordType, uint32 eRecordDataType, int32
 * iDataTypeSize (bits), int32 iRecordSize (bytes), uint16 wcDataUnit[16],
 * uint64 llRecordCount, uint64 llByteCount, then iHeaderSize - 148 extra
 * header bytes (Position: six float32 bounds), then llByteCount data bytes.
 * The sections are read in order without seeking back, so pipes work. */
#include "recon_impl.h"
#include <inttypes.h>
#include <stdlib.h>

#define APT_FILE_HEADER 540
#define APT_SEC_HEADER 148
#define APT_BLOCK (4u << 20)

/* UTF-16LE (n units, NUL-terminated or not) to UTF-8 in out (cap bytes). */
static void utf16_to_utf8(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (!c) break;
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
            uint32_t c2 = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (c2 >= 0xdc00 && c2 < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00); i++; }
            else c = 0xfffd;
        } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        unsigned char b[4];
        size_t k;
        if (c < 0x80) { b[0] = (unsigned char)c; k = 1; }
        else if (c < 0x800) { b[0] = (unsigned char)(0xc0 | c >> 6); b[1] = (unsigned char)(0x80 | (c & 0x3f)); k = 2; }
        else if (c < 0x10000) { b[0] = (unsigned char)(0xe0 | c >> 12); b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)); b[2] = (unsigned char)(0x80 | (c & 0x3f)); k = 3; }
        else { b[0] = (unsigned char)(0xf0 | c >> 18); b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f)); b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)); b[3] = (unsigned char)(0x80 | (c & 0x3f)); k = 4; }
        if (o + k + 1 > cap) break;
        memcpy(out + o, b, k);
        o += k;
    }
    out[o] = 0;
}

/* CSRO_FIELD_* for an APT data type (1 int, 2 uint, 3 float) and bit size. */
static int field_type(uint32_t dtype, int32_t bits)
{
    if (dtype == 1) return bits == 8 ? CSRO_FIELD_I8 : bits == 16 ? CSRO_FIELD_I16 : bits == 32 ? CSRO_FIELD_I32 : bits == 64 ? CSRO_FIELD_I64 : 0;
    if (dtype == 2) return bits == 8 ? CSRO_FIELD_U8 : bits == 16 ? CSRO_FIELD_U16 : bits == 32 ? CSRO_FIELD_U32 : bits == 64 ? CSRO_FIELD_U64 : 0;
    if (dtype == 3) return bits == 32 ? CSRO_FIELD_F32 : bits == 64 ? CSRO_FIELD_F64 : 0;
    return 0;
}

/* Read count little-endian elements of es bytes into dst (host order). */
static int read_le(cs_rin *in, void *dst, uint64_t bytes, size_t es, const char *sec)
{
    unsigned char *d = dst;
    uint64_t left = bytes;
    while (left) {
        size_t k = left > APT_BLOCK ? APT_BLOCK : (size_t)left;
        if (cs_rin_read(in, d, k) != k) {
            char what[320];
            snprintf(what, sizeof what, "'%s' section data", sec);
            return cs_rin_short(in, what);
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (size_t i = 0; i + es <= k; i += es)
            for (size_t a = 0; a < es / 2; a++) { unsigned char t = d[i + a]; d[i + a] = d[i + es - 1 - a]; d[i + es - 1 - a] = t; }
#else
        (void)es;
#endif
        d += k;
        left -= k;
        int rc = cs_rin_progress(in);
        if (rc) return rc;
    }
    return 0;
}

/* Position: n records of 3 little-endian float32 -> x, y, z. */
static int read_positions(cs_rin *in, csro_recon *r)
{
    unsigned char *buf = malloc(APT_BLOCK);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", in->path);
    size_t per = APT_BLOCK / 12, i = 0;
    int rc = 0;
    while (i < r->n) {
        size_t nr = r->n - i < per ? r->n - i : per;
        if (cs_rin_read(in, buf, nr * 12) != nr * 12) { rc = cs_rin_short(in, "'Position' section data"); break; }
        for (size_t j = 0; j < nr; j++) {
            const unsigned char *p = buf + 12 * j;
            r->x[i + j] = cs_u2f(cs_rd_le32(p));
            r->y[i + j] = cs_u2f(cs_rd_le32(p + 4));
            r->z[i + j] = cs_u2f(cs_rd_le32(p + 8));
        }
        i += nr;
        if ((rc = cs_rin_progress(in))) break;
    }
    free(buf);
    return rc;
}

int cs_recon_read_apt(csro_recon *r, cs_rin *in, const csro_load_opts *o)
{
    unsigned char h[APT_FILE_HEADER];
    size_t got = cs_rin_read(in, h, sizeof h);
    if (got >= 4 && memcmp(h, "APT\0", 4))
        return cs_err(CSRO_EFORMAT, "%s: not an APT file (no \"APT\\0\" signature)", in->path);
    if (got < sizeof h) return cs_rin_short(in, "APT file header (540 bytes)");
    int32_t hsize = (int32_t)cs_rd_le32(h + 4), hver = (int32_t)cs_rd_le32(h + 8);
    if (hsize < APT_FILE_HEADER)
        return cs_err(CSRO_EUNSUPPORTED, "%s: APT header size %d (expected 540)", in->path, (int)hsize);
    if (hver != 2)
        return cs_err(CSRO_EUNSUPPORTED, "%s: APT header version %d (only 2 is supported)", in->path, (int)hver);
    char fname[1024], tmp[64];
    utf16_to_utf8(h + 12, 256, fname, sizeof fname);
    uint64_t ctime = cs_rd_le64(h + 524), nion = cs_rd_le64(h + 532);
    int rc = 0;
    snprintf(tmp, sizeof tmp, "%d", (int)hsize);
    rc = rc ? rc : cs_recon_add_meta(r, "apt.header_size", tmp);
    snprintf(tmp, sizeof tmp, "%d", (int)hver);
    rc = rc ? rc : cs_recon_add_meta(r, "apt.header_version", tmp);
    rc = rc ? rc : cs_recon_add_meta(r, "apt.filename", fname);
    snprintf(tmp, sizeof tmp, "%" PRIu64, ctime);
    rc = rc ? rc : cs_recon_add_meta(r, "apt.creation_time", tmp);
    snprintf(tmp, sizeof tmp, "%" PRIu64, nion);
    rc = rc ? rc : cs_recon_add_meta(r, "apt.ion_count", tmp);
    if (rc) return rc;
    if (hsize > APT_FILE_HEADER && cs_rin_skip(in, (uint64_t)(hsize - APT_FILE_HEADER)))
        return cs_rin_short(in, "APT file header");
    if (!nion) return cs_err(CSRO_EFORMAT, "%s: APT header says the file holds no ions", in->path);
    if (in->size_known && nion > in->size / 4)
        return cs_err(CSRO_EFORMAT, "%s: APT header ion count %" PRIu64 " does not fit a file of %" PRIu64 " bytes",
                      in->path, nion, in->size);
    if (nion > SIZE_MAX / 16) return cs_err(CSRO_ENOMEM, "%s: too many ions", in->path);
    size_t n = (size_t)nion;
    r->n = n;
    int have_pos = 0, have_mass = 0;
    for (;;) {
        unsigned char s[APT_SEC_HEADER];
        uint64_t off = in->pos;
        got = cs_rin_read(in, s, sizeof s);
        if (!got && !in->ioerr) break; /* clean end of file */
        if (got < 4 || memcmp(s, "SEC\0", 4)) {
            if (got >= 4)
                return cs_err(CSRO_EFORMAT, "%s: no \"SEC\\0\" signature at byte %" PRIu64 " (corrupt section list)", in->path, off);
            return cs_rin_short(in, "APT section header");
        }
        if (got < sizeof s) return cs_rin_short(in, "APT section header");
        char name[200], unit[100];
        utf16_to_utf8(s + 12, 32, name, sizeof name);
        utf16_to_utf8(s + 100, 16, unit, sizeof unit);
        int64_t p[CS_SEC_NPARAM] = {0};
        p[CSRO_SEC_HEADER_SIZE] = (int32_t)cs_rd_le32(s + 4);
        p[CSRO_SEC_HEADER_VERSION] = (int32_t)cs_rd_le32(s + 8);
        p[CSRO_SEC_VERSION] = (int32_t)cs_rd_le32(s + 76);
        p[CSRO_SEC_RELATIONSHIP] = cs_rd_le32(s + 80);
        p[CSRO_SEC_RECORD_TYPE] = cs_rd_le32(s + 84);
        p[CSRO_SEC_DATA_TYPE] = cs_rd_le32(s + 88);
        p[CSRO_SEC_TYPE_BITS] = (int32_t)cs_rd_le32(s + 92);
        p[CSRO_SEC_RECORD_SIZE] = (int32_t)cs_rd_le32(s + 96);
        uint64_t rcount = cs_rd_le64(s + 132), bcount = cs_rd_le64(s + 140);
        p[CSRO_SEC_RECORD_COUNT] = (int64_t)rcount;
        p[CSRO_SEC_BYTE_COUNT] = (int64_t)bcount;
        p[CSRO_SEC_OFFSET] = (int64_t)off;
        p[CSRO_SEC_FIELD] = -1;
        int64_t shs = p[CSRO_SEC_HEADER_SIZE];
        if (shs < APT_SEC_HEADER || shs > (1 << 20))
            return cs_err(CSRO_EFORMAT, "%s: section '%s' at byte %" PRIu64 ": header size %" PRId64 " (at least 148)", in->path, name, off, shs);
        if (in->size_known && (bcount > in->size || off + (uint64_t)shs + bcount > in->size))
            return cs_err(CSRO_EFORMAT, "%s: truncated: section '%s' at byte %" PRIu64 " needs %" PRIu64 " data bytes, file has %" PRIu64,
                          in->path, name, off, bcount, in->size);
        /* extra header bytes (Position: six float32 bounds) */
        size_t extra = (size_t)(shs - APT_SEC_HEADER);
        if (extra) {
            unsigned char eb[24];
            size_t k = extra < sizeof eb ? extra : sizeof eb;
            if (cs_rin_read(in, eb, k) != k || (extra > k && cs_rin_skip(in, extra - k)))
                return cs_rin_short(in, "APT section header");
            if (!strcmp(name, "Position") && extra >= 24 && !csro_recon_meta(r, "apt.position_bounds")) {
                char b[256];
                int w = 0;
                for (int i = 0; i < 6; i++)
                    w += snprintf(b + w, sizeof b - (size_t)w, "%s%.9g", i ? " " : "", cs_u2f(cs_rd_le32(eb + 4 * i)));
                if ((rc = cs_recon_add_meta(r, "apt.position_bounds", b))) return rc;
            }
        }
        int ft = field_type((uint32_t)p[CSRO_SEC_DATA_TYPE], (int32_t)p[CSRO_SEC_TYPE_BITS]);
        size_t es = csro_field_type_size(ft);
        int64_t rsz = p[CSRO_SEC_RECORD_SIZE];
        int plain = p[CSRO_SEC_RELATIONSHIP] == 1 && p[CSRO_SEC_RECORD_TYPE] == 1 && ft && rsz > 0 &&
                    rsz <= 4096 * (int64_t)es && rsz % (int64_t)es == 0;
        if (plain && (uint64_t)n > (uint64_t)(SIZE_MAX / 2) / (uint64_t)rsz) plain = 0; /* n x record size must fit */
        uint64_t need = plain ? (uint64_t)n * (uint64_t)rsz : 0;
        int is_pos = !strcmp(name, "Position"), is_mass = !strcmp(name, "Mass");
        if (is_pos || is_mass) {
            if ((is_pos && have_pos) || (is_mass && have_mass))
                return cs_err(CSRO_EFORMAT, "%s: duplicate '%s' section at byte %" PRIu64, in->path, name, off);
            if (!plain || ft != CSRO_FIELD_F32 || rsz != (is_pos ? 12 : 4))
                return cs_err(CSRO_EUNSUPPORTED, "%s: '%s' section is not %s float32 records one per ion "
                              "(relationship %" PRId64 ", record type %" PRId64 ", data type %" PRId64 ", %" PRId64 " bits, record size %" PRId64 ")",
                              in->path, name, is_pos ? "3 x" : "1 x", p[CSRO_SEC_RELATIONSHIP], p[CSRO_SEC_RECORD_TYPE],
                              p[CSRO_SEC_DATA_TYPE], p[CSRO_SEC_TYPE_BITS], rsz);
            if (rcount != nion)
                return cs_err(CSRO_EFORMAT, "%s: '%s' section has %" PRIu64 " records, the header says %" PRIu64 " ions", in->path, name, rcount, nion);
            if (bcount < need)
                return cs_err(CSRO_EFORMAT, "%s: '%s' section byte count %" PRIu64 " is less than %" PRIu64 " records x %" PRId64 " bytes",
                              in->path, name, bcount, rcount, rsz);
            p[CSRO_SEC_FIELD] = -2;
            if ((rc = cs_recon_add_section(r, name, unit, p)) < 0) return rc;
            if (!o->meta_only) {
                if (is_pos) {
                    if (!(r->x = cs_recon_alloc(n * 4)) || !(r->y = cs_recon_alloc(n * 4)) || !(r->z = cs_recon_alloc(n * 4)))
                        return cs_err(CSRO_ENOMEM, "%s: out of memory for %zu ions", in->path, n);
                    if ((rc = read_positions(in, r))) return rc;
                } else {
                    if (!(r->m = cs_recon_alloc(n * 4))) return cs_err(CSRO_ENOMEM, "%s: out of memory for %zu ions", in->path, n);
                    if ((rc = read_le(in, r->m, need, 4, name))) return rc;
                }
                if (bcount > need && cs_rin_skip(in, bcount - need)) return cs_rin_short(in, "APT section data");
            } else if (cs_rin_skip(in, bcount)) return cs_rin_short(in, "APT section data");
            if (is_pos) have_pos = 1; else have_mass = 1;
            continue;
        }
        int keep = plain && rcount == nion && bcount >= need && csro_recon_field_index(r, name) < 0;
        cs_err_clear();
        if (keep) p[CSRO_SEC_FIELD] = (int64_t)r->nf;
        if ((rc = cs_recon_add_section(r, name, unit, p)) < 0) return rc;
        if (keep) {
            void *d = NULL;
            if (!o->meta_only) {
                if (!(d = cs_recon_alloc((size_t)need))) return cs_err(CSRO_ENOMEM, "%s: out of memory for section '%s'", in->path, name);
                if ((rc = read_le(in, d, need, es, name))) { free(d); return rc; }
                if (bcount > need && cs_rin_skip(in, bcount - need)) { free(d); return cs_rin_short(in, "APT section data"); }
            } else if (cs_rin_skip(in, bcount)) return cs_rin_short(in, "APT section data");
            if ((rc = cs_recon_add_field_own(r, name, ft, (size_t)rsz / es, unit, d))) return rc;
        } else if (cs_rin_skip(in, bcount)) {
            char what[320];
            snprintf(what, sizeof what, "'%s' section data", name);
            return cs_rin_short(in, what);
        }
    }
    if (in->ioerr) return cs_rin_short(in, "APT section");
    if (!have_pos) return cs_err(CSRO_EFORMAT, "%s: no 'Position' section (x, y, z) in the APT file", in->path);
    if (!have_mass) return cs_err(CSRO_EFORMAT, "%s: no 'Mass' section (mass-to-charge) in the APT file", in->path);
    return 0;
}
