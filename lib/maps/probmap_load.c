/* probmap_load.c: the CSRO map of one class of a .prob file. */
#include "base/internal.h"
#include "probmap_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define LOAD_BLOCK 4096

/* Class index from a name, a decimal index or NULL (2-class default). */
static int find_class(size_t *ci, const csro_zsdm_meta *meta, const char *cls, const char *path)
{
    size_t nc = csro_zsdm_meta_nclasses(meta);
    if (!cls) {
        if (nc == 2) { *ci = 1; return 0; }
        return cs_err(CSRO_EINVAL, "%s: %zu classes: name the CSRO class", path, nc);
    }
    for (size_t c = 0; c < nc; c++)
        if (!strcmp(csro_zsdm_meta_class(meta, c), cls)) { *ci = c; return 0; }
    char *end;
    errno = 0;
    unsigned long v = strtoul(cls, &end, 10);
    if (*cls >= '0' && *cls <= '9' && !*end && !errno && v < nc) { *ci = v; return 0; }
    char names[256] = "";
    for (size_t c = 0; c < nc; c++) {
        size_t k = strlen(names);
        snprintf(names + k, sizeof names - k, "%s%s", c ? ", " : "", csro_zsdm_meta_class(meta, c));
    }
    return cs_err(CSRO_ENOTFOUND, "%s: no class '%s' (classes: %s)", path, cls, names);
}

/* The grids of two part files are the same grid (bit-identical numbers). */
static int same_grid(const csro_grid *a, const csro_grid *b)
{
    size_t da[3], db[3];
    double la[3], lb[3], ha[3], hb[3];
    csro_grid_dims(a, da); csro_grid_dims(b, db);
    csro_grid_lo(a, la); csro_grid_lo(b, lb);
    csro_grid_hi(a, ha); csro_grid_hi(b, hb);
    return !memcmp(da, db, sizeof da) && !memcmp(la, lb, sizeof la) && !memcmp(ha, hb, sizeof ha) &&
           csro_grid_voxel(a) == csro_grid_voxel(b) && csro_grid_stride(a) == csro_grid_stride(b) &&
           csro_grid_shape(a) == csro_grid_shape(b);
}

/* Part file k must describe the same grid, pair and classes as the first. */
static int same_part(const csro_zsdm_meta *m0, const csro_zsdm_meta *m, const char *p0, const char *path)
{
    const csro_grid *g0 = csro_zsdm_meta_grid(m0), *g = csro_zsdm_meta_grid(m);
    if (!g) return cs_err(CSRO_EFORMAT, "%s: no voxel grid in the header", path);
    if (!same_grid(g0, g))
        return cs_err(CSRO_EMISMATCH, "%s: its voxel grid differs from %s's (parts must come from one grid)", path, p0);
    size_t nc = csro_zsdm_meta_nclasses(m0);
    int same = nc == csro_zsdm_meta_nclasses(m);
    for (size_t c = 0; same && c < nc; c++) same = !strcmp(csro_zsdm_meta_class(m0, c), csro_zsdm_meta_class(m, c));
    if (!same) return cs_err(CSRO_EMISMATCH, "%s: its classes differ from %s's", path, p0);
    for (int k = 0; k < 2; k++) {
        const char *a = csro_zsdm_meta_pair(m0, k), *b = csro_zsdm_meta_pair(m, k);
        if (strcmp(a ? a : "", b ? b : ""))
            return cs_err(CSRO_EMISMATCH, "%s: its species pair differs from %s's", path, p0);
    }
    return 0;
}

int csro_probmap_load(csro_probmap **out, const char *path, const char *cls, int field, int mode)
{
    return csro_probmap_load_parts(out, &path, 1, cls, field, mode);
}

int csro_probmap_load_parts(csro_probmap **out, const char *const *paths, size_t npaths, const char *cls,
                            int field, int mode)
{
    if (!out) return cs_err(CSRO_EINVAL, "probmap: NULL output");
    *out = NULL;
    if (!paths || !npaths) return cs_err(CSRO_EINVAL, "probmap: no input file");
    if (field != CSRO_PROBMAP_MEANS && field != CSRO_PROBMAP_STDS)
        return cs_err(CSRO_EINVAL, "probmap: unknown field %d (0 = means, 1 = stds)", field);
    csro_prob_reader *r0 = NULL, *r = NULL;
    const char *path = paths[0];
    int rc = csro_prob_reader_open(&r0, path);
    if (rc) return rc;
    const csro_zsdm_meta *meta = csro_prob_reader_meta(r0);
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    size_t nc = csro_zsdm_meta_nclasses(meta), ci = 0, count = 0;
    float *prob = NULL, *mean = NULL, *std = NULL;
    uint64_t *index = NULL;
    uint32_t *flags = NULL;
    uint8_t *seen = NULL;
    if (!g) { rc = cs_err(CSRO_EFORMAT, "%s: no voxel grid in the header", path); goto done; }
    if ((rc = find_class(&ci, meta, cls, path))) goto done;
    count = csro_grid_count(g);
    prob = malloc((count ? count : 1) * sizeof *prob);
    mean = malloc(LOAD_BLOCK * nc * sizeof *mean);
    std = malloc(LOAD_BLOCK * nc * sizeof *std);
    index = malloc(LOAD_BLOCK * sizeof *index);
    flags = malloc(LOAD_BLOCK * sizeof *flags);
    seen = npaths > 1 ? calloc(count ? count : 1, 1) : NULL;
    if (!prob || !mean || !std || !index || !flags || (npaths > 1 && !seen)) {
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < count; i++) prob[i] = NAN;
    for (size_t f = 0; f < npaths; f++) {
        if (f) {
            path = paths[f];
            csro_prob_reader_close(r);
            r = NULL;
            if ((rc = csro_prob_reader_open(&r, path)) ||
                (rc = same_part(meta, csro_prob_reader_meta(r), paths[0], path)))
                goto done;
        }
        csro_prob_reader *cur = f ? r : r0;
        for (;;) {
            size_t n;
            if ((rc = csro_prob_reader_read(cur, LOAD_BLOCK, index, flags, mean, std, &n))) goto done;
            if (!n) break;
            for (size_t t = 0; t < n; t++) {
                if (index[t] >= count) {
                    rc = cs_err(CSRO_EFORMAT, "%s: voxel index %llu is outside the grid of %zu voxels",
                                path, (unsigned long long)index[t], count);
                    goto done;
                }
                if (seen) {
                    if (seen[index[t]] && seen[index[t]] != f + 1)
                        { rc = cs_err(CSRO_EMISMATCH, "%s: voxel %llu is also in %s (parts must not overlap)", path,
                                      (unsigned long long)index[t], paths[seen[index[t]] - 1]); goto done; }
                    seen[index[t]] = (uint8_t)(f + 1 > 255 ? 255 : f + 1);
                }
                prob[index[t]] = (flags[t] & CSRO_ROW_NODATA) ? NAN
                               : field == CSRO_PROBMAP_STDS ? std[t * nc + ci] : mean[t * nc + ci];
            }
        }
    }
    if ((rc = csro_probmap_new(out, g, prob, count, mode))) goto done;
    const char *a = csro_zsdm_meta_pair(meta, 0), *b = csro_zsdm_meta_pair(meta, 1);
    if (a && b && *a)
        snprintf((*out)->label, sizeof (*out)->label, "%s-%s %s%s", a, b, csro_zsdm_meta_class(meta, ci),
                 field == CSRO_PROBMAP_STDS ? " std" : "");
    else
        snprintf((*out)->label, sizeof (*out)->label, "%s%s", csro_zsdm_meta_class(meta, ci),
                 field == CSRO_PROBMAP_STDS ? " std" : "");
done:
    free(prob); free(mean); free(std); free(index); free(flags); free(seen);
    csro_prob_reader_close(r);
    csro_prob_reader_close(r0);
    return rc;
}
