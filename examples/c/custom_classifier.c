/* custom_classifier.c: your own classifier over z-SDM rows. A nearest-
 * centroid rule learnt from a labelled bank: min-max normalise each
 * profile, average each class over the even rows, assign every odd row
 * to the class with the closest centroid, print the confusion matrix.
 *   custom_classifier [BANK.zsdm]   (csro-simulate output; default: a small
 *                                    random-vs-L1_2 Co-Co bank simulated here)
 * Build: cc custom_classifier.c $(pkg-config --cflags --libs csro) */
#include <csro.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(call) do { int rc_ = (call); if (rc_ < 0) { \
    fprintf(stderr, "custom_classifier: %s\n", csro_last_error()); exit(1); } } while (0)

int main(int argc, char **argv)
{
    size_t n = 0, nb = 93, nc = 2, cap = 400;
    float *x = malloc(cap * nb * sizeof *x);
    int32_t *y = malloc(cap * sizeof *y);
    const char *names[2] = {"random", "L12"};
    csro_zsdm_reader *rd = NULL;
    if (argc > 1) { /* a labelled bank file, read in chunks */
        TRY(csro_zsdm_reader_open(&rd, argv[1]));
        const csro_zsdm_meta *m = csro_zsdm_reader_meta(rd);
        nb = csro_zsdm_meta_nbins(m), nc = csro_zsdm_meta_nclasses(m);
        x = realloc(x, cap * nb * sizeof *x);
        for (size_t got = 1; got;) {
            if (n == cap) { cap *= 2; x = realloc(x, cap * nb * sizeof *x); y = realloc(y, cap * sizeof *y); }
            TRY(csro_zsdm_reader_read(rd, cap - n, x + n * nb, NULL, y + n, NULL, NULL, &got));
            n += got;
        }
    } else { /* simulate 200 patterns per class: random solid solution and L1_2 (Co on corners) */
        for (int k = 0; k < 2; k++) {
            csro_sim_opts *o = csro_sim_opts_new();
            TRY(csro_sim_opts_set_order(o, k ? CSRO_SIM_L12 : CSRO_SIM_RANDOM, k ? "Co" : NULL, 1.0));
            TRY(csro_sim_opts_set_random(o, 200)); TRY(csro_sim_opts_set_seed(o, 1, 200 * (uint64_t)k));
            TRY(csro_sim_bank(o, 0, 200, x + n * nb, nb, NULL, NULL, NULL));
            for (int i = 0; i < 200; i++) y[n++] = k;
            csro_sim_opts_free(o);
        }
    }
    uint32_t *flags = calloc(n, sizeof *flags);
    TRY(csro_preprocess_rows(NULL, CSRO_PRE_MINMAX, x, x, n, nb, flags, 0));

    double *cent = calloc(nc * nb, sizeof *cent);
    size_t *cnt = calloc(nc, sizeof *cnt), *conf = calloc(nc * nc, sizeof *conf), right = 0, tested = 0;
    for (size_t i = 0; i < n; i += 2) /* train: even rows */
        if (!(flags[i] & CSRO_ROW_NODATA) && y[i] >= 0 && (size_t)y[i] < nc) {
            for (size_t b = 0; b < nb; b++) cent[y[i] * nb + b] += x[i * nb + b];
            cnt[y[i]]++;
        }
    for (size_t k = 0; k < nc; k++)
        for (size_t b = 0; b < nb; b++) cent[k * nb + b] /= cnt[k] ? (double)cnt[k] : 1.0;
    for (size_t i = 1; i < n; i += 2) { /* test: odd rows */
        if ((flags[i] & CSRO_ROW_NODATA) || y[i] < 0 || (size_t)y[i] >= nc) continue;
        size_t best = 0;
        double bd = DBL_MAX;
        for (size_t k = 0; k < nc; k++) {
            double d = 0;
            for (size_t b = 0; b < nb; b++) d += (x[i * nb + b] - cent[k * nb + b]) * (x[i * nb + b] - cent[k * nb + b]);
            if (d < bd) bd = d, best = k;
        }
        conf[y[i] * nc + best]++; right += best == (size_t)y[i]; tested++;
    }
    printf("nearest centroid on %zu test patterns: accuracy %.3f\nconfusion (row = true class):\n", tested,
           tested ? (double)right / tested : 0.0);
    for (size_t k = 0; k < nc; k++) {
        const char *nm = rd ? csro_zsdm_meta_class(csro_zsdm_reader_meta(rd), k) : names[k];
        printf("%-10s", nm ? nm : "?");
        for (size_t j = 0; j < nc; j++) printf("\t%zu", conf[k * nc + j]);
        printf("\n");
    }
    csro_zsdm_reader_close(rd);
    free(x); free(y); free(flags); free(cent); free(cnt); free(conf);
    return 0;
}
