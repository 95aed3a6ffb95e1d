/* recon_ato.c: ATO reader (GPM Rouen / LAWATAP reconstructions,
 * little-endian), versions 3 and 5, after the public descriptions of the
 * format (ifes_apt_tc_data_modeling, Zenodo record 8382828; csro-ato(5)):
 *
 *  v3: 8-byte header, uint32 at bytes 4..7 = 3; then 56-byte records of
 *      14 float32: x, y, z (angstrom), mass-to-charge (Da), then cluster
 *      id, pulse number, DC voltage, time of flight, detector x and y,
 *      pulse voltage, virtual voltage, two Fourier intensities (skipped).
 *  v5: 5000-byte header, uint32 at bytes 4..7 = 5; then 40-byte records:
 *      int16 x and y (units of 0.01 nm), float32 z (angstrom) at byte 4,
 *      float32 mass-to-charge (Da) at byte 8, 28 further bytes (skipped).
 * Positions are returned in nm. */
#include "recon_impl.h"
#include <stdlib.h>

#define ATO_BLOCK (4u << 20)

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float lef(const unsigned char *p) { return cs_u2f(le32(p)); }

static float le16s(const unsigned char *p) { return (float)(int16_t)(uint16_t)(p[0] | p[1] << 8); }

int cs_recon_read_ato(csro_recon *r, cs_rin *in, const csro_load_opts *o)
{
    unsigned char head[8];
    if (cs_rin_read(in, head, 8) != 8) return cs_rin_short(in, "ATO header");
    uint32_t version = le32(head + 4);
    size_t hdr, rec;
    if (version == 3) { hdr = 8; rec = 56; }
    else if (version == 5) { hdr = 5000; rec = 40; }
    else
        return cs_err(CSRO_EFORMAT, "%s: ATO version %u (bytes 4-7) is not supported: versions 3 and 5 are read; "
                      "is it an ATO file?", in->path, (unsigned)version);
    if (hdr > 8 && cs_rin_skip(in, hdr - 8)) return cs_err(CSRO_EFORMAT, "%s: ATO v5 header truncated (%zu bytes expected)", in->path, hdr);
    size_t cap = 0;
    if (in->size_known) {
        if (in->size < hdr || (in->size - hdr) % rec)
            return cs_err(CSRO_EFORMAT, "%s: size %llu is not a %zu-byte header plus %zu-byte ATO v%u records: truncated, or not an ATO file",
                          in->path, (unsigned long long)in->size, hdr, rec, (unsigned)version);
        cap = (size_t)((in->size - hdr) / rec);
        if (!cap) return cs_err(CSRO_EFORMAT, "%s: ATO file without ions", in->path);
    }
    char ver[8];
    snprintf(ver, sizeof ver, "%u", (unsigned)version);
    int rc = cs_recon_add_meta(r, "ato_version", ver);
    if (rc) return rc;
    if (o->meta_only && in->size_known) { r->n = cap; return 0; }
    size_t n = 0, blk = ATO_BLOCK / rec * rec, have = 0; /* have: allocated ions */
    float *col[4] = {0};
    unsigned char *buf = malloc(blk);
    if (!buf) return cs_err(CSRO_ENOMEM, "%s: out of memory", in->path);
    for (;;) {
        size_t got = cs_rin_read(in, buf, blk);
        if (in->ioerr) { rc = cs_rin_short(in, "ATO record"); break; }
        if (!got) break;
        if (got % rec) {
            rc = cs_err(CSRO_EFORMAT, "%s: ATO v%u data end inside a %zu-byte record: truncated", in->path, (unsigned)version, rec);
            break;
        }
        size_t nr = got / rec;
        if (n + nr > have) {
            size_t nc = have ? have : cap ? cap : (1u << 16);
            while (nc < n + nr) nc += nc / 2;
            for (int c = 0; c < 4 && !rc; c++) {
                float *p = realloc(col[c], nc * sizeof *p);
                if (!p) rc = cs_err(CSRO_ENOMEM, "%s: out of memory for %zu ions", in->path, nc);
                else col[c] = p;
            }
            if (rc) break;
            have = nc;
        }
        for (size_t j = 0; j < nr; j++) {
            const unsigned char *p = buf + rec * j;
            if (version == 3) {
                col[0][n + j] = lef(p) * 0.1f;
                col[1][n + j] = lef(p + 4) * 0.1f;
                col[2][n + j] = lef(p + 8) * 0.1f;
                col[3][n + j] = lef(p + 12);
            } else {
                col[0][n + j] = le16s(p) * 0.01f;
                col[1][n + j] = le16s(p + 2) * 0.01f;
                col[2][n + j] = lef(p + 4) * 0.1f;
                col[3][n + j] = lef(p + 8);
            }
        }
        n += nr;
        if ((rc = cs_rin_progress(in))) break;
        if (got < blk) break;
    }
    free(buf);
    if (!rc && !n) rc = cs_err(CSRO_EFORMAT, "%s: ATO file without ions", in->path);
    if (rc) {
        for (int c = 0; c < 4; c++) free(col[c]);
        return rc;
    }
    r->n = n;
    r->x = col[0];
    r->y = col[1];
    r->z = col[2];
    r->m = col[3];
    return 0;
}
