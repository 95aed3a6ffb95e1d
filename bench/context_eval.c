/* context_eval: sub-cell confusion counts of the voxel-sum map and of a
 * context stage on simulated specimens, at a range of thresholds (used by
 * bench/context.sh; csro-score's sub-cell rule via csro_context_truth).
 *
 *   context_eval [-c MODEL.csronet] [-t THREADS] LIST
 *
 * LIST lines: NAME PROB TRUTH RECON (TRUTH '-' = no CSRO). Output TSV:
 * name method threshold tp fp fn tn, for method sum (thresholds 0.25 ..
 * 7.75 step 0.25) and, with -c, ctx (0.02 .. 0.98 step 0.02). */
#include "csro.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what)
{
    fprintf(stderr, "context_eval: %s: %s\n", what, csro_last_error());
    exit(1);
}

static void read_field(const char *path, csro_grid **g, float **mean, float **std)
{
    csro_prob_reader *r;
    if (csro_prob_reader_open(&r, path)) die(path);
    const csro_zsdm_meta *meta = csro_prob_reader_meta(r);
    const csro_grid *gg = csro_zsdm_meta_grid(meta);
    size_t nc = csro_zsdm_meta_nclasses(meta);
    double lo[3], hi[3];
    csro_grid_lo(gg, lo);
    csro_grid_hi(gg, hi);
    if (csro_grid_new(g, lo, hi, csro_grid_voxel(gg), csro_grid_stride(gg), csro_grid_shape(gg))) die(path);
    size_t count = csro_grid_count(*g), B = 4096;
    *mean = malloc(count * sizeof **mean);
    *std = malloc(count * sizeof **std);
    float *bm = malloc(B * nc * sizeof *bm), *bs = malloc(B * nc * sizeof *bs);
    uint64_t *idx = malloc(B * sizeof *idx);
    uint32_t *fl = malloc(B * sizeof *fl);
    for (size_t i = 0; i < count; i++) (*mean)[i] = (*std)[i] = NAN;
    for (;;) {
        size_t n;
        if (csro_prob_reader_read(r, B, idx, fl, bm, bs, &n)) die(path);
        if (!n) break;
        for (size_t t = 0; t < n; t++) {
            if (fl[t] & CSRO_ROW_NODATA) continue;
            (*mean)[idx[t]] = bm[t * nc + nc - 1];
            (*std)[idx[t]] = bs[t * nc + nc - 1];
        }
    }
    free(bm); free(bs); free(idx); free(fl);
    csro_prob_reader_close(r);
}

static void emit(const char *name, const char *method, const float *v, const int8_t *lab, size_t n, double t0,
                 double step, int nt)
{
    for (int k = 0; k < nt; k++) {
        double t = t0 + step * k;
        unsigned long long tp = 0, fp = 0, fn = 0, tn = 0;
        for (size_t i = 0; i < n; i++) {
            if (lab[i] < 0 || isnan(v[i])) continue;
            int pr = v[i] > t;
            if (pr) { if (lab[i]) tp++; else fp++; }
            else { if (lab[i]) fn++; else tn++; }
        }
        printf("%s\t%s\t%g\t%llu\t%llu\t%llu\t%llu\n", name, method, t, tp, fp, fn, tn);
    }
}

int main(int argc, char **argv)
{
    const char *model = NULL, *list = NULL;
    int threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) threads = atoi(argv[++i]);
        else list = argv[i];
    }
    if (!list) { fprintf(stderr, "usage: context_eval [-c MODEL] [-t N] LIST\n"); return 2; }
    csro_context *cx = NULL;
    if (model) {
        csro_ensemble *e;
        if (csro_ensemble_load(&e, model)) die(model);
        const char *t = csro_ensemble_text(e, "map.context");
        if (!t) { fprintf(stderr, "context_eval: %s: no map.context text\n", model); return 1; }
        if (csro_context_from_text(&cx, t)) die(model);
        csro_ensemble_free(e);
    }
    FILE *f = fopen(list, "r");
    if (!f) { perror(list); return 1; }
    char name[512], prob[1024], truth[1024], recon[1024];
    while (fscanf(f, "%511s %1023s %1023s %1023s", name, prob, truth, recon) == 4) {
        csro_grid *g;
        float *mean, *std;
        read_field(prob, &g, &mean, &std);
        size_t n = csro_context_subcells(g), nv = csro_grid_count(g);
        int8_t *lab = malloc(n);
        csro_recon *r;
        if (csro_recon_load(&r, recon, NULL)) die(recon);
        size_t ni = csro_recon_count(r), nt = ni;
        uint8_t *tr, *zero = calloc(ni ? ni : 1, 1);
        int have = strcmp(truth, "-") != 0;
        if (have) {
            if (csro_truth_load(&tr, &nt, truth)) die(truth);
        } else tr = zero;
        if (nt != ni) { fprintf(stderr, "context_eval: %s: truth count\n", truth); return 1; }
        if (csro_context_truth(lab, n, g, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), tr, ni)) die(prob);
        if (have) csro_free(tr);
        free(zero);
        csro_recon_free(r);
        csro_probmap *pm;
        if (csro_probmap_new(&pm, g, mean, nv, CSRO_PROBMAP_SUM)) die(prob);
        emit(name, "sum", csro_probmap_data(pm), lab, n, 0.25, 0.25, 31);
        csro_probmap_free(pm);
        if (cx) {
            float *out = malloc(n * sizeof *out);
            if (csro_context_apply(cx, g, mean, std, out, n, threads)) die(prob);
            emit(name, "ctx", out, lab, n, 0.02, 0.02, 49);
            free(out);
        }
        free(lab); free(mean); free(std);
        csro_grid_free(g);
    }
    fclose(f);
    csro_context_free(cx);
    return 0;
}
