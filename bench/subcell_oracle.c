/* subcell_oracle: the sub-cell F1 an oracle that knows the planted domains
 * exactly would reach under csro-score's truth (a sub-cell is CSRO when at
 * least half of its measured ions come from a domain): it selects the
 * sub-cells whose centre lies inside a planted sphere grown by delta
 * (-0.3 .. 0.3 nm, the best delta per specimen is printed). The truth is
 * defined on blurred, thinned ions, so even this oracle stays below 1; it
 * is the ceiling for any map of the same sub-cells (used by
 * bench/subcell_f1.sh).
 *
 *   subcell_oracle PROB TRUTH RECON DOMAINS   (DOMAINS: apt-simulate --domain-list) */
#include "csro.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void die(const char *what)
{
    fprintf(stderr, "subcell_oracle: %s: %s\n", what, csro_last_error());
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: subcell_oracle PROB TRUTH RECON DOMAINS\n"); return 2; }
    csro_probmap *m;
    if (csro_probmap_load(&m, argv[1], NULL, CSRO_PROBMAP_MEANS, CSRO_PROBMAP_MEAN)) die(argv[1]);
    csro_recon *r;
    if (csro_recon_load(&r, argv[3], NULL)) die(argv[3]);
    uint8_t *t;
    size_t nt, n = csro_recon_count(r), nc = csro_probmap_count(m);
    if (csro_truth_load(&t, &nt, argv[2]) || nt != n) die(argv[2]);
    int8_t *lab = malloc(nc);
    if (!lab || csro_probmap_subcell_truth(m, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), t, n, lab, nc))
        die(argv[1]);
    FILE *f = fopen(argv[4], "r");
    if (!f) { perror(argv[4]); return 1; }
    double (*dom)[4] = NULL;
    size_t nd = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        double q[4];
        if (sscanf(line, "%lf %lf %lf %lf", &q[0], &q[1], &q[2], &q[3]) != 4) continue;
        dom = realloc(dom, (nd + 1) * sizeof *dom);
        if (!dom) return 1;
        for (int a = 0; a < 4; a++) dom[nd][a] = q[a];
        nd++;
    }
    fclose(f);
    size_t d[3];
    double org[3], sp = csro_probmap_spacing(m);
    csro_probmap_dims(m, d);
    csro_probmap_origin(m, org);
    double best = -1, bd = 0, bp = 0, br = 0;
    for (int k = 0; k <= 12; k++) {
        double dl = -0.3 + 0.05 * k;
        unsigned long long tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < nc; i++) {
            if (lab[i] < 0) continue;
            double c[3] = {org[0] + ((double)(i % d[0]) + 0.5) * sp, org[1] + ((double)((i / d[0]) % d[1]) + 0.5) * sp,
                           org[2] + ((double)(i / (d[0] * d[1])) + 0.5) * sp};
            int pr = 0;
            for (size_t s = 0; s < nd && !pr; s++) {
                double rr = dom[s][3] / 2 + dl, e = 0;
                for (int a = 0; a < 3; a++) e += (c[a] - dom[s][a]) * (c[a] - dom[s][a]);
                pr = rr > 0 && e <= rr * rr;
            }
            if (pr) { if (lab[i]) tp++; else fp++; }
            else if (lab[i]) fn++;
        }
        double f1 = tp ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
        if (f1 > best) { best = f1; bd = dl; bp = tp + fp ? (double)tp / (double)(tp + fp) : 0; br = tp + fn ? (double)tp / (double)(tp + fn) : 0; }
    }
    printf("%.4f\t%.4f\t%.4f\t%+.2f\n", best, bp, br, bd);
    free(dom); free(lab); csro_free(t);
    csro_recon_free(r);
    csro_probmap_free(m);
    return 0;
}
