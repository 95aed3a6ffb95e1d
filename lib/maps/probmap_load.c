/* probmap_load.c: the CSRO map of one class of a .prob file, or of the
 * part files of one grid (apt-voxelize --part K/N). */
#include "base/internal.h"
#include "probmap_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_BLOCK 4096

/* Class index from a name, a decimal index or NULL (the class the map
 * rule names, else the 2-class default). */
int cs_probmap_find_class(size_t *ci, const csro_zsdm_meta *meta, const char *cls, const char *path)
{
    size_t nc = csro_zsdm_meta_nclasses(meta);
    if (!cls) cls = csro_zsdm_meta_text(meta, "map.class");
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

int cs_probmap_voxels_alloc(float **pm, float **ps, size_t count, const char *what)
{
    *pm = malloc((count ? count : 1) * sizeof **pm);
    if (ps) *ps = malloc((count ? count : 1) * sizeof **ps);
    if (!*pm || (ps && !*ps)) {
        free(*pm);
        *pm = NULL;
        if (ps) { free(*ps); *ps = NULL; }
        return cs_err(CSRO_ENOMEM, "%s: out of memory", what);
    }
    for (size_t i = 0; i < count; i++) {
        (*pm)[i] = NAN;
        if (ps) (*ps)[i] = NAN;
    }
    return 0;
}

int cs_probmap_scatter(float *pm, float *ps, size_t count, size_t n, const uint64_t *index,
                       const uint32_t *flags, const float *mean, const float *std, size_t nc, size_t ci,
                       const char *what)
{
    for (size_t t = 0; t < n; t++) {
        if (index[t] >= count)
            return cs_err(CSRO_EFORMAT, "%s: voxel index %llu is outside the grid of %zu voxels", what,
                          (unsigned long long)index[t], count);
        int nd = flags && (flags[t] & CSRO_ROW_NODATA) != 0;
        pm[index[t]] = nd ? NAN : mean[t * nc + ci];
        if (ps) ps[index[t]] = nd ? NAN : std[t * nc + ci];
    }
    return 0;
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

/* The map.* texts (the model's map rule) of b are those of a. */
static int same_rule(const csro_zsdm_meta *a, const csro_zsdm_meta *b)
{
    for (int pass = 0; pass < 2; pass++) {
        const csro_zsdm_meta *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0, n = csro_zsdm_meta_ntexts(x); i < n; i++) {
            const char *k = csro_zsdm_meta_text_key(x, i);
            if (strncmp(k, "map.", 4)) continue;
            const char *u = csro_zsdm_meta_text(x, k), *v = csro_zsdm_meta_text(y, k);
            if (!v || strcmp(u, v)) return 0;
        }
    }
    return 1;
}

/* Part file path must describe the same grid, pair, classes and map rule
 * as the first (p0). */
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
    if (!same_rule(m0, m))
        return cs_err(CSRO_EMISMATCH, "%s: its map rule (map.* texts) differs from %s's (classify every part "
                      "with the same model)", path, p0);
    return 0;
}

int cs_probmap_read_voxels(const char *const *paths, size_t npaths, const char *cls, float **mean_out,
                           float **std_out, size_t *ci_out, csro_zsdm_meta **meta_out)
{
    *mean_out = NULL;
    if (std_out) *std_out = NULL;
    *meta_out = NULL;
    if (!paths || !npaths || !paths[0]) return cs_err(CSRO_EINVAL, "probmap: no input file");
    csro_prob_reader *r0 = NULL, *r = NULL;
    const char *path = paths[0];
    int rc = csro_prob_reader_open(&r0, path);
    if (rc) return rc;
    const csro_zsdm_meta *meta = csro_prob_reader_meta(r0);
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    size_t nc = csro_zsdm_meta_nclasses(meta), ci = 0, count = 0;
    float *pm = NULL, *ps = NULL, *mean = NULL, *std = NULL;
    uint64_t *index = NULL;
    uint32_t *flags = NULL;
    uint16_t *seen = NULL; /* parts: 1 + the file that holds each voxel */
    if (!g) { rc = cs_err(CSRO_EFORMAT, "%s: no voxel grid in the header", path); goto done; }
    if ((rc = cs_probmap_find_class(&ci, meta, cls, path))) goto done;
    count = csro_grid_count(g);
    if ((rc = cs_probmap_voxels_alloc(&pm, std_out ? &ps : NULL, count, path))) goto done;
    mean = malloc(LOAD_BLOCK * nc * sizeof *mean);
    std = malloc(LOAD_BLOCK * nc * sizeof *std);
    index = malloc(LOAD_BLOCK * sizeof *index);
    flags = malloc(LOAD_BLOCK * sizeof *flags);
    if (npaths > 1) seen = calloc(count ? count : 1, sizeof *seen);
    if (!mean || !std || !index || !flags || (npaths > 1 && !seen)) {
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t f = 0; f < npaths; f++) {
        if (f) {
            path = paths[f];
            csro_prob_reader_close(r);
            r = NULL;
            if (!path) { rc = cs_err(CSRO_EINVAL, "probmap: NULL part path"); goto done; }
            if ((rc = csro_prob_reader_open(&r, path)) ||
                (rc = same_part(meta, csro_prob_reader_meta(r), paths[0], path)))
                goto done;
        }
        csro_prob_reader *cur = f ? r : r0;
        uint16_t tag = (uint16_t)(f + 1 > UINT16_MAX ? UINT16_MAX : f + 1);
        for (;;) {
            size_t n;
            if ((rc = csro_prob_reader_read(cur, LOAD_BLOCK, index, flags, mean, std, &n))) goto done;
            if (!n) break;
            if ((rc = cs_probmap_scatter(pm, ps, count, n, index, flags, mean, std, nc, ci, path))) goto done;
            for (size_t t = 0; seen && t < n; t++) { /* in the grid: checked by the scatter */
                uint16_t s = seen[index[t]];
                if (s && s != tag) {
                    rc = cs_err(CSRO_EMISMATCH, "%s: voxel %llu is also in %s (parts must not overlap)", path,
                                (unsigned long long)index[t], paths[s - 1]);
                    goto done;
                }
                seen[index[t]] = tag;
            }
        }
    }
    if (!(*meta_out = csro_zsdm_meta_clone(meta))) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", paths[0]); goto done; }
    *mean_out = pm;
    pm = NULL;
    if (std_out) { *std_out = ps; ps = NULL; }
    if (ci_out) *ci_out = ci;
done:
    free(pm); free(ps); free(mean); free(std); free(index); free(flags); free(seen);
    csro_prob_reader_close(r);
    csro_prob_reader_close(r0);
    return rc;
}

void cs_probmap_set_label(csro_probmap *m, const csro_zsdm_meta *meta, size_t ci, int std)
{
    const char *a = csro_zsdm_meta_pair(meta, 0), *b = csro_zsdm_meta_pair(meta, 1);
    if (a && b && *a)
        snprintf(m->label, sizeof m->label, "%s-%s %s%s", a, b, csro_zsdm_meta_class(meta, ci), std ? " std" : "");
    else
        snprintf(m->label, sizeof m->label, "%s%s", csro_zsdm_meta_class(meta, ci), std ? " std" : "");
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
    if (field != CSRO_PROBMAP_MEANS && field != CSRO_PROBMAP_STDS)
        return cs_err(CSRO_EINVAL, "probmap: unknown field %d (0 = means, 1 = stds)", field);
    float *mean, *std = NULL;
    size_t ci;
    csro_zsdm_meta *meta;
    int rc = cs_probmap_read_voxels(paths, npaths, cls, &mean, field == CSRO_PROBMAP_STDS ? &std : NULL, &ci, &meta);
    if (rc) return rc;
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    float *prob = field == CSRO_PROBMAP_STDS ? std : mean;
    rc = csro_probmap_new(out, g, prob, csro_grid_count(g), mode);
    if (!rc) cs_probmap_set_label(*out, meta, ci, field == CSRO_PROBMAP_STDS);
    free(mean);
    free(std);
    csro_zsdm_meta_free(meta);
    return rc;
}
