/* probmap_load.c: the CSRO map of one class of a .prob file. */
#include "base/internal.h"
#include "probmap_impl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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

int cs_probmap_read_voxels(const char *path, const char *cls, float **mean_out, float **std_out,
                           size_t *ci_out, csro_zsdm_meta **meta_out)
{
    *mean_out = NULL;
    if (std_out) *std_out = NULL;
    *meta_out = NULL;
    csro_prob_reader *r;
    int rc = csro_prob_reader_open(&r, path);
    if (rc) return rc;
    const csro_zsdm_meta *meta = csro_prob_reader_meta(r);
    const csro_grid *g = csro_zsdm_meta_grid(meta);
    size_t nc = csro_zsdm_meta_nclasses(meta), ci = 0;
    float *pm = NULL, *ps = NULL, *mean = NULL, *std = NULL;
    uint64_t *index = NULL;
    uint32_t *flags = NULL;
    if (!g) { rc = cs_err(CSRO_EFORMAT, "%s: no voxel grid in the header", path); goto done; }
    if ((rc = cs_probmap_find_class(&ci, meta, cls, path))) goto done;
    size_t count = csro_grid_count(g);
    if ((rc = cs_probmap_voxels_alloc(&pm, std_out ? &ps : NULL, count, path))) goto done;
    mean = malloc(LOAD_BLOCK * nc * sizeof *mean);
    std = malloc(LOAD_BLOCK * nc * sizeof *std);
    index = malloc(LOAD_BLOCK * sizeof *index);
    flags = malloc(LOAD_BLOCK * sizeof *flags);
    if (!mean || !std || !index || !flags) {
        rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        size_t n;
        if ((rc = csro_prob_reader_read(r, LOAD_BLOCK, index, flags, mean, std, &n))) goto done;
        if (!n) break;
        if ((rc = cs_probmap_scatter(pm, ps, count, n, index, flags, mean, std, nc, ci, path))) goto done;
    }
    if (!(*meta_out = csro_zsdm_meta_clone(meta))) { rc = cs_err(CSRO_ENOMEM, "%s: out of memory", path); goto done; }
    *mean_out = pm;
    pm = NULL;
    if (std_out) { *std_out = ps; ps = NULL; }
    if (ci_out) *ci_out = ci;
done:
    free(pm); free(ps); free(mean); free(std); free(index); free(flags);
    csro_prob_reader_close(r);
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
    *out = NULL;
    if (field != CSRO_PROBMAP_MEANS && field != CSRO_PROBMAP_STDS)
        return cs_err(CSRO_EINVAL, "probmap: unknown field %d (0 = means, 1 = stds)", field);
    float *mean, *std = NULL;
    size_t ci;
    csro_zsdm_meta *meta;
    int rc = cs_probmap_read_voxels(path, cls, &mean, field == CSRO_PROBMAP_STDS ? &std : NULL, &ci, &meta);
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
