/* classify.c: the classify stage on rows (csro/classify.h): check,
 * preprocess, compact the rows with data, run the ensemble, scatter back;
 * and the .zsdm reader -> .prob writer stream. */
#include "classify_impl.h"
#include <math.h>
#include <stdlib.h>

static int scratch(csro_classifier *c)
{
    if (c->xg) return 0;
    size_t B = c->batch;
    c->xg = malloc(B * c->nbins * sizeof *c->xg);
    c->gm = malloc(B * c->nc * sizeof *c->gm);
    c->gs = malloc(B * c->nc * sizeof *c->gs);
    c->ftmp = malloc(B * sizeof *c->ftmp);
    if (!c->xg || !c->gm || !c->gs || !c->ftmp) return cs_err(CSRO_ENOMEM, "classify: out of memory (batch of %zu rows)", B);
    return 0;
}

/* One batch of n <= c->batch rows. */
static int batch(csro_classifier *c, size_t n, float *x, const uint64_t *index, uint32_t *flags,
                 float *mean, float *sd)
{
    size_t nb = c->nbins, nc = c->nc;
    for (size_t i = 0; i < n; i++) {
        if (flags[i] & CSRO_ROW_NODATA) continue;
        for (size_t j = 0; j < nb; j++)
            if (!isfinite(x[i * nb + j]))
                return cs_err(CSRO_EFORMAT, "row %llu (index %llu): non-finite value in bin %zu",
                              (unsigned long long)(c->rows + i),
                              (unsigned long long)(index ? index[i] : c->rows + i), j);
    }
    int rc;
    if (c->have != c->target) { /* rows flagged in the input keep the flag */
        memcpy(c->ftmp, flags, n * sizeof *flags);
        if ((rc = csro_preprocess_rows(NULL, c->target, x, x, n, nb, flags, c->threads))) return rc;
        for (size_t i = 0; i < n; i++) flags[i] |= c->ftmp[i] & CSRO_ROW_NODATA;
    }
    size_t g = 0;
    for (size_t i = 0; i < n; i++) g += !(flags[i] & CSRO_ROW_NODATA);
    const float *feed = x;
    if (g < n) { /* only rows with data go through the networks */
        g = 0;
        for (size_t i = 0; i < n; i++)
            if (!(flags[i] & CSRO_ROW_NODATA)) memcpy(c->xg + g++ * nb, x + i * nb, nb * sizeof *x);
        feed = c->xg;
    }
    if (g && (rc = csro_ensemble_predict(c->e, g, feed, c->gm, c->gs, c->threads))) return rc;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (flags[i] & CSRO_ROW_NODATA) {
            memset(mean + i * nc, 0, nc * sizeof *mean);
            if (sd) memset(sd + i * nc, 0, nc * sizeof *sd);
            c->nodata++;
        } else {
            memcpy(mean + i * nc, c->gm + k * nc, nc * sizeof *mean);
            if (sd) memcpy(sd + i * nc, c->gs + k * nc, nc * sizeof *sd);
            k++;
        }
    }
    c->rows += n;
    return 0;
}

int csro_classify_rows(csro_classifier *c, size_t n, float *profiles, const uint64_t *index, uint32_t *flags,
                       float *mean, float *std)
{
    if (!c || (n && (!profiles || !mean))) return cs_err(CSRO_EINVAL, "classify_rows: NULL argument");
    int rc = scratch(c);
    uint32_t *own = NULL;
    if (!rc && !flags && n) {
        if (!(own = calloc(c->batch, sizeof *own))) return cs_err(CSRO_ENOMEM, "classify: out of memory");
    }
    for (size_t s = 0; s < n && !rc; s += c->batch) {
        size_t m = n - s < c->batch ? n - s : c->batch;
        uint32_t *f = flags ? flags + s : own;
        if (own) memset(own, 0, m * sizeof *own);
        rc = batch(c, m, profiles + s * c->nbins, index ? index + s : NULL, f, mean + s * c->nc,
                   std ? std + s * c->nc : NULL);
    }
    free(own);
    return rc;
}

int csro_classify_stream(csro_classifier *c, csro_zsdm_reader *r, csro_prob_writer *w, csro_progress_fn progress,
                         void *user)
{
    if (!c || !r || !w) return cs_err(CSRO_EINVAL, "classify_stream: NULL argument");
    const csro_zsdm_meta *m = csro_zsdm_reader_meta(r);
    if (csro_zsdm_meta_nbins(m) != c->nbins)
        return cs_err(CSRO_EMISMATCH, "classify_stream: the reader has %zu bins, the classifier was planned for %zu",
                      csro_zsdm_meta_nbins(m), c->nbins);
    size_t B = c->batch;
    float *x = malloc(B * c->nbins * sizeof *x), *mean = malloc(B * c->nc * sizeof *mean);
    float *sd = malloc(B * c->nc * sizeof *sd);
    uint64_t *index = malloc(B * sizeof *index);
    uint32_t *flags = malloc(B * sizeof *flags);
    int rc = x && mean && sd && index && flags ? 0 : cs_err(CSRO_ENOMEM, "classify: out of memory");
    /* voxel files hold about one row per voxel */
    const csro_grid *g = csro_zsdm_meta_grid(m);
    double total = g ? (double)csro_grid_count(g) : 0;
    size_t n = 0;
    while (!rc && !(rc = csro_zsdm_reader_read(r, B, x, index, NULL, flags, NULL, &n)) && n) {
        if (!(rc = csro_classify_rows(c, n, x, index, flags, mean, sd)))
            rc = csro_prob_writer_write(w, n, index, flags, mean, sd);
        if (!rc && progress && total > 0 &&
            progress(c->rows < total ? (double)c->rows / total : 1.0, user))
            rc = cs_err(CSRO_ECANCELED, "classify: canceled");
    }
    free(x); free(mean); free(sd); free(index); free(flags);
    return rc;
}
